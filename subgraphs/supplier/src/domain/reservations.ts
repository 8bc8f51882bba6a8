import {
  failWith,
  newId,
  notFound,
  type PageArgs,
  pageArgs,
  parseId,
  toConnection,
} from '@tradegraph/shared';
import { publish } from '@tradegraph/shared/events';
import {
  actorOf,
  eventContext,
  readTenant,
  type SupplierContext,
  type SupplierServices,
  serviceTable,
  systemContext,
  type TenantContext,
  tenantContext,
  tenantTable,
  writeTenant,
} from '../context.ts';
import { Reservation, type ReservationStatus } from '../entities/index.ts';
import {
  type Actor,
  changeLevel,
  readLevelById,
  reservableLevels,
  StockConflict,
  tryChangeLevel,
  withStockRetry,
} from './stock.ts';
import { loadTenantRows } from './tenancy.ts';
import { emptyConnection, requireInt, requireText } from './validation.ts';
import { ownWarehouse } from './warehouses.ts';

/**
 * Reservations hold available stock for an order while it is being placed. The
 * order saga drives them through events; until then they are also mutations
 * (inventory:write). ACTIVE → RELEASED (let go), COMMITTED (shipped: on hand
 * and reserved both drop) or EXPIRED (the sweeper releases it after expiresAt).
 * Every transition publishes `supplier.reservation.changed`, and every level
 * change `supplier.stock.changed`.
 */

export const MAX_RESERVATION_QUANTITY = 1_000_000;

export interface ReserveInput {
  variantId: string;
  quantity: number;
  warehouseId?: string | null;
  reference: string;
  ttlSeconds?: number | null;
}

function emitReservation(ctx: TenantContext, r: Reservation) {
  publish(ctx.em, eventContext(ctx), 'supplier.reservation.changed', {
    aggregateId: r.id,
    orgId: ctx.tenant.organizationId,
    payload: {
      reservationId: r.id,
      supplierId: ctx.tenant.organizationId,
      variantId: r.variantId,
      warehouseId: r.warehouseId,
      quantity: r.quantity,
      status: r.status,
      reference: r.reference,
      expiresAt: r.expiresAt.toISOString(),
    },
  });
}

function ttlOf(ctx: SupplierContext, ttlSeconds: number | null | undefined): number {
  const cfg = ctx.services.config;
  if (ttlSeconds === null || ttlSeconds === undefined) return cfg.RESERVATION_DEFAULT_TTL_SECONDS;
  return requireInt(ttlSeconds, 'ttlSeconds', {
    min: 1,
    max: cfg.RESERVATION_MAX_TTL_SECONDS,
    code: 'INVALID_TTL',
    what: 'ttlSeconds',
  });
}

/**
 * Reserves `quantity` of a variant in the given warehouse, or in the active
 * warehouse with the most available. Optimistic: a level that changed since it
 * was read is skipped (the next candidate is tried), and when every candidate
 * moved the whole unit runs again on a fresh snapshot. Never oversells: the
 * update itself re-checks `on_hand - reserved >= quantity`.
 */
export async function reserve(ctx: TenantContext, input: ReserveInput, actor: Actor): Promise<Reservation> {
  const quantity = requireInt(input.quantity, 'quantity', {
    min: 1,
    max: MAX_RESERVATION_QUANTITY,
    code: 'INVALID_QUANTITY',
    what: 'quantity',
  });
  const reference = requireText(input.reference, 'reference', { max: 200, code: 'INVALID_REFERENCE' });
  const ttl = ttlOf(ctx, input.ttlSeconds);
  if (!parseId(input.variantId, 'var')) failWith('VARIANT_NOT_FOUND', 'No such product variant', 'variantId');
  let warehouseId: string | null = null;
  if (input.warehouseId) {
    const w = await ownWarehouse(ctx, input.warehouseId);
    if (!w.active) failWith('WAREHOUSE_INACTIVE', 'This warehouse is deactivated', 'warehouseId');
    warehouseId = w.id;
  }
  return withStockRetry(ctx, async (tx) => {
    const candidates = await reservableLevels(tx, input.variantId, quantity, warehouseId);
    if (!candidates.length) {
      return failWith(
        'INSUFFICIENT_STOCK',
        warehouseId
          ? `Fewer than ${quantity} available in this warehouse`
          : `No warehouse has ${quantity} available`,
        'quantity',
      );
    }
    const now = new Date();
    const id = newId('rsv', tx.tenant.tenantKey);
    for (const level of candidates) {
      const state = await tryChangeLevel(tx, level, {
        onHandDelta: 0,
        reservedDelta: quantity,
        movement: { type: 'RESERVED', quantity, reservationId: id, reference },
        actor,
      });
      if (!state) continue;
      const r = tx.em.create(Reservation, {
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
      });
      await tx.em.execute(
        `insert into ${serviceTable(tx, 'reservation_expiry')} (reservation_id, supplier_id, expires_at) values (?, ?, ?)`,
        [id, tx.tenant.organizationId, r.expiresAt],
        'run',
      );
      emitReservation(tx, r);
      return r;
    }
    throw new StockConflict();
  });
}

