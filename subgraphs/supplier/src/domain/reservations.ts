import {
  isOwnId,
  type Kernel,
  loadOwnRows,
  newId,
  notFound,
  type PageArgs,
  pageArgs,
  parseId,
  RetryableConflict,
  registryOf,
  requireOwnId,
  startPeriodicTask,
  systemContext,
  toConnection,
  write,
} from '@tradegraph/shared';
import type { SupplierConfig } from '../config.ts';
import type { MovementType, ReservationStatus } from '../entities/index.ts';
import { reservationChanged, stockChanged } from '../events/publish.ts';
import { type SupplierContext, type SupplierServices, type SupplierUnit, tenantOf } from '../services.ts';
import {
  type Actor,
  applyLevelChange,
  closeReservation,
  dropExpiryEntry,
  dueReservations,
  findReservation,
  insertReservation,
  type Level,
  listReservations as listReservationRows,
  moveExpiry,
  type ReservationFilter,
  type ReservationRecord,
  readLevelById,
  reservableLevels,
  reservationsByIds,
  shrinkReservation,
  warehouseActive,
} from '../store/stock.ts';
import { fail } from './errors.ts';
import { requireInt, requireText } from './validation.ts';

/**
 * Reservations hold available stock for an order while it is being placed.
 * ACTIVE → RELEASED (let go), COMMITTED (shipped: on hand and reserved both
 * drop) or EXPIRED (the sweeper, after expiresAt). Every step publishes
 * `supplier.reservation.changed`, and the level it moves `supplier.stock.changed`.
 * The functions below run inside the kernel's unit of work (`tx`), so a
 * mutation, the sweeper or (later) the order saga's event handler drive them alike.
 */

export const MAX_RESERVATION_QUANTITY = 1_000_000;

// ---- rules ----

/** What a step does to the level it holds stock on (the movement's quantity is signed like the log's). */
export function stockDelta(step: 'RESERVE' | 'RELEASE' | 'COMMIT', quantity: number) {
  const deltas = {
    RESERVE: { onHand: 0, reserved: quantity, movement: 'RESERVED', movementQuantity: quantity },
    RELEASE: { onHand: 0, reserved: -quantity, movement: 'RELEASED', movementQuantity: -quantity },
    COMMIT: { onHand: -quantity, reserved: -quantity, movement: 'SHIPPED', movementQuantity: -quantity },
  } as const satisfies Record<string, { movement: MovementType } & Record<string, unknown>>;
  return deltas[step];
}

/** On hand and reserved after a step, or null when it would break on hand ≥ reserved ≥ 0. */
export function levelAfter(
  level: Pick<Level, 'onHand' | 'reserved'>,
  delta: { onHand: number; reserved: number },
): { onHand: number; reserved: number } | null {
  const onHand = level.onHand + delta.onHand;
  const reserved = level.reserved + delta.reserved;
  return reserved >= 0 && onHand >= reserved ? { onHand, reserved } : null;
}

export type ReservationStep = 'RELEASE' | 'COMMIT' | 'EXTEND' | 'EXPIRE';

/**
 * The status a step leads to, or why it may not happen now: only an ACTIVE
 * reservation moves; one past its expiry can still be released (or expired)
 * but no longer committed or extended; the sweeper expires only what is due.
 */
export function nextStatus(
  r: Pick<ReservationRecord, 'status' | 'expiresAt'>,
  step: ReservationStep,
  now: Date,
): { status: ReservationStatus } | { refused: 'RESERVATION_NOT_ACTIVE' | 'RESERVATION_EXPIRED' | 'NOT_DUE' } {
  if (r.status !== 'ACTIVE') return { refused: 'RESERVATION_NOT_ACTIVE' };
  const due = r.expiresAt.getTime() <= now.getTime();
  switch (step) {
    case 'RELEASE':
      return { status: 'RELEASED' };
    case 'EXPIRE':
      return due ? { status: 'EXPIRED' } : { refused: 'NOT_DUE' };
    case 'COMMIT':
      return due ? { refused: 'RESERVATION_EXPIRED' } : { status: 'COMMITTED' };
    case 'EXTEND':
      return due ? { refused: 'RESERVATION_EXPIRED' } : { status: 'ACTIVE' };
  }
}

