import {
  badInput,
  failWith,
  newId,
  notFound,
  type PageArgs,
  pageArgs,
  parseId,
  toConnection,
} from '@tradegraph/shared';
import {
  actorOf,
  readTenant,
  type SupplierContext,
  type TenantContext,
  tenantTable,
  writeTenant,
} from '../context.ts';
import {
  type CatalogVariant,
  InventoryLevel,
  MOVEMENT_TYPES,
  type MovementType,
  StockMovement,
  StockReceipt,
} from '../entities/index.ts';
import { canFulfillFor, requireKnownVariant } from './catalog.ts';
import { changeLevel, createLevel, type LevelState, MAX_STOCK, readLevel, withStockRetry } from './stock.ts';
import { emptyConnection, optionalText, requireInt, requireText } from './validation.ts';
import { ownWarehouse } from './warehouses.ts';

/**
 * Stock on hand per warehouse and variant: adjustments, receipts, the level and
 * movement queries. Reservations are in reservations.ts; the mechanics of a
 * level change (optimistic update, movement, summary, event) in stock.ts.
 */

/**
 * The level to change for a variant in a warehouse, created empty when there is
 * none yet. Starting to stock a variant needs it ACTIVE in the catalog and an
 * ACTIVE FULFILL_ORDERS connection with its brand; an existing level can always
 * be managed (e.g. written off after the brand ended the connection).
 */
async function levelForWrite(
  ctx: TenantContext,
  warehouseId: string,
  variantId: string,
  field: string | string[],
  opts: { create: boolean },
) {
  const level = await readLevel(ctx, warehouseId, variantId);
  if (level) return level;
  const variant: CatalogVariant = await requireKnownVariant(ctx, variantId, field);
  if (!opts.create) return null;
  if (variant.status !== 'ACTIVE')
    failWith('VARIANT_NOT_ACTIVE', 'This product variant is not active in the brand catalog', field);
  if (!(await canFulfillFor(ctx, ctx.tenant.organizationId, variant.brandId)))
    failWith(
      'NO_FULFILLMENT_ACCESS',
      'You need an active FULFILL_ORDERS connection with the brand to stock its products',
      field,
    );
  return createLevel(ctx, warehouseId, variantId, variant.brandId);
}

export async function adjustInventory(
  ctx: SupplierContext,
  input: { warehouseId: string; variantId: string; delta: number; reason: string },
) {
  const tenant = await writeTenant(ctx, 'inventory:write');
  const delta = requireInt(input.delta, 'delta', {
    min: -MAX_STOCK,
    max: MAX_STOCK,
    code: 'INVALID_QUANTITY',
    what: 'delta',
  });
  if (delta === 0) failWith('INVALID_QUANTITY', 'delta must not be zero', 'delta');
  const reason = requireText(input.reason, 'reason', { max: 500, code: 'INVALID_REASON' });
  const actor = actorOf(ctx.principal);
  const state = await withStockRetry(tenant, async (tx) => {
    const warehouse = await ownWarehouse(tx, input.warehouseId);
    const level = await levelForWrite(tx, warehouse.id, input.variantId, 'variantId', { create: delta > 0 });
    if (!level) return failWith('INSUFFICIENT_STOCK', 'There is no stock of this variant here', 'delta');
    const onHand = level.onHand + delta;
    if (onHand < 0)
      failWith('NEGATIVE_STOCK', `Only ${level.onHand} on hand; cannot remove ${-delta}`, 'delta');
    if (onHand < level.reserved)
      failWith(
        'BELOW_RESERVED',
        `${level.reserved} of ${level.onHand} on hand are reserved; at most ${level.onHand - level.reserved} can be removed`,
        'delta',
      );
    if (onHand > MAX_STOCK) failWith('STOCK_LIMIT', `A level holds at most ${MAX_STOCK}`, 'delta');
    return changeLevel(tx, level, {
      onHandDelta: delta,
      reservedDelta: 0,
      movement: { type: 'ADJUSTED', quantity: delta, reason },
      actor,
    });
  });
  return state.level;
}

