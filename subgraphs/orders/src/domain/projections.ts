import type {
  CartChangedPayload,
  ConnectionEventPayload,
  ListingChangedPayload,
  OfferChangedPayload,
  StockChangedPayload,
  SubscriptionChangedPayload,
} from '@tradegraph/contracts';
import { supersedes } from '@tradegraph/shared';
import type {
  CartRecord,
  ConnectionRecord,
  ListingPriceRecord,
  OfferRecord,
  PlatformFeeRecord,
  StockRecord,
} from '../store/projections.ts';

/**
 * What orders' checkout projections make of other services' events, as pure
 * decisions: the consumer reads the stored row, asks here, writes the answer
 * (null: ignore, the row reflects a newer event). Every decision goes through
 * the kernel's `supersedes`, so each row ends as the events in time order
 * leave it, whatever order they arrive in.
 */

type Stored<S = unknown> = ({ eventAt: Date | string } & S) | null;

/** Tie-break of two cart states of one instant: a closed cart is never reopened by its predecessor. */
const CART_RANK: Record<string, number> = { OPEN: 0, CHECKED_OUT: 1, EXPIRED: 1 };
/** Tie-break of two connection states of one instant, in the order a connection's life moves. */
const CONNECTION_RANK: Record<string, number> = {
  PENDING: 0,
  ACTIVE: 1,
  DECLINED: 2,
  REVOKED: 3,
};

const minor = (v: string | undefined | null): number | null =>
  typeof v === 'string' && /^\d{1,15}$/.test(v) ? Number(v) : null;

export function cartUpdate(
  stored: Stored<{ status: string }>,
  p: CartChangedPayload,
  occurredAt: string,
): CartRecord | null {
  const rank = stored
    ? { stored: CART_RANK[stored.status] ?? 0, incoming: CART_RANK[p.status] ?? 0 }
    : undefined;
  if (!supersedes(stored, occurredAt, rank)) return null;
  return {
    cartId: p.cartId,
    retailerId: p.retailerId,
    storefrontId: p.storefrontId,
    currencyCode: p.currencyCode,
    customerId: p.customerId,
    status: p.status,
    lines: (Array.isArray(p.lines) ? p.lines : []).map((l) => ({
      lineId: l.lineId,
      listingId: l.listingId,
      variantId: l.variantId,
      brandId: l.brandId,
      quantity: l.quantity,
      unitPriceMinor: minor(l.unitPriceMinor) ?? 0,
      title: l.title,
    })),
    eventAt: new Date(occurredAt),
  };
}

/**
 * A listing's current price. A removed listing at the same instant as a change
 * wins the tie (it is never un-removed by its predecessor).
 */
export function listingPriceUpdate(
  stored: Stored<{ sellable: boolean }>,
  p: ListingChangedPayload,
  occurredAt: string,
): ListingPriceRecord | null {
  const sellable = p.visible && !p.removed;
  const rank = stored ? { stored: stored.sellable ? 0 : 1, incoming: sellable ? 0 : 1 } : undefined;
  if (!supersedes(stored, occurredAt, rank)) return null;
  return {
    listingId: p.listingId,
    retailerId: p.retailerId,
    variantId: p.variantId,
    brandId: p.brandId,
    priceMinor: minor(p.priceMinor),
    currencyCode: p.currencyCode ?? null,
    title: p.title ?? null,
    sellable,
    eventAt: new Date(occurredAt),
  };
}

/** An offer's whole state (an inactive offer stays, marked inactive). */
export function offerUpdate(stored: Stored, p: OfferChangedPayload, occurredAt: string): OfferRecord | null {
  if (!supersedes(stored, occurredAt)) return null;
  return {
    offerId: p.offerId,
    supplierId: p.supplierId,
    brandId: p.brandId,
    variantId: p.variantId,
    wholesaleMinor: minor(p.wholesaleMinor) ?? 0,
    currencyCode: p.currencyCode,
    minimumOrderQuantity: p.minimumOrderQuantity,
    // an unparseable price never routes a line
    active: p.active && minor(p.wholesaleMinor) !== null,
    eventAt: new Date(occurredAt),
  };
}

/** The supplier's total available stock of a variant across its warehouses (each event carries the total). */
export function stockUpdate(stored: Stored, p: StockChangedPayload, occurredAt: string): StockRecord | null {
  if (!supersedes(stored, occurredAt)) return null;
  return {
    supplierId: p.supplierId,
    variantId: p.variantId,
    totalAvailable: Math.max(0, Math.trunc(p.totalAvailable)),
    eventAt: new Date(occurredAt),
  };
}

/**
 * A BRAND↔SUPPLIER connection: active when ACTIVE with FULFILL_ORDERS (the
 * rule retailer applies to availability). Null for other pairs and for
 * events older than the row.
 */
export function connectionUpdate(
  stored: Stored<{ status: string }>,
  p: ConnectionEventPayload,
  occurredAt: string,
): ConnectionRecord | null {
  let pair: { supplierId: string; brandId: string } | null = null;
  if (p.requesterKind === 'SUPPLIER' && p.partnerKind === 'BRAND')
    pair = { supplierId: p.requesterId, brandId: p.partnerId };
  else if (p.requesterKind === 'BRAND' && p.partnerKind === 'SUPPLIER')
    pair = { supplierId: p.partnerId, brandId: p.requesterId };
  if (!pair) return null;
  const rank = stored
    ? { stored: CONNECTION_RANK[stored.status] ?? 0, incoming: CONNECTION_RANK[p.status] ?? 0 }
    : undefined;
  if (!supersedes(stored, occurredAt, rank)) return null;
  const scopes = Array.isArray(p.scopes) ? p.scopes.map(String) : [];
  return {
    connectionId: p.connectionId,
    ...pair,
    status: p.status,
    active: p.status === 'ACTIVE' && scopes.includes('FULFILL_ORDERS'),
    eventAt: new Date(occurredAt),
  };
}

/**
 * The transaction fee of an organisation's plan, for checkout's
 * PRICE_BELOW_COST (payments splits with the same fee from the same event).
 * A fee that is not whole basis points in 0…10 000 is ignored.
 */
export function platformFeeUpdate(
  stored: Stored,
  p: SubscriptionChangedPayload,
  occurredAt: string,
): PlatformFeeRecord | null {
  const bps = p.transactionFeeBps;
  if (!Number.isInteger(bps) || bps < 0 || bps > 10_000) return null;
  if (!supersedes(stored, occurredAt)) return null;
  return { organizationId: p.organizationId, feeBps: bps, eventAt: new Date(occurredAt) };
}
