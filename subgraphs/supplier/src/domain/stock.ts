import {
  DeadlockException,
  LockWaitTimeoutException,
  UniqueConstraintViolationException,
} from '@mikro-orm/core';
import { failWith, newId } from '@tradegraph/shared';
import { publish } from '@tradegraph/shared/events';
import {
  eventContext,
  inTenantTransaction,
  serviceTable,
  type TenantContext,
  tenantTable,
} from '../context.ts';
import { type ActorKind, InventoryLevel, type MovementType, StockMovement } from '../entities/index.ts';

/**
 * The one way stock levels change. Every change is an optimistic update
 * (`… where id = ? and version = ?`, plus the rule it must keep, e.g. enough
 * available), an append to the movement log, an increment of the supplier's
 * `stock_summary` row for the variant in the service database and a
 * `supplier.stock.changed` event, all in the caller's transaction. A lost race
 * throws StockConflict; `withStockRetry` runs the whole unit again in a new
 * transaction (a fresh snapshot), a bounded number of times.
 */

/** Largest quantity a level may hold. */
export const MAX_STOCK = 1_000_000_000;

/** The level changed (or a unique row appeared) between our read and our write. */
export class StockConflict extends Error {
  constructor(message = 'stock changed concurrently') {
    super(message);
    this.name = 'StockConflict';
  }
}

export interface Actor {
  kind: ActorKind;
  id: string | null;
}