/** The life of a reservation in seconds: the configured default, or 1 … the configured maximum. */
export function ttlSeconds(
  config: Pick<SupplierConfig, 'RESERVATION_DEFAULT_TTL_SECONDS' | 'RESERVATION_MAX_TTL_SECONDS'>,
  requested: number | null | undefined,
): number {
  if (requested === null || requested === undefined) return config.RESERVATION_DEFAULT_TTL_SECONDS;
  return requireInt(requested, 'ttlSeconds', {
    min: 1,
    max: config.RESERVATION_MAX_TTL_SECONDS,
    code: 'INVALID_TTL',
    what: 'ttlSeconds',
  });
}

// ---- steps ----

export interface ReserveInput {
  variantId: string;
  quantity: number;
  warehouseId?: string | null;
  reference: string;
  ttlSeconds?: number | null;
}

/**
 * Reserves `quantity` of a variant on ONE level: in the given warehouse, or
 * in the active warehouse with the most available. Optimistic: a level that
 * changed since it was read is skipped for the next candidate, and when every
 * candidate moved the whole unit runs again on a fresh snapshot. Never
 * oversells: the store's update only applies to the version that was read.
 */
export async function reserve(
  tx: SupplierUnit,
  input: ReserveInput,
  actor: Actor,
): Promise<ReservationRecord> {
  const tenant = tenantOf(tx);
  const quantity = requireInt(input.quantity, 'quantity', {
    min: 1,
    max: MAX_RESERVATION_QUANTITY,
    code: 'INVALID_QUANTITY',
    what: 'quantity',
  });
  const reference = requireText(input.reference, 'reference', { max: 200, code: 'INVALID_REFERENCE' });
  const ttl = ttlSeconds(tx.services.config, input.ttlSeconds);
  if (!parseId(input.variantId, 'var')) fail('VARIANT_NOT_FOUND', 'No such product variant', 'variantId');
  let warehouseId: string | null = null;
  if (input.warehouseId) {
    warehouseId = requireOwnId(tenant, input.warehouseId, 'whs', 'Warehouse');
    const active = await warehouseActive(tx, warehouseId);
    if (active === null) throw notFound('Warehouse');
    if (!active) fail('WAREHOUSE_INACTIVE', 'This warehouse is deactivated', 'warehouseId');
  }

  const candidates = await reservableLevels(tx, input.variantId, quantity, warehouseId);
  if (!candidates.length) {
    fail(
      'OUT_OF_STOCK',
      warehouseId
        ? `Fewer than ${quantity} available in this warehouse`
        : `No warehouse has ${quantity} available`,
      'quantity',
    );
  }
  const id = newId('rsv', tenant.tenantKey);
  const delta = stockDelta('RESERVE', quantity);
  for (const level of candidates) {
    const after = levelAfter(level, delta);
    if (!after) continue;
    const state = await applyLevelChange(tx, {
      level,
      after,
      movement: { type: delta.movement, quantity: delta.movementQuantity, reservationId: id, reference },
      actor,
    });
    if (!state) continue; // changed since we read it: the next candidate
    const now = new Date();
    const r: ReservationRecord = {
      id,
      warehouseId: level.warehouseId,
      variantId: level.variantId,
      levelId: level.id,
      quantity,
      status: 'ACTIVE',
      reference,
      expiresAt: new Date(now.getTime() + ttl * 1000),
      closedAt: null,
      createdAt: now,
      updatedAt: now,
    };
    await insertReservation(tx, r);
    tx.publish('supplier.stock.changed', stockChanged(tenant.organizationId, state, delta.movement));
    tx.publish('supplier.reservation.changed', reservationChanged(tenant.organizationId, r));
    return r;
  }
  throw new RetryableConflict('every candidate level changed since it was read');
}

/** Gives the stock back: ACTIVE → RELEASED. */
export async function release(tx: SupplierUnit, id: string, actor: Actor): Promise<ReservationRecord> {
  return close(tx, await ownReservation(tx, id), 'RELEASE', actor);
}

/** The reserved stock leaves: ACTIVE → COMMITTED; on hand and reserved drop by the quantity (movement SHIPPED). */
export async function commit(tx: SupplierUnit, id: string, actor: Actor): Promise<ReservationRecord> {
  return close(tx, await ownReservation(tx, id), 'COMMIT', actor);
}

/**
 * Ships `quantity` of an ACTIVE reservation: all of it commits it (COMMITTED);
 * less leaves it ACTIVE holding the rest. Either way on hand and reserved drop
 * by `quantity` (movement SHIPPED). Used by shipments, which may go out in parts.
 */