export interface ReceiveLine {
  variantId: string;
  quantity: number;
}

export async function receiveStock(
  ctx: SupplierContext,
  input: { warehouseId: string; lines: ReceiveLine[]; reference: string; note?: string | null },
) {
  const tenant = await writeTenant(ctx, 'inventory:write');
  const reference = requireText(input.reference, 'reference', { max: 200, code: 'INVALID_REFERENCE' });
  const note = optionalText(input.note, 'note', { max: 500, code: 'INVALID_REASON' });
  const lines = Array.isArray(input.lines) ? input.lines : [];
  if (lines.length === 0 || lines.length > 200)
    failWith('INVALID_LINES', 'A receipt has 1 to 200 lines', 'lines');
  const seen = new Set<string>();
  lines.forEach((l, i) => {
    requireInt(l.quantity, ['lines', String(i), 'quantity'], {
      min: 1,
      max: MAX_STOCK,
      code: 'INVALID_QUANTITY',
      what: 'quantity',
    });
    if (seen.has(l.variantId))
      failWith('DUPLICATE_LINE', 'Each variant may appear once per receipt', [
        'lines',
        String(i),
        'variantId',
      ]);
    seen.add(l.variantId);
  });
  const actor = actorOf(ctx.principal);
  return withStockRetry(tenant, async (tx) => {
    const warehouse = await ownWarehouse(tx, input.warehouseId);
    if (!warehouse.active) failWith('WAREHOUSE_INACTIVE', 'This warehouse is deactivated', 'warehouseId');
    if (await tx.em.count(StockReceipt, { warehouseId: warehouse.id, reference }))
      failWith(
        'DUPLICATE_RECEIPT',
        `A receipt ${reference} was already booked into this warehouse`,
        'reference',
      );
    const receiptId = newId('rcp', tx.tenant.tenantKey);
    // A fixed order (by variant) keeps concurrent multi-line receipts from deadlocking on summary rows.
    const ordered = lines
      .map((l, i) => ({ ...l, index: i }))
      .sort((a, b) => (a.variantId < b.variantId ? -1 : a.variantId > b.variantId ? 1 : 0));
    const results: { variantId: string; quantity: number; state: LevelState; index: number }[] = [];
    for (const line of ordered) {
      const field = ['lines', String(line.index), 'variantId'];
      const level = (await levelForWrite(tx, warehouse.id, line.variantId, field, { create: true }))!;
      if (level.onHand + line.quantity > MAX_STOCK)
        failWith('STOCK_LIMIT', `A level holds at most ${MAX_STOCK}`, [
          'lines',
          String(line.index),
          'quantity',
        ]);
      const state = await changeLevel(tx, level, {
        onHandDelta: line.quantity,
        reservedDelta: 0,
        movement: { type: 'RECEIVED', quantity: line.quantity, receiptId, reference, reason: note },
        actor,
      });
      results.push({ variantId: line.variantId, quantity: line.quantity, state, index: line.index });
    }
    const receipt = tx.em.create(StockReceipt, {
      id: receiptId,
      warehouseId: warehouse.id,
      reference,
      lineCount: lines.length,
      totalQuantity: lines.reduce((s, l) => s + l.quantity, 0),
      actorKind: actor.kind,
      actorId: actor.id,
      createdAt: new Date(),
    });
    results.sort((a, b) => a.index - b.index);
    return {
      ...receipt,
      lines: results.map((r) => ({ variantId: r.variantId, quantity: r.quantity, level: r.state.level })),
    };
  });
}

export async function findLevel(ctx: SupplierContext, warehouseId: string, variantId: string) {
  const tenant = await readTenant(ctx, 'inventory:read');
  if (!tenant) throw notFound('Warehouse');
  const warehouse = await ownWarehouse(tenant, warehouseId);
  return tenant.em.findOne(InventoryLevel, { warehouseId: warehouse.id, variantId: String(variantId) });
}

