import { payload } from '@tradegraph/shared';
import { inTransaction } from '../context.ts';
import { createApiKey, listApiKeys, revokeApiKey } from '../domain/api-keys.ts';
import type { MutationResolvers, QueryResolvers } from '../generated/resolvers.ts';

export const apiKeyQueries = {
  apiKeys: (_, args, ctx) => listApiKeys(ctx, args),
} satisfies Pick<QueryResolvers, 'apiKeys'>;

export const apiKeyMutations = {
  createApiKey: async (_, { input }, ctx) => {
    const result = await payload('created', () => inTransaction(ctx, (tx) => createApiKey(tx, input)));
    return {
      apiKey: result.created?.apiKey ?? null,
      secret: result.created?.secret ?? null,
      userErrors: result.userErrors,
    };
  },
  revokeApiKey: (_, { input }, ctx) =>
    payload('apiKey', () => inTransaction(ctx, (tx) => revokeApiKey(tx, input))),
} satisfies Pick<MutationResolvers, 'createApiKey' | 'revokeApiKey'>;