/** A reservation of the context's tenant, or NOT_FOUND. */
async function ownReservation(ctx: TenantContext, id: unknown): Promise<Reservation> {
  const parsed = parseId(id, 'rsv');
  if (!parsed || parsed.tenantKey !== ctx.tenant.tenantKey) throw notFound('Reservation');
  const r = await ctx.em.findOne(Reservation, { id: id as string });
  if (!r) throw notFound('Reservation');
  return r;
}

function requireActive(r: Reservation, now: Date) {
  if (r.status !== 'ACTIVE')
    failWith('RESERVATION_NOT_ACTIVE', `This reservation is already ${r.status}`, 'id');
  if (r.expiresAt.getTime() <= now.getTime())
    failWith('RESERVATION_EXPIRED', 'This reservation has expired', 'id');
}

/** Moves an ACTIVE reservation to `status` (guarded: a concurrent transition makes this attempt a conflict). */
async function transition(ctx: TenantContext, r: Reservation, status: ReservationStatus, now: Date) {
  const res = await ctx.em.execute<{ affectedRows: number }>(
    `update ${tenantTable(ctx, 'reservations')} set status = ?, closed_at = ?, updated_at = ?
      where id = ? and status = 'ACTIVE'`,
    [status, now, now, r.id],
    'run',
  );
  if (res.affectedRows !== 1) throw new StockConflict('reservation changed concurrently');
  await ctx.em.execute(
    `delete from ${serviceTable(ctx, 'reservation_expiry')} where reservation_id = ?`,
    [r.id],
    'run',
  );
  // a copy: the managed entity stays as read, so the flush writes nothing more
  return { ...r, status, closedAt: now, updatedAt: now } as Reservation;
}

/** Gives the stock back: ACTIVE → RELEASED (or EXPIRED when the sweeper does it). */
export async function release(
  ctx: TenantContext,
  id: string,
  actor: Actor,
  opts: { expire?: boolean } = {},
): Promise<Reservation> {
  return withStockRetry(ctx, async (tx) => {
    const r = await ownReservation(tx, id);
    const now = new Date();
    if (r.status !== 'ACTIVE')
      failWith('RESERVATION_NOT_ACTIVE', `This reservation is already ${r.status}`, 'id');
    if (opts.expire && r.expiresAt.getTime() > now.getTime())
      failWith('RESERVATION_NOT_EXPIRED', 'This reservation has not expired', 'id');
    const level = await readLevelById(tx, r.levelId);
    if (!level) throw new Error(`reservation ${r.id} points at missing level ${r.levelId}`);
    const closed = await transition(tx, r, opts.expire ? 'EXPIRED' : 'RELEASED', now);
    await changeLevel(tx, level, {
      onHandDelta: 0,
      reservedDelta: -r.quantity,
      movement: {
        type: 'RELEASED',
        quantity: -r.quantity,
        reservationId: r.id,
        reference: r.reference,
        reason: opts.expire ? 'reservation expired' : null,
      },
      actor,
    });
    emitReservation(tx, closed);
    return closed;
  });
}

/** The reserved stock leaves: ACTIVE → COMMITTED; on hand and reserved drop by the quantity (movement SHIPPED). */
export async function commit(ctx: TenantContext, id: string, actor: Actor): Promise<Reservation> {
  return withStockRetry(ctx, async (tx) => {
    const r = await ownReservation(tx, id);
    const now = new Date();
    requireActive(r, now);
    const level = await readLevelById(tx, r.levelId);
    if (!level) throw new Error(`reservation ${r.id} points at missing level ${r.levelId}`);
    const closed = await transition(tx, r, 'COMMITTED', now);
    await changeLevel(tx, level, {
      onHandDelta: -r.quantity,
      reservedDelta: -r.quantity,
      movement: { type: 'SHIPPED', quantity: -r.quantity, reservationId: r.id, reference: r.reference },
      actor,
    });
    emitReservation(tx, closed);
    return closed;
  });
}

/** Pushes an ACTIVE reservation's expiry to now + ttlSeconds. */
export async function extend(ctx: TenantContext, id: string, ttlSeconds: number | null | undefined) {
  const ttl = ttlOf(ctx, ttlSeconds);
  return withStockRetry(ctx, async (tx) => {
    const r = await ownReservation(tx, id);
    const now = new Date();
    requireActive(r, now);
    const expiresAt = new Date(now.getTime() + ttl * 1000);
    const res = await tx.em.execute<{ affectedRows: number }>(
      `update ${tenantTable(tx, 'reservations')} set expires_at = ?, updated_at = ? where id = ? and status = 'ACTIVE'`,
      [expiresAt, now, r.id],
      'run',
    );
    if (res.affectedRows !== 1) throw new StockConflict('reservation changed concurrently');
    await tx.em.execute(
      `update ${serviceTable(tx, 'reservation_expiry')} set expires_at = ? where reservation_id = ?`,
      [expiresAt, r.id],
      'run',
    );
    const extended = { ...r, expiresAt, updatedAt: now } as Reservation;
    emitReservation(tx, extended);
    return extended;
  });
}

