import type {
  ListingChangedPayload,
  OfferChangedPayload,
  OrderPlacedPayload,
  ShipmentChangedPayload,
} from '@tradegraph/contracts';
import { badInput, type EntityManager, type ServiceContext } from '@tradegraph/shared';
import { recordGroupFacts, supplierDays } from '../store/fulfilment.ts';
import {
  insertPricePoint,
  latestPricePoint,
  type PricePointRecord,
  type PriceVisibility,
  priceHistory,
} from '../store/prices.ts';
import {
  addBrandRetailerSales,
  addConfirmedSales,
  addPlacedSales,
  addProductSales,
  type BrandRetailerSale,
  confirmOrderOnce,
  dailySales,
  type PartySale,
  type ProductSale,
  recordOrderFacts,
  sellThrough,
  topProducts,
} from '../store/sales.ts';

const DAY_MS = 86_400_000;
export const MAX_RANGE_DAYS = 366;
const utcDay = (d: Date | string) => new Date(d).toISOString().slice(0, 10);

/** Who earned what from one order (pure): the retailer its total, each brand its lines at retail, each supplier its lines at wholesale. */
export function orderSales(p: OrderPlacedPayload): {
  parties: PartySale[];
  products: ProductSale[];
  brandRetailer: BrandRetailerSale[];
} {
  const parties = new Map<string, PartySale>();
  const products = new Map<string, ProductSale>();
  const brands = new Map<string, BrandRetailerSale>();
  const add = (orgId: string, role: PartySale['role'], units: number, gmv: bigint) => {
    const key = `${role}:${orgId}`;
    const s = parties.get(key) ?? { organizationId: orgId, role, units: 0, gmvMinor: 0n };
    s.units += units;
    s.gmvMinor += gmv;
    parties.set(key, s);
  };
  const addProduct = (orgId: string, variantId: string, title: string, units: number, gmv: bigint) => {
    const key = `${orgId}:${variantId}`;
    const s = products.get(key) ?? { organizationId: orgId, variantId, title, units: 0, gmvMinor: 0n };
    s.units += units;
    s.gmvMinor += gmv;
    products.set(key, s);
  };
  let units = 0;
  for (const l of p.lines) {
    const retail = BigInt(l.unitPriceMinor) * BigInt(l.quantity);
    const wholesale = BigInt(l.wholesaleUnitMinor) * BigInt(l.quantity);
    units += l.quantity;
    add(l.brandId, 'BRAND', l.quantity, retail);
    add(l.supplierId, 'SUPPLIER', l.quantity, wholesale);
    addProduct(p.retailerId, l.variantId, l.title, l.quantity, retail);
    addProduct(l.brandId, l.variantId, l.title, l.quantity, retail);
    addProduct(l.supplierId, l.variantId, l.title, l.quantity, wholesale);
    const b = brands.get(l.brandId) ?? {
      brandId: l.brandId,
      retailerId: p.retailerId,
      units: 0,
      gmvMinor: 0n,
    };
    b.units += l.quantity;
    b.gmvMinor += retail;
    brands.set(l.brandId, b);
  }
  add(p.retailerId, 'RETAILER', units, BigInt(p.totalMinor));
  return {
    parties: [...parties.values()],
    products: [...products.values()],
    brandRetailer: [...brands.values()],
  };
}

/** Meters a placed order into every party's day (once per order). */
export async function applyOrderPlaced(em: EntityManager, p: OrderPlacedPayload): Promise<void> {
  const sales = orderSales(p);
  const placedAt = new Date(p.placedAt);
  if (
    !(await recordOrderFacts(em, {
      orderId: p.orderId,
      currencyCode: p.currencyCode,
      parties: sales.parties,
      placedAt,
    }))
  ) {
    return;
  }
  const d = utcDay(placedAt);
  await addPlacedSales(em, d, p.currencyCode, sales.parties);
  await addProductSales(em, d, p.currencyCode, sales.products);
  await addBrandRetailerSales(em, d, p.currencyCode, sales.brandRetailer);
}

/** Meters an order's confirmation (once) into every party's day of confirmation: the base of transaction fees. */
export async function applyOrderConfirmed(em: EntityManager, orderId: string, at: Date): Promise<void> {
  const facts = await confirmOrderOnce(em, orderId, at);
  if (facts) await addConfirmedSales(em, utcDay(at), facts.currencyCode, facts.parties);
}

export function applyReservationRequested(
  em: EntityManager,
  p: { groupId: string; supplierId: string; orderId: string; lines: { quantity: number }[] },
  at: Date,
): Promise<void> {
  return recordGroupFacts(em, {
    groupId: p.groupId,
    supplierId: p.supplierId,
    orderId: p.orderId,
    requestedAt: at,
    unitsRequested: p.lines.reduce((n, l) => n + l.quantity, 0),
  });
}

export function applyFulfillmentAnswer(
  em: EntityManager,
  p: { groupId: string; supplierId: string; orderId: string; reservations?: { quantity: number }[] },
  answer: 'RESERVED' | 'REJECTED',
  at: Date,
): Promise<void> {
  const base = { groupId: p.groupId, supplierId: p.supplierId, orderId: p.orderId };
  return recordGroupFacts(
    em,
    answer === 'RESERVED'
      ? { ...base, reservedAt: at, unitsReserved: (p.reservations ?? []).reduce((n, r) => n + r.quantity, 0) }
      : { ...base, rejectedAt: at },
  );
}

