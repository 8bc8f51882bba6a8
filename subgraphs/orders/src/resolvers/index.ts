import { scalarResolvers } from '@tradegraph/shared';
import type { Resolvers } from '../generated/resolvers.ts';
import {
  groupResolvers,
  historyResolvers,
  orderLineResolvers,
  orderMutations,
  orderQueries,
  orderResolvers,
  refundResolvers,
} from './orders.ts';
import { rulesMutations, rulesQueries } from './rules.ts';
import { subscriptionResolvers } from './subscriptions.ts';

/** Typed from the SDL (src/generated/resolvers.ts): a missing, misnamed or mis-shaped resolver fails typecheck. */
export const resolvers: Resolvers = {
  ...scalarResolvers,
  Query: { ...orderQueries, ...rulesQueries },
  Mutation: { ...orderMutations, ...rulesMutations },
  Subscription: subscriptionResolvers,
  Order: orderResolvers,
  OrderLine: orderLineResolvers,
  OrderFulfillmentGroup: groupResolvers,
  OrderStatusEntry: historyResolvers,
  OrderRefund: refundResolvers,
};
