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

/** Typed from the SDL (src/generated/resolvers.ts): a missing, misnamed or mis-shaped resolver fails typecheck. */
export const resolvers: Resolvers = {
  ...scalarResolvers,
  Query: { ...orderQueries, ...rulesQueries },
  Mutation: { ...orderMutations, ...rulesMutations },
  Order: orderResolvers,
  OrderLine: orderLineResolvers,
  OrderFulfillmentGroup: groupResolvers,
  OrderStatusEntry: historyResolvers,
  OrderRefund: refundResolvers,
};
