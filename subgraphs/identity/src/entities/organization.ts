import { defineEntity, p } from '@mikro-orm/core';
import type { OrganizationKind } from '@tradegraph/shared';

export const Organization = defineEntity({
  name: 'Organization',
  tableName: 'organizations',
  properties: {
    id: p.string().primary(),
    name: p.string(),
    slug: p.string(),
    kind: p.string().$type<OrganizationKind>(),
    status: p.string().$type<'ACTIVE' | 'SUSPENDED'>(),
    description: p.text().nullable(),
    website: p.string().nullable(),
    country: p.string().nullable(),
    createdAt: p.datetime(),
    updatedAt: p.datetime(),
  },
});
export type Organization = InstanceType<typeof Organization.class>;
