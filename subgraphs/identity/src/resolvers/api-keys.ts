import { read, write } from '@tradegraph/shared';
import { createApiKey, revokeApiKey } from '../domain/api-keys.ts';
import { identityPayload } from '../domain/errors.ts';
import type { ApiKeyResolvers, MutationResolvers, QueryResolvers } from '../generated/resolvers.ts';
import { actingOrganization } from '../services.ts';
import { membershipsOfUser } from '../store/accounts.ts';
import { listApiKeys } from '../store/api-keys.ts';

export const apiKeyQueries = {
  apiKeys: (_, args, ctx) =>
    read(ctx, { permission: 'apikeys:read', tenant: 'service' }, (rx) =>
      listApiKeys(
        rx,
        actingOrganization(rx).organizationId,
        args.filter?.createdByFormerMember ?? null,
        args,
      ),
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

export const apiKeyResolvers = {
  createdByFormerMember: async (key, _, ctx) => {
    if (!key.createdByUserId) return false;
    const memberships = await membershipsOfUser(ctx, key.createdByUserId);
    return !memberships.some((m) => m.organizationId === key.organizationId);
  },
} satisfies ApiKeyResolvers;