export async function commitPart(
  tx: SupplierUnit,
  id: string,
  quantity: number,
  actor: Actor,
): Promise<ReservationRecord> {
  const r = await ownReservation(tx, id);
  if (quantity === r.quantity) return close(tx, r, 'COMMIT', actor);
  if (!Number.isInteger(quantity) || quantity < 1 || quantity > r.quantity)
    throw new Error(`cannot commit ${quantity} of reservation ${r.id} holding ${r.quantity}`);
  const now = new Date();
  const next = nextStatus(r, 'COMMIT', now);
  if ('refused' in next) return refuse(r, next.refused);
  const level = await readLevelById(tx, r.levelId);
  if (!level) throw new Error(`reservation ${r.id} points at missing level ${r.levelId}`);
  if (!(await shrinkReservation(tx, r.id, r.quantity, r.quantity - quantity, now)))
    throw new RetryableConflict('reservation changed concurrently');
  const delta = stockDelta('COMMIT', quantity);
  const after = levelAfter(level, delta);
  if (!after) throw new Error(`level ${level.id} holds less than reservation ${r.id}`);
  const state = await applyLevelChange(tx, {
    level,
    after,
    movement: {
      type: delta.movement,
      quantity: delta.movementQuantity,
      reservationId: r.id,
      reference: r.reference,
    },
    actor,
  });
  if (!state) throw new RetryableConflict('stock level changed concurrently');
  const held: ReservationRecord = { ...r, quantity: r.quantity - quantity, updatedAt: now };
  const supplierId = tenantOf(tx).organizationId;
  tx.publish('supplier.stock.changed', stockChanged(supplierId, state, delta.movement));
  tx.publish('supplier.reservation.changed', reservationChanged(supplierId, held));
  return held;
}

/** Pushes an ACTIVE reservation's expiry to now + ttlSeconds. */
export async function extend(
  tx: SupplierUnit,
  id: string,
  requestedTtl: number | null | undefined,
): Promise<ReservationRecord> {
  const ttl = ttlSeconds(tx.services.config, requestedTtl);
  const r = await ownReservation(tx, id);
  const now = new Date();
  const next = nextStatus(r, 'EXTEND', now);
  if ('refused' in next) return refuse(r, next.refused);
  const expiresAt = new Date(now.getTime() + ttl * 1000);
  if (!(await moveExpiry(tx, r.id, expiresAt, now)))
    throw new RetryableConflict('reservation changed concurrently');
  const extended = { ...r, expiresAt, updatedAt: now };
  tx.publish('supplier.reservation.changed', reservationChanged(tenantOf(tx).organizationId, extended));
  return extended;
}

/**
 * The sweeper's step: ACTIVE → EXPIRED when due (actor SYSTEM). 'GONE' when
 * it was closed meanwhile (its index entry is dropped), 'NOT_DUE' when it was
 * extended since the sweeper read the index.
 */
export async function expire(tx: SupplierUnit, id: string): Promise<'EXPIRED' | 'GONE' | 'NOT_DUE'> {
  const r = isOwnId(tenantOf(tx), id, 'rsv') ? await findReservation(tx, id) : null;
  const next = r ? nextStatus(r, 'EXPIRE', new Date()) : null;
  if (!r || (next && 'refused' in next && next.refused === 'RESERVATION_NOT_ACTIVE')) {
    await dropExpiryEntry(tx, id);
    return 'GONE';
  }
  if (next && 'refused' in next) return 'NOT_DUE';
  await close(tx, r, 'EXPIRE', { kind: 'SYSTEM', id: null });
  return 'EXPIRED';
}

/** A reservation of the unit's tenant, or NOT_FOUND (malformed, foreign-tenant or unknown ids alike). */
export async function ownReservation(ctx: SupplierContext, id: unknown): Promise<ReservationRecord> {
  const r = isOwnId(tenantOf(ctx), id, 'rsv') ? await findReservation(ctx, id) : null;
  if (!r) throw notFound('Reservation');
  return r;
}

function refuse(
  r: ReservationRecord,
  why: 'RESERVATION_NOT_ACTIVE' | 'RESERVATION_EXPIRED' | 'NOT_DUE',
): never {
  if (why === 'RESERVATION_EXPIRED') return fail(why, 'This reservation has expired', 'id');
  return fail('RESERVATION_NOT_ACTIVE', `This reservation is already ${r.status}`, 'id');
}

/**
 * Closes an ACTIVE reservation and gives its level the stock back (or ships
 * it). The status change is guarded by the status it was read in, so of two
 * racing closes (or a close and the sweeper) one wins; the other's unit runs
 * again and sees the reservation closed.
 */
