import {
  dbDate,
  isDuplicateKey,
  newId,
  type Page,
  placeholders,
  qualified,
  RetryableConflict,
  rows,
} from '@tradegraph/shared';
import {
  type ActorKind,
  InventoryLevel,
  type MovementType,
  Reservation,
  type ReservationStatus,
  StockMovement,
  StockReceipt,
} from '../entities/index.ts';
import { type SupplierContext, tenantOf } from '../services.ts';

/**
 * SQL of the stock aggregate of one supplier: levels, the movement log, the
 * per-variant `stock_summary` in the service database, reservations (and their
 * expiry index) and receipts. Raw statements name their database (the tenant
 * transaction also writes service-database tables, which commit with it: both
 * live on one server). Rows become typed values here.
 */

const tenantTable = (ctx: SupplierContext, table: string) => qualified(tenantOf(ctx).dbName, table);
const serviceTable = (ctx: SupplierContext, table: string) => qualified(ctx.kernel.serviceDb, table);

/** Largest quantity a level may hold. */
export const MAX_STOCK = 1_000_000_000;

/** Stock of one variant in one warehouse. */
export interface Level {
  id: string;
  warehouseId: string;
  variantId: string;
  brandId: string;
  onHand: number;
  reserved: number;
  /** Optimistic lock: every change is `… where id = ? and version = ?` and bumps it. */
  version: number;
  createdAt: Date;
  updatedAt: Date;
}

/** Who changed stock, for the movement log. */
export interface Actor {
  kind: ActorKind;
  id: string | null;
}

/** One entry of the movement log. */
export type Movement = StockMovement;