// ---- GraphQL-facing entry points: the tenant is the caller's organisation ----

export async function reserveStock(ctx: SupplierContext, input: ReserveInput) {
  return reserve(await writeTenant(ctx, 'inventory:write'), input, actorOf(ctx.principal));
}

export async function releaseReservation(ctx: SupplierContext, input: { id: string }) {
  return release(await writeTenant(ctx, 'inventory:write'), input.id, actorOf(ctx.principal));
}

export async function commitReservation(ctx: SupplierContext, input: { id: string }) {
  return commit(await writeTenant(ctx, 'inventory:write'), input.id, actorOf(ctx.principal));
}

export async function extendReservation(
  ctx: SupplierContext,
  input: { id: string; ttlSeconds?: number | null },
) {
  return extend(await writeTenant(ctx, 'inventory:write'), input.id, input.ttlSeconds);
}

export async function findReservation(ctx: SupplierContext, id: string) {
  const tenant = await readTenant(ctx, 'inventory:read');
  if (!tenant) throw notFound('Reservation');
  return ownReservation(tenant, id);
}

export async function listReservations(
  ctx: SupplierContext,
  filter:
    | {
        status?: ReservationStatus | null;
        variantId?: string | null;
        warehouseId?: string | null;
        reference?: string | null;
      }
    | null
    | undefined,
  args: PageArgs,
) {
  const tenant = await readTenant(ctx, 'inventory:read');
  if (!tenant) {
    if (filter?.warehouseId) throw notFound('Warehouse');
    return emptyConnection(args);
  }
  const page = pageArgs<string>(args);
  const where: Record<string, unknown> = {};
  if (filter?.status) where.status = filter.status;
  if (filter?.variantId) where.variantId = String(filter.variantId);
  if (filter?.warehouseId) where.warehouseId = (await ownWarehouse(tenant, filter.warehouseId)).id;
  if (filter?.reference) where.reference = String(filter.reference);
  const rows = await tenant.em.find(Reservation, page.after ? { ...where, id: { $lt: page.after } } : where, {
    orderBy: { id: 'desc' },
    limit: page.limit,
  });
  return toConnection(
    rows,
    page,
    (r) => r.id,
    () => tenant.em.count(Reservation, where),
  );
}

/** Reservations by id for list children (the movement log); only the caller's own tenant resolves. */
export function reservationLoader(ctx: SupplierContext) {
  return ctx.loaders.get<string, Reservation | null>('reservation', (ids) =>
    loadTenantRows(ctx, ids, 'rsv', (tctx, own) => tctx.em.find(Reservation, { id: { $in: own } })),
  );
}

// ---- expiry ----

/**
 * Releases ACTIVE reservations whose expiry has passed (→ EXPIRED), found
 * through the service database's `reservation_expiry` index, each in its own
 * transaction. Safe with several processes sweeping at once: the guarded status
 * change lets one win. Returns how many expired.
 */
export async function sweepExpiredReservations(
  services: SupplierServices,
  opts: { now?: Date; batch?: number } = {},
): Promise<number> {
  const ctx = systemContext(services, 'reservation-sweeper');
  const due = await ctx.em.execute<{ reservation_id: string; supplier_id: string }[]>(
    `select reservation_id, supplier_id from ${serviceTable(ctx, 'reservation_expiry')}
      where expires_at <= ? order by expires_at limit ?`,
    [opts.now ?? new Date(), opts.batch ?? services.config.RESERVATION_SWEEP_BATCH],
  );
  let expired = 0;
  for (const row of due) {
    const tenant = await services.registry.byOrganization(row.supplier_id);
    if (!tenant) continue;
    try {
      await release(
        tenantContext(ctx, tenant),
        row.reservation_id,
        { kind: 'SYSTEM', id: null },
        { expire: true },
      );
      expired++;
    } catch (err) {
      const code = (err as { errors?: { code: string }[] }).errors?.[0]?.code;
      if (code === 'RESERVATION_NOT_ACTIVE' || (err as { code?: string }).code === 'NOT_FOUND') {
        // closed meanwhile (or the index outlived its row): drop the index entry
        await ctx.em.execute(
          `delete from ${serviceTable(ctx, 'reservation_expiry')} where reservation_id = ?`,
          [row.reservation_id],
          'run',
        );
      } else if (code !== 'RESERVATION_NOT_EXPIRED') {
        services.logger.error({ err, reservationId: row.reservation_id }, 'could not expire reservation');
      }
    }
  }
  if (expired) services.logger.info({ expired }, 'expired reservations released');
  return expired;
}

/** Runs the sweeper every `intervalMs` (never two passes at once) until stopped. */
export function startReservationSweeper(services: SupplierServices, intervalMs: number) {
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<unknown> = Promise.resolve();
  let stopped = false;
  const tick = () => {
    running = sweepExpiredReservations(services)
      .catch((err) => services.logger.error({ err }, 'reservation sweep failed'))
      .finally(() => {
        if (!stopped) timer = setTimeout(tick, intervalMs);
      });
  };
  if (intervalMs > 0) timer = setTimeout(tick, intervalMs);
  return {
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}