async function close(
  tx: SupplierUnit,
  r: ReservationRecord,
  step: 'RELEASE' | 'COMMIT' | 'EXPIRE',
  actor: Actor,
): Promise<ReservationRecord> {
  const now = new Date();
  const next = nextStatus(r, step, now);
  if ('refused' in next) return refuse(r, next.refused);
  const level = await readLevelById(tx, r.levelId);
  if (!level) throw new Error(`reservation ${r.id} points at missing level ${r.levelId}`);
  if (!(await closeReservation(tx, r.id, next.status, now)))
    throw new RetryableConflict('reservation changed concurrently');
  const delta = stockDelta(step === 'COMMIT' ? 'COMMIT' : 'RELEASE', r.quantity);
  const after = levelAfter(level, delta);
  if (!after) throw new Error(`level ${level.id} holds less than reservation ${r.id}`);
  const state = await applyLevelChange(tx, {
    level,
    after,
    movement: {
      type: delta.movement,
      quantity: delta.movementQuantity,
      reservationId: r.id,
      reference: r.reference,
      reason: step === 'EXPIRE' ? 'reservation expired' : null,
    },
    actor,
  });
  if (!state) throw new RetryableConflict('stock level changed concurrently');
  const closed: ReservationRecord = { ...r, status: next.status, closedAt: now, updatedAt: now };
  const supplierId = tenantOf(tx).organizationId;
  tx.publish('supplier.stock.changed', stockChanged(supplierId, state, delta.movement));
  tx.publish('supplier.reservation.changed', reservationChanged(supplierId, closed));
  return closed;
}

// ---- reads ----

export async function reservation(ctx: SupplierContext, id: string): Promise<ReservationRecord> {
  return ownReservation(ctx, id);
}

export async function listReservations(
  ctx: SupplierContext,
  filter: ReservationFilter | null | undefined,
  args: PageArgs,
) {
  const page = pageArgs<string>(args);
  const tenant = tenantOf(ctx);
  const where: ReservationFilter = { ...filter };
  if (filter?.warehouseId) {
    where.warehouseId = requireOwnId(tenant, filter.warehouseId, 'whs', 'Warehouse');
    if ((await warehouseActive(ctx, where.warehouseId)) === null) throw notFound('Warehouse');
  }
  const { rows, count } = await listReservationRows(ctx, where, page);
  return toConnection(rows, page, (r) => r.id, count);
}

/** Reservations by id for list children (the movement log); only the caller's own tenant resolves. */
export function reservationLoader(ctx: SupplierContext) {
  return ctx.loaders.get<string, ReservationRecord | null>('reservation', (ids) =>
    loadOwnRows(ctx, ids, 'rsv', reservationsByIds),
  );
}

// ---- expiry ----

/**
 * Expires ACTIVE reservations whose expiry has passed, found through the
 * service database's `reservation_expiry` index, each in its own unit of work
 * on its supplier's database. Safe with several processes sweeping at once:
 * the guarded status change lets one win. Returns how many expired.
 */
export async function sweepExpiredReservations(
  kernel: Kernel,
  services: SupplierServices,
  opts: { now?: Date; batch?: number } = {},
): Promise<number> {
  const ctx = systemContext(kernel, services, 'reservation-sweeper');
  const due = await dueReservations(
    ctx,
    opts.now ?? new Date(),
    opts.batch ?? services.config.RESERVATION_SWEEP_BATCH,
  );
  let expired = 0;
  for (const row of due) {
    const tenant = await registryOf(ctx).byOrganization(row.supplierId);
    if (!tenant) continue;
    try {
      // the service acts on its own: no caller, so no permission to check
      const outcome = await write(
        ctx,
        { permission: 'public', tenant, attempts: services.config.STOCK_UPDATE_MAX_ATTEMPTS },
        (tx) => expire(tx, row.reservationId),
      );
      if (outcome === 'EXPIRED') expired++;
    } catch (err) {
      kernel.logger.error({ err, reservationId: row.reservationId }, 'could not expire reservation');
    }
  }
  if (expired) kernel.logger.info({ expired }, 'expired reservations released');
  return expired;
}

/** Runs the sweeper every `intervalMs` (never two passes at once) until stopped. */
export function startReservationSweeper(kernel: Kernel, services: SupplierServices, intervalMs: number) {
  return startPeriodicTask({
    name: 'reservation sweep',
    intervalMs,
    logger: kernel.logger,
    run: () => sweepExpiredReservations(kernel, services),
  });
}
