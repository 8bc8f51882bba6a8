import { defineEntity, p } from '@mikro-orm/core';

/**
 * Read indexes in the service database, written in the same transaction as the
 * tenant row they mirror (both databases live on one server), so federation
 * fields over many suppliers cost one query per batch.
 */

/** Every supplier's offers, one row per (supplier, variant). */
export const OfferIndex = defineEntity({
  name: 'OfferIndex',
  tableName: 'offer_index',
  properties: {
    offerId: p.string().primary(),
    supplierId: p.string(),
    variantId: p.string(),
    brandId: p.string(),
    wholesaleMinor: p.bigint('string'),
    currencyCode: p.string(),
    minimumOrderQuantity: p.integer(),
    leadTimeDays: p.integer(),
    active: p.boolean(),
    createdAt: p.datetime(),
    updatedAt: p.datetime(),
  },
});
export type OfferIndex = InstanceType<typeof OfferIndex.class>;

/** Available stock of one variant across all warehouses of one supplier. */
export const StockSummary = defineEntity({
  name: 'StockSummary',
  tableName: 'stock_summary',
  properties: {
    supplierId: p.string().primary(),
    variantId: p.string().primary(),
    brandId: p.string(),
    totalAvailable: p.integer(),
    updatedAt: p.datetime(),
  },
});
export type StockSummary = InstanceType<typeof StockSummary.class>;

/** ACTIVE reservations by expiry, so the sweeper finds expired ones without visiting every tenant database. */
export const ReservationExpiry = defineEntity({
  name: 'ReservationExpiry',
  tableName: 'reservation_expiry',
  properties: {
    reservationId: p.string().primary(),
    supplierId: p.string(),
    expiresAt: p.datetime(),
  },
});
export type ReservationExpiry = InstanceType<typeof ReservationExpiry.class>;
