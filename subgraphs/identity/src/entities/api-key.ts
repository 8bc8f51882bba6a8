import { defineEntity, p } from '@mikro-orm/core';
import type { ApiKeyScope } from '@tradegraph/shared';

export const ApiKey = defineEntity({
  name: 'ApiKey',
  tableName: 'api_keys',
  properties: {
    id: p.string().primary(),
    organizationId: p.string(),
    name: p.string(),
    secretHash: p.string().hidden(),
    lastFour: p.string(),
    scopes: p.json<ApiKeyScope[]>(),
    createdByUserId: p.string().nullable(),
    lastUsedAt: p.datetime().nullable(),
    expiresAt: p.datetime().nullable(),
    revokedAt: p.datetime().nullable(),
    createdAt: p.datetime(),
  },
});
export type ApiKey = InstanceType<typeof ApiKey.class>;
