import { defineEntity, p } from '@mikro-orm/core';

/**
 * Tables of one supplier's tenant database (`schema: '*'`: used through a fork
 * of the service ORM onto `${DB_PREFIX}supplier_<tenantKey>`).
 */

export const Warehouse = defineEntity({
  name: 'Warehouse',
  tableName: 'warehouses',
  schema: '*',
  properties: {
    id: p.string().primary(),
    name: p.string(),
    code: p.string().nullable(),
    addressName: p.string(),
    line1: p.string(),
    line2: p.string().nullable(),
    city: p.string(),
    region: p.string().nullable(),
    postalCode: p.string(),
    country: p.string(),
    active: p.boolean(),
    createdAt: p.datetime(),
    updatedAt: p.datetime(),
  },
});
export type Warehouse = InstanceType<typeof Warehouse.class>;

export const Offer = defineEntity({
  name: 'Offer',
  tableName: 'offers',
  schema: '*',
  properties: {
    id: p.string().primary(),
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
export type Offer = InstanceType<typeof Offer.class>;

export const InventoryLevel = defineEntity({
  name: 'InventoryLevel',
  tableName: 'inventory_levels',
  schema: '*',
  properties: {
    id: p.string().primary(),
    warehouseId: p.string(),
    variantId: p.string(),
    brandId: p.string(),
    onHand: p.integer(),
    reserved: p.integer(),
    /** Optimistic lock: every change is `… where id = ? and version = ?` and bumps it. */
    version: p.integer(),
    createdAt: p.datetime(),
    updatedAt: p.datetime(),
  },
});
export type InventoryLevel = InstanceType<typeof InventoryLevel.class>;

export const MOVEMENT_TYPES = ['RECEIVED', 'ADJUSTED', 'RESERVED', 'RELEASED', 'SHIPPED'] as const;
export type MovementType = (typeof MOVEMENT_TYPES)[number];
export type ActorKind = 'USER' | 'API_KEY' | 'SYSTEM';

/** Append-only log of every level change: what, how much, the resulting level, who and why. */
export const StockMovement = defineEntity({
  name: 'StockMovement',
  tableName: 'stock_movements',
  schema: '*',
  properties: {
    seq: p.bigint('number').primary().autoincrement(),
    id: p.string().unique(),
    warehouseId: p.string(),
    variantId: p.string(),
    type: p.string().$type<MovementType>(),
    /** Signed change of the quantity the type is about (on hand for RECEIVED/ADJUSTED/SHIPPED, reserved for RESERVED/RELEASED). */
    quantity: p.integer(),
    onHandAfter: p.integer(),
    reservedAfter: p.integer(),
    availableAfter: p.integer(),
    reservationId: p.string().nullable(),
    receiptId: p.string().nullable(),
    reason: p.string().nullable(),
    reference: p.string().nullable(),
    actorKind: p.string().$type<ActorKind>(),
    actorId: p.string().nullable(),
    createdAt: p.datetime(),
  },
});
export type StockMovement = InstanceType<typeof StockMovement.class>;

export type ReservationStatus = 'ACTIVE' | 'RELEASED' | 'COMMITTED' | 'EXPIRED';

export const Reservation = defineEntity({
  name: 'Reservation',
  tableName: 'reservations',
  schema: '*',
  properties: {
    id: p.string().primary(),
    warehouseId: p.string(),
    variantId: p.string(),
    levelId: p.string(),
    quantity: p.integer(),
    status: p.string().$type<ReservationStatus>(),
    reference: p.string(),
    expiresAt: p.datetime(),
    closedAt: p.datetime().nullable(),
    createdAt: p.datetime(),
    updatedAt: p.datetime(),
  },
});
export type Reservation = InstanceType<typeof Reservation.class>;

export const StockReceipt = defineEntity({
  name: 'StockReceipt',
  tableName: 'stock_receipts',
  schema: '*',
  properties: {
    id: p.string().primary(),
    warehouseId: p.string(),
    reference: p.string(),
    lineCount: p.integer(),
    totalQuantity: p.integer(),
    actorKind: p.string().$type<ActorKind>(),
    actorId: p.string().nullable(),
    createdAt: p.datetime(),
  },
});
export type StockReceipt = InstanceType<typeof StockReceipt.class>;