export interface ReservationRecord {
  id: string;
  warehouseId: string;
  variantId: string;
  levelId: string;
  quantity: number;
  status: ReservationStatus;
  reference: string;
  expiresAt: Date;
  /** Null (or absent) while ACTIVE. */
  closedAt?: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

export interface ReceiptLine {
  variantId: string;
  quantity: number;
  /** The level after the receipt. */
  level: Level;
}

export interface Receipt {
  id: string;
  warehouseId: string;
  reference: string;
  totalQuantity: number;
  createdAt: Date;
  lines: ReceiptLine[];
}

// ---- levels ----

interface LevelRow {
  id: string;
  warehouse_id: string;
  variant_id: string;
  brand_id: string;
  on_hand: number | string;
  reserved: number | string;
  version: number | string;
  created_at: Date | string;
  updated_at: Date | string;
}

function toLevel(r: LevelRow): Level {
  return {
    id: r.id,
    warehouseId: r.warehouse_id,
    variantId: r.variant_id,
    brandId: r.brand_id,
    onHand: Number(r.on_hand),
    reserved: Number(r.reserved),
    version: Number(r.version),
    createdAt: dbDate(r.created_at),
    updatedAt: dbDate(r.updated_at),
  };
}

/** The level of a variant in a warehouse as of this transaction's snapshot, or null. */
export async function readLevel(ctx: SupplierContext, warehouseId: string, variantId: string) {
  const [row] = await rows<LevelRow>(
    ctx.em,
    `select * from ${tenantTable(ctx, 'inventory_levels')} where warehouse_id = ? and variant_id = ?`,
    [warehouseId, variantId],
  );
  return row ? toLevel(row) : null;
}

export async function readLevelById(ctx: SupplierContext, id: string) {
  const [row] = await rows<LevelRow>(
    ctx.em,
    `select * from ${tenantTable(ctx, 'inventory_levels')} where id = ?`,
    [id],
  );
  return row ? toLevel(row) : null;
}

/** Levels of a variant with at least `quantity` available in active warehouses, most available first. */
export async function reservableLevels(
  ctx: SupplierContext,
  variantId: string,
  quantity: number,
  warehouseId: string | null,
): Promise<Level[]> {
  const found = await rows<LevelRow>(
    ctx.em,
    `select l.* from ${tenantTable(ctx, 'inventory_levels')} l
       join ${tenantTable(ctx, 'warehouses')} w on w.id = l.warehouse_id and w.active = 1
      where l.variant_id = ? and l.on_hand - l.reserved >= ? ${warehouseId ? 'and l.warehouse_id = ?' : ''}
      order by l.on_hand - l.reserved desc, l.id
      limit 5`,
    warehouseId ? [variantId, quantity, warehouseId] : [variantId, quantity],
  );
  return found.map(toLevel);
}

/** Levels of the variants with stock available in active warehouses, most available first per variant. */
export async function availableLevels(ctx: SupplierContext, variantIds: string[]): Promise<Level[]> {
  if (!variantIds.length) return [];
  const found = await rows<LevelRow>(
    ctx.em,
    `select l.* from ${tenantTable(ctx, 'inventory_levels')} l
       join ${tenantTable(ctx, 'warehouses')} w on w.id = l.warehouse_id and w.active = 1
      where l.variant_id in (${placeholders(variantIds.length)}) and l.on_hand - l.reserved > 0
      order by l.variant_id, l.on_hand - l.reserved desc, l.id`,
    variantIds,
  );
  return found.map(toLevel);
}

/** Creates an empty level; a concurrent creation of the same one makes the unit run again. */
export async function createLevel(
  ctx: SupplierContext,
  warehouseId: string,
  variantId: string,
  brandId: string,
): Promise<Level> {
  const now = new Date();
  const id = newId('lvl', tenantOf(ctx).tenantKey);
  try {
    await ctx.em.execute(
      `insert into ${tenantTable(ctx, 'inventory_levels')}
        (id, warehouse_id, variant_id, brand_id, on_hand, reserved, version, created_at, updated_at)
        values (?, ?, ?, ?, 0, 0, 0, ?, ?)`,
      [id, warehouseId, variantId, brandId, now, now],
      'run',
    );
  } catch (err) {
    // two first receipts of one variant: the loser re-reads and finds the winner's level
    if (isDuplicateKey(err, 'inventory_levels_wh_variant_uq')) throw new RetryableConflict(String(err));
    throw err;
  }
  return {
    id,
    warehouseId,
    variantId,
    brandId,
    onHand: 0,
    reserved: 0,
    version: 0,
    createdAt: now,
    updatedAt: now,
  };
}

export interface LevelChange {
  /** The level as read in this transaction. */
  level: Level;
  /** On hand and reserved after the change (the domain checked its rules on them). */
  after: { onHand: number; reserved: number };
  movement: {
    type: MovementType;
    /** Signed change of the quantity the type is about (see StockMovement). */
    quantity: number;
    reservationId?: string | null;
    receiptId?: string | null;
    reason?: string | null;
    reference?: string | null;
  };
  actor: Actor;
}

/** A level after a change, and the supplier's available stock of the variant over all warehouses. */
export interface LevelState {
  level: Level;
  totalAvailable: number;
}

/**
 * Writes `change` if the level is still the version that was read: the
 * level, a movement-log entry and the supplier's `stock_summary` row. Null
 * when the version moved (someone else changed it since): the caller tries
 * another level or lets the unit run again. The row's CHECK constraints and
 * the guard below keep on hand ≥ reserved ≥ 0 even if a caller got that wrong.
 */
export async function applyLevelChange(
  ctx: SupplierContext,
  change: LevelChange,
): Promise<LevelState | null> {
  const { level, after } = change;
  const now = new Date();
  let updated: { affectedRows: number };
  try {
    updated = await ctx.em.execute<{ affectedRows: number }>(
      `update ${tenantTable(ctx, 'inventory_levels')}
          set on_hand = ?, reserved = ?, version = version + 1, updated_at = ?
        where id = ? and version = ? and ? >= 0 and ? >= ? and ? <= ?`,
      [
        after.onHand,
        after.reserved,
        now,
        level.id,
        level.version,
        after.reserved,
        after.onHand,
        after.reserved,
        after.onHand,
        MAX_STOCK,
      ],
      'run',
    );
  } catch (err) {
    // 1020 "Record has changed since last read": MariaDB with innodb_snapshot_isolation lost the race for us
    if ((err as { errno?: number } | null)?.errno === 1020) throw new RetryableConflict(String(err));
    throw err;
  }
  if (updated.affectedRows !== 1) return null;
  const next: Level = { ...level, ...after, version: level.version + 1, updatedAt: now };
  const tenant = tenantOf(ctx);
  ctx.em.create(StockMovement, {
    id: newId('mov', tenant.tenantKey),
    warehouseId: level.warehouseId,
    variantId: level.variantId,
    type: change.movement.type,
    quantity: change.movement.quantity,
    onHandAfter: next.onHand,
    reservedAfter: next.reserved,
    availableAfter: next.onHand - next.reserved,
    reservationId: change.movement.reservationId ?? null,
    receiptId: change.movement.receiptId ?? null,
    reason: change.movement.reason ?? null,
    reference: change.movement.reference ?? null,
    actorKind: change.actor.kind,
    actorId: change.actor.id,
    createdAt: now,
  });
  // An increment commutes with concurrent changes of other warehouses; the row
  // lock it takes orders this transaction's event after theirs.
  const supplierId = tenant.organizationId;
  const availableDelta = next.onHand - next.reserved - (level.onHand - level.reserved);
  await ctx.em.execute(
    `insert into ${serviceTable(ctx, 'stock_summary')} (supplier_id, variant_id, brand_id, total_available, updated_at)
       values (?, ?, ?, ?, ?)
       on duplicate key update total_available = total_available + values(total_available), updated_at = values(updated_at)`,
    [supplierId, level.variantId, level.brandId, availableDelta, now],
    'run',
  );
  const [summary] = await rows<{ total_available: number | string }>(
    ctx.em,
    `select total_available from ${serviceTable(ctx, 'stock_summary')} where supplier_id = ? and variant_id = ?`,
    [supplierId, level.variantId],
  );
  return { level: next, totalAvailable: Number(summary?.total_available ?? 0) };
}

/** Whether the tenant's warehouse is active; null when it has no such warehouse. */
export async function warehouseActive(ctx: SupplierContext, warehouseId: string): Promise<boolean | null> {
  const [row] = await rows<{ active: number | boolean }>(
    ctx.em,
    `select active from ${tenantTable(ctx, 'warehouses')} where id = ?`,
    [warehouseId],
  );
  return row ? Boolean(row.active) : null;
}

// ---- reservations ----

interface ReservationRow {
  id: string;
  warehouse_id: string;
  variant_id: string;
  level_id: string;
  quantity: number | string;
  status: ReservationStatus;
  reference: string;
  expires_at: Date | string;
  closed_at: Date | string | null;
  created_at: Date | string;
  updated_at: Date | string;
}

function toReservation(r: ReservationRow): ReservationRecord {
  return {
    id: r.id,
    warehouseId: r.warehouse_id,
    variantId: r.variant_id,
    levelId: r.level_id,
    quantity: Number(r.quantity),
    status: r.status,
    reference: r.reference,
    expiresAt: dbDate(r.expires_at),
    closedAt: r.closed_at === null ? null : dbDate(r.closed_at),
    createdAt: dbDate(r.created_at),
    updatedAt: dbDate(r.updated_at),
  };
}

/** Records a new ACTIVE reservation and its entry in the service database's expiry index. */
export async function insertReservation(ctx: SupplierContext, r: ReservationRecord): Promise<void> {
  ctx.em.create(Reservation, { ...r });
  await ctx.em.execute(
    `insert into ${serviceTable(ctx, 'reservation_expiry')} (reservation_id, supplier_id, expires_at) values (?, ?, ?)`,
    [r.id, tenantOf(ctx).organizationId, r.expiresAt],
    'run',
  );
}

export async function findReservation(ctx: SupplierContext, id: string): Promise<ReservationRecord | null> {
  const [row] = await rows<ReservationRow>(
    ctx.em,
    `select * from ${tenantTable(ctx, 'reservations')} where id = ?`,
    [id],
  );
  return row ? toReservation(row) : null;
}

/**
 * ACTIVE → `status`, guarded by the status it was read in: false when a
 * concurrent transition won. Drops the expiry index entry.
 */
export async function closeReservation(
  ctx: SupplierContext,
  id: string,
  status: ReservationStatus,
  now: Date,
): Promise<boolean> {
  const res = await ctx.em.execute<{ affectedRows: number }>(
    `update ${tenantTable(ctx, 'reservations')} set status = ?, closed_at = ?, updated_at = ?
      where id = ? and status = 'ACTIVE'`,
    [status, now, now, id],
    'run',
  );
  if (res.affectedRows !== 1) return false;
  await dropExpiryEntry(ctx, id);
  return true;
}

/**
 * Lowers an ACTIVE reservation's quantity from `from` to `to` (part of it
 * shipped), guarded by the quantity it was read with: false when a concurrent
 * change won.
 */
export async function shrinkReservation(
  ctx: SupplierContext,
  id: string,
  from: number,
  to: number,
  now: Date,
): Promise<boolean> {
  const res = await ctx.em.execute<{ affectedRows: number }>(
    `update ${tenantTable(ctx, 'reservations')} set quantity = ?, updated_at = ?
      where id = ? and status = 'ACTIVE' and quantity = ?`,
    [to, now, id, from],
    'run',
  );
  return res.affectedRows === 1;
}

/** Moves an ACTIVE reservation's expiry (and its index entry); false when it is no longer ACTIVE. */
export async function moveExpiry(
  ctx: SupplierContext,
  id: string,
  expiresAt: Date,
  now: Date,
): Promise<boolean> {
  const res = await ctx.em.execute<{ affectedRows: number }>(
    `update ${tenantTable(ctx, 'reservations')} set expires_at = ?, updated_at = ? where id = ? and status = 'ACTIVE'`,
    [expiresAt, now, id],
    'run',
  );
  if (res.affectedRows !== 1) return false;
  await ctx.em.execute(
    `update ${serviceTable(ctx, 'reservation_expiry')} set expires_at = ? where reservation_id = ?`,
    [expiresAt, id],
    'run',
  );
  return true;
}

/** Reservations whose expiry has passed, over every supplier (service database index), oldest first. */
export async function dueReservations(ctx: SupplierContext, now: Date, limit: number) {
  const due = await rows<{ reservation_id: string; supplier_id: string }>(
    ctx.em,
    `select reservation_id, supplier_id from ${serviceTable(ctx, 'reservation_expiry')}
      where expires_at <= ? order by expires_at limit ?`,
    [now, limit],
  );
  return due.map((r) => ({ reservationId: r.reservation_id, supplierId: r.supplier_id }));
}

export async function dropExpiryEntry(ctx: SupplierContext, reservationId: string): Promise<void> {
  await ctx.em.execute(
    `delete from ${serviceTable(ctx, 'reservation_expiry')} where reservation_id = ?`,
    [reservationId],
    'run',
  );
}

export interface ReservationFilter {
  status?: ReservationStatus | null;
  variantId?: string | null;
  warehouseId?: string | null;
  reference?: string | null;
}

/** A page of the tenant's reservations, newest first (keyset on id). */
export async function listReservations(ctx: SupplierContext, filter: ReservationFilter, page: Page<string>) {
  const where: Record<string, unknown> = {};
  if (filter.status) where.status = filter.status;
  if (filter.variantId) where.variantId = filter.variantId;
  if (filter.warehouseId) where.warehouseId = filter.warehouseId;
  if (filter.reference) where.reference = filter.reference;
  const found = await ctx.em.find(Reservation, page.after ? { ...where, id: { $lt: page.after } } : where, {
    orderBy: { id: 'desc' },
    limit: page.limit,
  });
  return { rows: found, count: () => ctx.em.count(Reservation, where) };
}

export async function reservationsByIds(ctx: SupplierContext, ids: string[]): Promise<ReservationRecord[]> {
  return ctx.em.find(Reservation, { id: { $in: ids } });
}

// ---- receipts ----

export async function receiptExists(ctx: SupplierContext, warehouseId: string, reference: string) {
  return (await ctx.em.count(StockReceipt, { warehouseId, reference })) > 0;
}

export function insertReceipt(
  ctx: SupplierContext,
  receipt: Omit<Receipt, 'lines'> & { lineCount: number; actor: Actor },
): void {
  const { actor, ...fields } = receipt;
  ctx.em.create(StockReceipt, { ...fields, actorKind: actor.kind, actorId: actor.id });
}

// ---- reads of levels and the log ----

export interface LevelFilter {
  warehouseId?: string | null;
  variantId?: string | null;
  inStock?: boolean | null;
}

/** A page of the tenant's levels, oldest first (keyset on id). */
export async function listLevels(ctx: SupplierContext, filter: LevelFilter, page: Page<string>) {
  const where: Record<string, unknown> = {};
  if (filter.warehouseId) where.warehouseId = filter.warehouseId;
  if (filter.variantId) where.variantId = filter.variantId;
  if (filter.inStock === true) where.onHand = { $gt: 0 };
  if (filter.inStock === false) where.onHand = 0;
  const found = await ctx.em.find(
    InventoryLevel,
    page.after ? { ...where, id: { $gt: page.after } } : where,
    {
      orderBy: { id: 'asc' },
      limit: page.limit,
    },
  );
  return { rows: found, count: () => ctx.em.count(InventoryLevel, where) };
}

export async function findLevel(
  ctx: SupplierContext,
  warehouseId: string,
  variantId: string,
): Promise<Level | null> {
  return ctx.em.findOne(InventoryLevel, { warehouseId, variantId });
}

export interface MovementFilter {
  warehouseId?: string | null;
  variantId?: string | null;
  types?: readonly MovementType[] | null;
  reservationId?: string | null;
  reference?: string | null;
  since?: Date | null;
  until?: Date | null;
}

/** A page of the movement log, newest first (keyset on the log's sequence). */
export async function listMovements(ctx: SupplierContext, filter: MovementFilter, page: Page<number>) {
  const where: Record<string, unknown> = {};
  if (filter.warehouseId) where.warehouseId = filter.warehouseId;
  if (filter.variantId) where.variantId = filter.variantId;
  if (filter.types?.length) where.type = { $in: filter.types };
  if (filter.reservationId) where.reservationId = filter.reservationId;
  if (filter.reference) where.reference = filter.reference;
  if (filter.since || filter.until) {
    where.createdAt = {
      ...(filter.since ? { $gte: filter.since } : {}),
      ...(filter.until ? { $lt: filter.until } : {}),
    };
  }
  const found = await ctx.em.find(
    StockMovement,
    page.after !== null ? { ...where, seq: { $lt: page.after } } : where,
    { orderBy: { seq: 'desc' }, limit: page.limit },
  );
  return { rows: found, count: () => ctx.em.count(StockMovement, where) };
}
