/**
 * Typed-resolver generation for this subgraph (see schema/codegen.ts): the context, and the
 * value a resolver returns for each GraphQL type. Paths are relative to src/generated/resolvers.ts.
 */
export default {
  contextType: '../services.ts#PaymentsContext',
  mappers: {
    LedgerEntry: '../domain/balances.ts#LedgerEntryView',
    Payout: '../store/payments.ts#PayoutRecord',
    // The domain raises user errors through `fail` (src/domain/errors.ts), typed by the code enum.
    PaymentsUserError: '@tradegraph/shared#UserError',
  },
};
