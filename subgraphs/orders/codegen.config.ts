/**
 * Typed-resolver generation for this subgraph (see schema/codegen.ts): the context, and the
 * value a resolver returns for each GraphQL type. Paths are relative to src/generated/resolvers.ts.
 */
export default {
  contextType: '../services.ts#OrdersContext',
  mappers: {
    FulfillmentRules: '../store/rules.ts#FulfillmentRulesRecord',
    // The domain raises user errors through `fail` (src/domain/errors.ts), typed by the code enum.
    OrdersUserError: '@tradegraph/shared#UserError',
  },
};
