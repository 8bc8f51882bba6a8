/**
 * Typed-resolver generation for this subgraph (see schema/codegen.ts): the context, and the
 * value a resolver returns for each GraphQL type. Paths are relative to src/generated/resolvers.ts.
 */
export default {
  contextType: '../services.ts#PlatformContext',
  mappers: {
    Organization: '../services.ts#EntityRef',
    ProductVariant: '../services.ts#EntityRef',
    Plan: '../store/plans.ts#PlanRecord',
    OrganizationSubscription: '../store/subscriptions.ts#SubscriptionRecord',
    Invoice: '../store/invoices.ts#InvoiceRecord',
    InvoiceLine: '../store/invoices.ts#InvoiceLineRecord',
    DailySales: '../store/sales.ts#DailySalesRecord',
    TopProduct: '../store/sales.ts#TopProductRecord',
    RetailerSellThrough: '../store/sales.ts#SellThroughRecord',
    SupplierDailyPerformance: '../store/fulfilment.ts#SupplierDayRecord',
    PricePoint: '../store/prices.ts#PricePointRecord',
    AuditEntry: '../store/audit.ts#AuditRecord',
    PlatformOrganization: '../store/organizations.ts#OrganizationRecord',
    // The domain raises user errors through `fail` (src/domain/errors.ts), typed by the code enum.
    PlatformUserError: '@tradegraph/shared#UserError',
  },
};
