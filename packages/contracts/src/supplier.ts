/**
 * Events produced by the supplier subgraph: offers (wholesale terms), stock
 * levels and reservations. Retailer projects offers and stock into listing
 * availability; orders will follow reservations.
 */
import { type EventVersions, registerEventTypes } from '@tradegraph/shared/events';

/**
 * A supplier's offer for a brand variant after a change (whole state; an
 * inactive offer is withdrawn). Aggregate: the offer.
 */
export interface OfferChangedPayload {
  offerId: string;
  supplierId: string;
  brandId: string;
  variantId: string;
  /** Wholesale price in minor units (decimal string). */
  wholesaleMinor: string;
  currencyCode: string;
  minimumOrderQuantity: number;
  leadTimeDays: number;
  active: boolean;
}

/**
 * Stock of one variant at one warehouse of a supplier changed. `onHand`,
 * `reserved` and `available` are the warehouse's; `totalAvailable` is across
 * all the supplier's warehouses. Aggregate: `<supplierId>:<variantId>`, so the
 * totals of one supplier's variant arrive in order.
 */
export interface StockChangedPayload {
  supplierId: string;
  brandId: string;
  variantId: string;
  warehouseId: string;
  onHand: number;
  reserved: number;
  available: number;
  totalAvailable: number;
  /** What moved the stock. */
  movement: 'RECEIVED' | 'ADJUSTED' | 'RESERVED' | 'RELEASED' | 'SHIPPED';
}

/** A stock reservation was made, released, committed or expired (whole state). Aggregate: the reservation. */
export interface ReservationChangedPayload {
  reservationId: string;
  supplierId: string;
  variantId: string;
  warehouseId: string;
  quantity: number;
  status: 'ACTIVE' | 'RELEASED' | 'COMMITTED' | 'EXPIRED';
  /** The caller's reference (e.g. an order line), if given. */
  reference: string | null;
  /** ISO-8601 instant at which an ACTIVE reservation expires. */
  expiresAt: string;
}

/** The supplier slice of the event catalogue: type → current version and payload. */
export interface SupplierEvents {
  'supplier.offer.changed': { version: 1; payload: OfferChangedPayload };
  'supplier.stock.changed': { version: 1; payload: StockChangedPayload };
  'supplier.reservation.changed': { version: 1; payload: ReservationChangedPayload };
}

declare module '@tradegraph/shared/events/catalogue' {
  interface EventCatalogue extends SupplierEvents {}
}

export const SUPPLIER_EVENT_VERSIONS: EventVersions<keyof SupplierEvents> = {
  'supplier.offer.changed': 1,
  'supplier.stock.changed': 1,
  'supplier.reservation.changed': 1,
};
registerEventTypes(SUPPLIER_EVENT_VERSIONS);
