import { payload, read, write } from '@tradegraph/shared';
import { fulfillmentRulesOf, setFulfillmentRules } from '../domain/rules.ts';
import type { MutationResolvers, QueryResolvers } from '../generated/resolvers.ts';

export const rulesQueries = {
  fulfillmentRules: (_, _args, ctx) =>
    read(ctx, { permission: 'orders:read', tenant: 'service', kinds: ['RETAILER'] }, (rx) =>
      fulfillmentRulesOf(rx),
    ),
} satisfies Pick<QueryResolvers, 'fulfillmentRules'>;

export const rulesMutations = {
  setFulfillmentRules: (_, { input }, ctx) =>
    payload('fulfillmentRules', () =>
      write(ctx, { permission: 'orders:manage', tenant: 'service', kinds: ['RETAILER'] }, (tx) =>
        setFulfillmentRules(tx, input),
      ),
    ),
} satisfies Pick<MutationResolvers, 'setFulfillmentRules'>;