export function applyShipment(em: EntityManager, p: ShipmentChangedPayload): Promise<void> {
  if (p.status === 'CREATED') return Promise.resolve();
  const at = new Date(p.at);
  const base = { groupId: p.groupId, supplierId: p.supplierId, orderId: p.orderId, shippedAt: at };
  // a delivered shipment was shipped (the earlier SHIPPED time wins when both arrive)
  return recordGroupFacts(em, p.status === 'DELIVERED' ? { ...base, deliveredAt: at } : base);
}

/** The price point an offer or listing event sets, or null when it sets none (withdrawn, removed, no price). */
export function pricePointOf(
  event: { id: string; occurredAt: string },
  change:
    | { kind: 'WHOLESALE'; offer: OfferChangedPayload }
    | { kind: 'RETAIL'; listing: ListingChangedPayload },
): PricePointRecord | null {
  const at = new Date(event.occurredAt);
  if (change.kind === 'WHOLESALE') {
    const o = change.offer;
    if (!o.active) return null;
    return {
      eventId: event.id,
      variantId: o.variantId,
      brandId: o.brandId,
      organizationId: o.supplierId,
      kind: 'WHOLESALE',
      sourceId: o.offerId,
      priceMinor: BigInt(o.wholesaleMinor),
      currencyCode: o.currencyCode,
      at,
    };
  }
  const l = change.listing;
  if (l.removed || l.priceMinor === undefined || l.currencyCode === undefined) return null;
  return {
    eventId: event.id,
    variantId: l.variantId,
    brandId: l.brandId,
    organizationId: l.retailerId,
    kind: 'RETAIL',
    sourceId: l.listingId,
    priceMinor: BigInt(l.priceMinor),
    currencyCode: l.currencyCode,
    at,
  };
}

/** Records a price point when the price differs from the source's last one (history holds changes, not repeats). */
export async function recordPrice(em: EntityManager, point: PricePointRecord | null): Promise<void> {
  if (!point) return;
  const last = await latestPricePoint(em, point.sourceId);
  if (last && last.priceMinor === point.priceMinor && last.currencyCode === point.currencyCode) return;
  if (last && last.at > point.at) return; // an older event replayed late: the newer price stands
  await insertPricePoint(em, point);
}

/** The UTC days an analytics query covers (pure): `to` defaults to today, `from` to 30 days before it. */
export function dayRange(
  filter: { from?: string | null; to?: string | null } | null | undefined,
  now: Date,
): { from: string; to: string } {
  const parse = (v: string, field: string) => {
    if (
      !/^\d{4}-\d{2}-\d{2}$/.test(v) ||
      Number.isNaN(Date.parse(`${v}T00:00:00Z`)) ||
      utcDay(`${v}T00:00:00Z`) !== v
    ) {
      throw badInput(`${field} must be a day written YYYY-MM-DD`, `filter.${field}`);
    }
    return new Date(`${v}T00:00:00Z`);
  };
  const to = filter?.to ? parse(filter.to, 'to') : new Date(`${utcDay(now)}T00:00:00Z`);
  const from = filter?.from ? parse(filter.from, 'from') : new Date(to.getTime() - 30 * DAY_MS);
  if (from > to) throw badInput('from must not be after to', 'filter.from');
  if ((to.getTime() - from.getTime()) / DAY_MS > MAX_RANGE_DAYS) {
    throw badInput(`A query covers at most ${MAX_RANGE_DAYS} days`, 'filter.from');
  }
  return { from: utcDay(from), to: utcDay(to) };
}

export function salesByDay(
  ctx: ServiceContext<unknown>,
  organizationId: string,
  range: { from: string; to: string },
) {
  return dailySales(ctx.em, organizationId, range.from, range.to);
}

export function bestSellers(
  ctx: ServiceContext<unknown>,
  organizationId: string,
  range: { from: string; to: string },
  by: 'UNITS' | 'GMV',
  first: number,
) {
  if (!Number.isInteger(first) || first < 1 || first > 100) throw badInput('first must be 1 to 100', 'first');
  return topProducts(ctx.em, organizationId, range.from, range.to, by, first);
}

export function retailerSellThrough(
  ctx: ServiceContext<unknown>,
  brandId: string,
  range: { from: string; to: string },
) {
  return sellThrough(ctx.em, brandId, range.from, range.to);
}

export function supplierPerformance(
  ctx: ServiceContext<unknown>,
  supplierId: string,
  range: { from: string; to: string },
) {
  return supplierDays(ctx.em, supplierId, range.from, range.to);
}

export function variantPriceHistory(
  ctx: ServiceContext<unknown>,
  variantId: string,
  visibility: PriceVisibility,
  from: Date | null,
  first: number,
) {
  if (!Number.isInteger(first) || first < 1 || first > 100) throw badInput('first must be 1 to 100', 'first');
  return priceHistory(ctx.em, variantId, visibility, from, first);
}
