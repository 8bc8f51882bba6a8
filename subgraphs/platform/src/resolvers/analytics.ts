import { forbidden, fromMinorUnits, type Principal, read } from '@tradegraph/shared';
import { isStaff, readForOrganization, STAFF } from '../domain/access.ts';
import {
  bestSellers,
  dayRange,
  retailerSellThrough,
  salesByDay,
  supplierPerformance,
  variantPriceHistory,
} from '../domain/analytics.ts';
import type {
  DailySalesResolvers,
  PricePointResolvers,
  QueryResolvers,
  RetailerSellThroughResolvers,
  SupplierDailyPerformanceResolvers,
  TopProductResolvers,
} from '../generated/resolvers.ts';

/** A brand's or supplier's own report: its members need the kind; staff may name any organisation. */
function requireKind(p: Principal, kind: 'BRAND' | 'SUPPLIER') {
  if (isStaff(p)) return;
  if ((p.kind === 'user' || p.kind === 'apiKey') && p.organizationKind !== kind) {
    throw forbidden(`Only ${kind.toLowerCase()} organisations have this report`);
  }
}

export const analyticsQueries = {
  salesByDay: (_, { filter }, ctx) =>
    readForOrganization(ctx, 'orders:read', filter?.organizationId, (rx, orgId) =>
      salesByDay(rx, orgId, dayRange(filter, new Date())),
    ),
  topProducts: (_, { filter, by, first }, ctx) =>
    readForOrganization(ctx, 'orders:read', filter?.organizationId, (rx, orgId) =>
      bestSellers(rx, orgId, dayRange(filter, new Date()), by ?? 'UNITS', first ?? 10),
    ),
  sellThrough: (_, { filter }, ctx) =>
    readForOrganization(ctx, 'orders:read', filter?.organizationId, (rx, orgId) => {
      requireKind(rx.principal, 'BRAND');
      return retailerSellThrough(rx, orgId, dayRange(filter, new Date()));
    }),
  supplierPerformance: (_, { filter }, ctx) =>
    readForOrganization(ctx, 'orders:read', filter?.organizationId, (rx, orgId) => {
      requireKind(rx.principal, 'SUPPLIER');
      return supplierPerformance(rx, orgId, dayRange(filter, new Date()));
    }),
  priceHistory: (_, { variantId, from, first }, ctx) =>
    isStaff(ctx.principal)
      ? read(ctx, STAFF, (rx) => variantPriceHistory(rx, variantId, { all: true }, from ?? null, first ?? 50))
      : read(ctx, { permission: 'catalog:read', tenant: 'service' }, (rx) => {
          const own = rx.actor?.organizationId;
          if (!own) throw forbidden('You do not act for an organisation');
          return variantPriceHistory(
            rx,
            variantId,
            { brandId: own, organizationId: own },
            from ?? null,
            first ?? 50,
          );
        }),
} satisfies Pick<
  QueryResolvers,
  'salesByDay' | 'topProducts' | 'sellThrough' | 'supplierPerformance' | 'priceHistory'
>;

/** `gmv / orders` rounded down to the minor unit; zero without orders. */
const average = (gmv: bigint, orders: number) => (orders > 0 ? gmv / BigInt(orders) : 0n);

export const dailySalesResolvers = {
  gmv: (d) => fromMinorUnits(d.gmvMinor, d.currencyCode),
  averageOrderValue: (d) => fromMinorUnits(average(d.gmvMinor, d.orders), d.currencyCode),
  confirmedGmv: (d) => fromMinorUnits(d.confirmedGmvMinor, d.currencyCode),
} satisfies DailySalesResolvers;

export const topProductResolvers = {
  variant: (t) => ({ id: t.variantId }),
  gmv: (t) => fromMinorUnits(t.gmvMinor, t.currencyCode),
} satisfies TopProductResolvers;

export const sellThroughResolvers = {
  retailer: (s) => ({ id: s.retailerId }),
  gmv: (s) => fromMinorUnits(s.gmvMinor, s.currencyCode),
  shareOfUnits: (s) => (s.totalUnits > 0 ? s.units / s.totalUnits : 0),
} satisfies RetailerSellThroughResolvers;

export const supplierDayResolvers = {
  fillRate: (d) => (d.reserved + d.rejected > 0 ? d.reserved / (d.reserved + d.rejected) : null),
  averageLeadTimeHours: (d) =>
    d.averageLeadTimeSeconds === null ? null : Math.round((d.averageLeadTimeSeconds / 3600) * 100) / 100,
} satisfies SupplierDailyPerformanceResolvers;

export const pricePointResolvers = {
  price: (p) => fromMinorUnits(p.priceMinor, p.currencyCode),
} satisfies PricePointResolvers;