export async function listLevels(
  ctx: SupplierContext,
  filter:
    | { warehouseId?: string | null; variantId?: string | null; inStock?: boolean | null }
    | null
    | undefined,
  args: PageArgs,
) {
  const tenant = await readTenant(ctx, 'inventory:read');
  if (!tenant) {
    if (filter?.warehouseId) throw notFound('Warehouse');
    return emptyConnection(args);
  }
  return levelsOf(tenant, filter, args);
}

export async function levelsOf(
  tenant: TenantContext,
  filter:
    | { warehouseId?: string | null; variantId?: string | null; inStock?: boolean | null }
    | null
    | undefined,
  args: PageArgs,
) {
  const page = pageArgs<string>(args);
  const where: Record<string, unknown> = {};
  if (filter?.warehouseId) where.warehouseId = (await ownWarehouse(tenant, filter.warehouseId)).id;
  if (filter?.variantId) where.variantId = String(filter.variantId);
  if (filter?.inStock === true) where.onHand = { $gt: 0 };
  if (filter?.inStock === false) where.onHand = 0;
  const rows = await tenant.em.find(
    InventoryLevel,
    page.after ? { ...where, id: { $gt: page.after } } : where,
    { orderBy: { id: 'asc' }, limit: page.limit },
  );
  return toConnection(
    rows,
    page,
    (l) => l.id,
    () => tenant.em.count(InventoryLevel, where),
  );
}

export interface MovementFilter {
  warehouseId?: string | null;
  variantId?: string | null;
  types?: MovementType[] | null;
  reservationId?: string | null;
  reference?: string | null;
  since?: Date | null;
  until?: Date | null;
}

/** The movement log, newest first, filtered; keyset-paginated on the log's sequence. */
export async function listMovements(
  ctx: SupplierContext,
  filter: MovementFilter | null | undefined,
  args: PageArgs,
) {
  const tenant = await readTenant(ctx, 'inventory:read');
  if (!tenant) {
    if (filter?.warehouseId) throw notFound('Warehouse');
    return emptyConnection(args);
  }
  const page = pageArgs<number>(args);
  if (page.after !== null && !Number.isSafeInteger(page.after))
    throw badInput('after is not a valid cursor', 'after');
  const where: Record<string, unknown> = {};
  if (filter?.warehouseId) where.warehouseId = (await ownWarehouse(tenant, filter.warehouseId)).id;
  if (filter?.variantId) where.variantId = String(filter.variantId);
  if (filter?.types?.length) {
    for (const t of filter.types)
      if (!MOVEMENT_TYPES.includes(t)) throw badInput(`Unknown movement type ${t}`, 'types');
    where.type = { $in: filter.types };
  }
  if (filter?.reservationId) {
    const parsed = parseId(filter.reservationId, 'rsv');
    where.reservationId = parsed?.tenantKey === tenant.tenant.tenantKey ? filter.reservationId : '-';
  }
  if (filter?.reference) where.reference = String(filter.reference);
  if (filter?.since || filter?.until) {
    where.createdAt = {
      ...(filter.since ? { $gte: filter.since } : {}),
      ...(filter.until ? { $lt: filter.until } : {}),
    };
  }
  const rows = await tenant.em.find(
    StockMovement,
    page.after !== null ? { ...where, seq: { $lt: page.after } } : where,
    { orderBy: { seq: 'desc' }, limit: page.limit },
  );
  return toConnection(
    rows,
    page,
    (m) => m.seq,
    () => tenant.em.count(StockMovement, where),
  );
}

/** Sum check used by tests and operators: the summary row against the tenant's levels. */
export async function recomputeTotalAvailable(ctx: TenantContext, variantId: string): Promise<number> {
  const [row] = await ctx.em.execute<{ total: string | number | null }[]>(
    `select sum(on_hand - reserved) total from ${tenantTable(ctx, 'inventory_levels')} where variant_id = ?`,
    [variantId],
  );
  return Number(row?.total ?? 0);
}
