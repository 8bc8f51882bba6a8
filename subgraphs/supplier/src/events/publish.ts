import type {
  FulfillmentRejectedPayload,
  FulfillmentReleasedPayload,
  FulfillmentReservedPayload,
  OfferChangedPayload,
  ReservationChangedPayload,
  ShipmentChangedPayload,
  StockChangedPayload,
} from '@tradegraph/contracts';
import type { MovementType } from '../entities/index.ts';
import type { OfferView } from '../store/offers.ts';
import type { LevelState, ReservationRecord } from '../store/stock.ts';

/**
 * Payloads of what supplier publishes (`tx.publish(type, …)` in the domain
 * writes them to the outbox of the same transaction). Contracts:
 * packages/contracts/src/supplier.ts.
 */

/** `supplier.stock.changed`; aggregate `<supplier>:<variant>`, so one supplier's totals of a variant arrive in order. */
export function stockChanged(supplierId: string, state: LevelState, movement: MovementType) {
  const { level } = state;
  const payload: StockChangedPayload = {
    supplierId,
    brandId: level.brandId,
    variantId: level.variantId,
    warehouseId: level.warehouseId,
    onHand: level.onHand,
    reserved: level.reserved,
    available: level.onHand - level.reserved,
    totalAvailable: state.totalAvailable,
    movement,
  };
  return { aggregateId: `${supplierId}:${level.variantId}`, orgId: supplierId, payload };
}

/** `supplier.reservation.changed` (whole state); aggregate: the reservation. */
export function reservationChanged(supplierId: string, r: ReservationRecord) {
  const payload: ReservationChangedPayload = {
    reservationId: r.id,
    supplierId,
    variantId: r.variantId,
    warehouseId: r.warehouseId,
    quantity: r.quantity,
    status: r.status,
    reference: r.reference,
    expiresAt: r.expiresAt.toISOString(),
  };
  return { aggregateId: r.id, orgId: supplierId, payload };
}

/** `supplier.offer.changed` (whole state; a removed offer is announced inactive); aggregate: the offer. */
export function offerChanged(o: OfferView, removed = false) {
  const payload: OfferChangedPayload = {
    offerId: o.id,
    supplierId: o.supplierId,
    brandId: o.brandId,
    variantId: o.variantId,
    wholesaleMinor: o.wholesaleMinor,
    currencyCode: o.currencyCode,
    minimumOrderQuantity: o.minimumOrderQuantity,
    leadTimeDays: o.leadTimeDays,
    active: removed ? false : o.active,
  };
  return { aggregateId: o.id, orgId: o.supplierId, payload };
}

/** `supplier.fulfillment.reserved`, the reply to a reservation command; aggregate: the group. */
export function fulfillmentReserved(payload: FulfillmentReservedPayload) {
  return { aggregateId: payload.groupId, orgId: payload.supplierId, payload };
}

/** `supplier.fulfillment.rejected` (nothing is held); aggregate: the group. */
export function fulfillmentRejected(payload: FulfillmentRejectedPayload) {
  return { aggregateId: payload.groupId, orgId: payload.supplierId, payload };
}

/** `supplier.fulfillment.released`, the reply to a release command; aggregate: the group. */
export function fulfillmentReleased(ids: FulfillmentReleasedPayload) {
  const payload: FulfillmentReleasedPayload = {
    orderId: ids.orderId,
    groupId: ids.groupId,
    supplierId: ids.supplierId,
  };
  return { aggregateId: payload.groupId, orgId: payload.supplierId, payload };
}

/** `supplier.shipment.changed` (whole state); aggregate: the group, so its shipments arrive in order. */
export function shipmentChanged(payload: ShipmentChangedPayload) {
  return { aggregateId: payload.groupId, orgId: payload.supplierId, payload };
}
