import { scalarResolvers } from '@tradegraph/shared';
import type { Resolvers } from '../generated/resolvers.ts';
import { adminMutations, adminQueries, auditEntryResolvers, platformOrganizationResolvers } from './admin.ts';
import {
  analyticsQueries,
  dailySalesResolvers,
  pricePointResolvers,
  sellThroughResolvers,
  supplierDayResolvers,
  topProductResolvers,
} from './analytics.ts';
import { billingMutations, billingQueries, invoiceLineResolvers, invoiceResolvers } from './billing.ts';
import { planMutations, planQueries, planResolvers, subscriptionResolvers } from './plans.ts';

/** Typed from the SDL (src/generated/resolvers.ts): a missing, misnamed or mis-shaped resolver fails typecheck. */
export const resolvers: Resolvers = {
  ...scalarResolvers,
  Query: { ...planQueries, ...billingQueries, ...analyticsQueries, ...adminQueries },
  Mutation: { ...planMutations, ...billingMutations, ...adminMutations },
  Plan: planResolvers,
  OrganizationSubscription: subscriptionResolvers,
  Invoice: invoiceResolvers,
  InvoiceLine: invoiceLineResolvers,
  DailySales: dailySalesResolvers,
  TopProduct: topProductResolvers,
  RetailerSellThrough: sellThroughResolvers,
  SupplierDailyPerformance: supplierDayResolvers,
  PricePoint: pricePointResolvers,
  PlatformOrganization: platformOrganizationResolvers,
  AuditEntry: auditEntryResolvers,
};