/** Errors after which the same unit of work may succeed when run again. */
function isRetryable(err: unknown): boolean {
  if (err instanceof StockConflict) return true;
  if (
    err instanceof DeadlockException ||
    err instanceof LockWaitTimeoutException ||
    err instanceof UniqueConstraintViolationException
  )
    return true;
  const errno = (err as { errno?: number } | null)?.errno;
  // 1020: "Record has changed since last read" (MariaDB with innodb_snapshot_isolation)
  return errno === 1020 || errno === 1213 || errno === 1205;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Runs `fn` in a tenant transaction, again in a new one while it loses races,
 * at most STOCK_UPDATE_MAX_ATTEMPTS times; then a STOCK_CONTENTION user error.
 * `fn` must be safe to re-run (it re-reads everything it decides on).
 */
export async function withStockRetry<T>(
  ctx: TenantContext,
  fn: (tx: TenantContext) => Promise<T>,
): Promise<T> {
  const max = ctx.services.config.STOCK_UPDATE_MAX_ATTEMPTS;
  for (let attempt = 1; ; attempt++) {
    try {
      return await inTenantTransaction(ctx, fn);
    } catch (err) {
      if (!isRetryable(err)) throw err;
      if (attempt >= max) {
        ctx.logger.warn({ attempts: attempt, err }, 'stock update gave up after repeated conflicts');
        return failWith('STOCK_CONTENTION', 'Stock is changing too quickly; please try again');
      }
      // jittered, growing pause so contenders spread out
      await sleep(Math.random() * Math.min(50, 2 * attempt));
    }
  }
}

interface LevelRow {
  id: string;
  warehouse_id: string;
  variant_id: string;
  brand_id: string;
  on_hand: number;
  reserved: number;
  version: number;
  created_at: string;
  updated_at: string;
}

export function toLevel(ctx: TenantContext, row: LevelRow): InventoryLevel {
  return ctx.em.map(InventoryLevel, row as never);
}

/** The level of a variant in a warehouse as of this transaction's snapshot, or null. */
export async function readLevel(ctx: TenantContext, warehouseId: string, variantId: string) {
  const rows = await ctx.em.execute<LevelRow[]>(
    `select * from ${tenantTable(ctx, 'inventory_levels')} where warehouse_id = ? and variant_id = ?`,
    [warehouseId, variantId],
  );
  return rows[0] ? toLevel(ctx, rows[0]) : null;
}

export async function readLevelById(ctx: TenantContext, id: string) {
  const rows = await ctx.em.execute<LevelRow[]>(
    `select * from ${tenantTable(ctx, 'inventory_levels')} where id = ?`,
    [id],
  );
  return rows[0] ? toLevel(ctx, rows[0]) : null;
}

/** Levels of a variant with at least `quantity` available in active warehouses, most available first. */
export async function reservableLevels(
  ctx: TenantContext,
  variantId: string,
  quantity: number,
  warehouseId: string | null,
) {
  const rows = await ctx.em.execute<LevelRow[]>(
    `select l.* from ${tenantTable(ctx, 'inventory_levels')} l
       join ${tenantTable(ctx, 'warehouses')} w on w.id = l.warehouse_id and w.active = 1
      where l.variant_id = ? and l.on_hand - l.reserved >= ? ${warehouseId ? 'and l.warehouse_id = ?' : ''}
      order by l.on_hand - l.reserved desc, l.id
      limit 5`,
    warehouseId ? [variantId, quantity, warehouseId] : [variantId, quantity],
  );
  return rows.map((r) => toLevel(ctx, r));
}

/** Creates an empty level (on hand 0, version 0); a concurrent creation surfaces as a retryable unique violation. */
export async function createLevel(
  ctx: TenantContext,
  warehouseId: string,
  variantId: string,
  brandId: string,
): Promise<InventoryLevel> {
  const now = new Date();
  const id = newId('lvl', ctx.tenant.tenantKey);
  await ctx.em.execute(
    `insert into ${tenantTable(ctx, 'inventory_levels')}
      (id, warehouse_id, variant_id, brand_id, on_hand, reserved, version, created_at, updated_at)
      values (?, ?, ?, ?, 0, 0, 0, ?, ?)`,
    [id, warehouseId, variantId, brandId, now, now],
  );
  return ctx.em.map(InventoryLevel, {
    id,
    warehouse_id: warehouseId,
    variant_id: variantId,
    brand_id: brandId,
    on_hand: 0,
    reserved: 0,
    version: 0,
    created_at: now,
    updated_at: now,
  } as never);
}

export interface LevelChange {
  onHandDelta: number;
  reservedDelta: number;
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

export interface LevelState {
  level: InventoryLevel;
  totalAvailable: number;
}

/**
 * Applies `change` to `level` (as read in this transaction) if nobody changed it
 * since: returns the new state, or null when the version moved or the rules no
 * longer hold (the caller retries or tries another level). Never lets on hand
 * drop below reserved or reserved below zero.
 */
export async function tryChangeLevel(
  ctx: TenantContext,
  level: InventoryLevel,
  change: LevelChange,
): Promise<LevelState | null> {
  const now = new Date();
  const { onHandDelta: dh, reservedDelta: dr } = change;
  const res = await ctx.em.execute<{ affectedRows: number }>(
    `update ${tenantTable(ctx, 'inventory_levels')}
        set on_hand = on_hand + ?, reserved = reserved + ?, version = version + 1, updated_at = ?
      where id = ? and version = ?
        and reserved + ? >= 0 and on_hand + ? >= reserved + ? and on_hand + ? <= ?`,
    [dh, dr, now, level.id, level.version, dr, dh, dr, dh, MAX_STOCK],
    'run',
  );
  if (res.affectedRows !== 1) return null;

  // The version matched, so the row was exactly what we read: the new values follow.
  const after = ctx.em.map(InventoryLevel, {
    id: level.id,
    warehouse_id: level.warehouseId,
    variant_id: level.variantId,
    brand_id: level.brandId,
    on_hand: level.onHand + dh,
    reserved: level.reserved + dr,
    version: level.version + 1,
    created_at: level.createdAt,
    updated_at: now,
  } as never);
  const supplierId = ctx.tenant.organizationId;
  const availableDelta = dh - dr;

  ctx.em.create(StockMovement, {
    id: newId('mov', ctx.tenant.tenantKey),
    warehouseId: level.warehouseId,
    variantId: level.variantId,
    type: change.movement.type,
    quantity: change.movement.quantity,
    onHandAfter: after.onHand,
    reservedAfter: after.reserved,
    availableAfter: after.onHand - after.reserved,
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
  await ctx.em.execute(
    `insert into ${serviceTable(ctx, 'stock_summary')} (supplier_id, variant_id, brand_id, total_available, updated_at)
       values (?, ?, ?, ?, ?)
       on duplicate key update total_available = total_available + values(total_available), updated_at = values(updated_at)`,
    [supplierId, level.variantId, level.brandId, availableDelta, now],
    'run',
  );
  const [summary] = await ctx.em.execute<{ total_available: number }[]>(
    `select total_available from ${serviceTable(ctx, 'stock_summary')} where supplier_id = ? and variant_id = ?`,
    [supplierId, level.variantId],
  );
  const totalAvailable = Number(summary?.total_available ?? 0);

  publish(ctx.em, eventContext(ctx), 'supplier.stock.changed', {
    aggregateId: `${supplierId}:${level.variantId}`,
    orgId: supplierId,
    payload: {
      supplierId,
      brandId: level.brandId,
      variantId: level.variantId,
      warehouseId: level.warehouseId,
      onHand: after.onHand,
      reserved: after.reserved,
      available: after.onHand - after.reserved,
      totalAvailable,
      movement: change.movement.type,
    },
  });
  return { level: after, totalAvailable };
}

/** Like tryChangeLevel, but a lost race throws StockConflict (retried by withStockRetry). */
export async function changeLevel(ctx: TenantContext, level: InventoryLevel, change: LevelChange) {
  const state = await tryChangeLevel(ctx, level, change);
  if (!state) throw new StockConflict();
  return state;
}
