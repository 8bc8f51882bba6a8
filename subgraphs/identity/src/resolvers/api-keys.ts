import { read, write } from '@tradegraph/shared';
import { createApiKey, revokeApiKey } from '../domain/api-keys.ts';
import { identityPayload } from '../domain/errors.ts';
import type { MutationResolvers, QueryResolvers } from '../generated/resolvers.ts';
import { actingOrganization } from '../services.ts';
import { listApiKeys } from '../store/api-keys.ts';

export const apiKeyQueries = {
  apiKeys: (_, args, ctx) =>
    read(ctx, { permission: 'apikeys:read', tenant: 'service' }, (rx) =>
      listApiKeys(rx, actingOrganization(rx).organizationId, args),
    ),
} satisfies Pick<QueryResolvers, 'apiKeys'>;

export const apiKeyMutations = {
  createApiKey: async (_, { input }, ctx) => {
    const { created, userErrors } = await identityPayload('created', () =>
      write(ctx, { permission: 'apikeys:manage', tenant: 'service' }, (tx) => createApiKey(tx, input)),
    );
    return { apiKey: created?.apiKey ?? null, secret: created?.secret ?? null, userErrors };
  },
  revokeApiKey: (_, { input }, ctx) =>
    identityPayload('apiKey', () =>
      write(ctx, { permission: 'apikeys:manage', tenant: 'service' }, (tx) => revokeApiKey(tx, input)),
    ),
} satisfies Pick<MutationResolvers, 'createApiKey' | 'revokeApiKey'>;
