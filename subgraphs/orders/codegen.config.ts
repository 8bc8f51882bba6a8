/**
 * Typed-resolver generation for this subgraph (see schema/codegen.ts): the context, and the
 * value a resolver returns for each GraphQL type. Paths are relative to src/generated/resolvers.ts.
 */
export default {
  contextType: '../services.ts#OrdersContext',
  mappers: {
    ProductVariant: '../services.ts#EntityRef',
    Organization: '../services.ts#EntityRef',
    Order: '../domain/access.ts#OrderView',
    OrderLine: '../store/orders.ts#LineRecord',
    OrderFulfillmentGroup: '../services.ts#GroupView',
    OrderStatusEntry: '../store/orders.ts#HistoryRecord',
    OrderRefund: '../store/orders.ts#RefundRecord',
    FulfillmentRules: '../store/rules.ts#FulfillmentRulesRecord',
    // The domain raises user errors through `fail` (src/domain/errors.ts), typed by the code enum.
    OrdersUserError: '@tradegraph/shared#UserError',
  },
};
