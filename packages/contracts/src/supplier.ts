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

/**
 * The saga's reservation for one fulfilment group is in place: every line is
 * reserved (reply to `orders.reservation.requested`). Aggregate: the group.
 */
export interface FulfillmentReservedPayload {
  orderId: string;
  groupId: string;
  supplierId: string;
  reservations: { orderLineId: string; reservationId: string; warehouseId: string; quantity: number }[];
}

/**
 * The supplier cannot reserve the group (nothing was kept). Aggregate: the group.
 * `lines` names what was short.
 */
export interface FulfillmentRejectedPayload {
  orderId: string;
  groupId: string;
  supplierId: string;
  reason: 'OUT_OF_STOCK' | 'NOT_OFFERED' | 'NOT_CONNECTED' | 'INVALID';
  lines: { orderLineId: string; variantId: string; requested: number; available: number }[];
}

/** Whatever was reserved for the group is released (reply to a release request; idempotent). Aggregate: the group. */
export interface FulfillmentReleasedPayload {
  orderId: string;
  groupId: string;
  supplierId: string;
}

/**
 * A shipment of a fulfilment group changed (whole state): created (label
 * made), SHIPPED (stock left as SHIPPED movements) or DELIVERED. Aggregate:
 * the group, so its shipments arrive in order.
 */
export interface ShipmentChangedPayload {
  shipmentId: string;
  orderId: string;
  groupId: string;
  supplierId: string;
  status: 'CREATED' | 'SHIPPED' | 'DELIVERED';
  carrier: string;
  trackingNumber: string;
  lines: { orderLineId: string; quantity: number }[];
  at: string;
}

/** The supplier slice of the event catalogue: type → current version and payload. */
export interface SupplierEvents {
  'supplier.offer.changed': { version: 1; payload: OfferChangedPayload };
  'supplier.stock.changed': { version: 1; payload: StockChangedPayload };
  'supplier.reservation.changed': { version: 1; payload: ReservationChangedPayload };
  'supplier.fulfillment.reserved': { version: 1; payload: FulfillmentReservedPayload };
  'supplier.fulfillment.rejected': { version: 1; payload: FulfillmentRejectedPayload };
  'supplier.fulfillment.released': { version: 1; payload: FulfillmentReleasedPayload };
  'supplier.shipment.changed': { version: 1; payload: ShipmentChangedPayload };
}

declare module '@tradegraph/shared/events/catalogue' {
  interface EventCatalogue extends SupplierEvents {}
}

export const SUPPLIER_EVENT_VERSIONS: EventVersions<keyof SupplierEvents> = {
  'supplier.offer.changed': 1,
  'supplier.stock.changed': 1,
  'supplier.reservation.changed': 1,
  'supplier.fulfillment.reserved': 1,
  'supplier.fulfillment.rejected': 1,
  'supplier.fulfillment.released': 1,
  'supplier.shipment.changed': 1,
};
registerEventTypes(SUPPLIER_EVENT_VERSIONS);
