import { payload } from '@tradegraph/shared';
import { type IdentityContext, inTransaction } from '../context.ts';
import { createApiKey, listApiKeys, revokeApiKey } from '../domain/api-keys.ts';

export const apiKeyQueries = {
  apiKeys: (_: unknown, args: { first?: number; after?: string }, ctx: IdentityContext) =>
    listApiKeys(ctx, args),
};

export const apiKeyMutations = {
  createApiKey: async (
    _: unknown,
    { input }: { input: Parameters<typeof createApiKey>[1] },
    ctx: IdentityContext,
  ) => {
    const result = await payload('created', () => inTransaction(ctx, (tx) => createApiKey(tx, input)));
    return {
      apiKey: result.created?.apiKey ?? null,
      secret: result.created?.secret ?? null,
      userErrors: result.userErrors,
    };
  },
  revokeApiKey: (_: unknown, { input }: { input: { id: string } }, ctx: IdentityContext) =>
    payload('apiKey', () => inTransaction(ctx, (tx) => revokeApiKey(tx, input))),
};
