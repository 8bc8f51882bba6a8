import {
  badInput,
  newId,
  notFound,
  type PageArgs,
  pageArgs,
  parseId,
  RetryableConflict,
  requireOwnId,
  toConnection,
} from '@tradegraph/shared';
import { MOVEMENT_TYPES } from '../entities/index.ts';
import { stockChanged } from '../events/publish.ts';
import { type SupplierContext, type SupplierUnit, tenantOf } from '../services.ts';
import { catalogVariant } from '../store/projections.ts';
import {
  type Actor,
  applyLevelChange,
  createLevel,
  findLevel,
  insertReceipt,
  type Level,
  type LevelFilter,
  type LevelState,
  listLevels,
  listMovements,
  MAX_STOCK,
  type MovementFilter,
  type Receipt,
  readLevel,
  receiptExists,
  warehouseActive,
} from '../store/stock.ts';
import { requireStockableVariant } from './catalog.ts';
import { fail } from './errors.ts';
import { optionalText, requireInt, requireText } from './validation.ts';

/**
 * Stock on hand per warehouse and variant: adjustments, receipts, and the
 * level and movement queries. Reservations are in reservations.ts; the SQL of
 * a level change (optimistic update, movement, summary) in store/stock.ts.
 */

// ---- rules ----

/** Why on hand may not change by `delta`, or null: never below zero, below what is reserved, or above the limit. */
export function adjustmentRefusal(level: Pick<Level, 'onHand' | 'reserved'>, delta: number) {
  const onHand = level.onHand + delta;
  if (onHand < 0)
    return {
      code: 'NEGATIVE_STOCK',
      message: `Only ${level.onHand} on hand; cannot remove ${-delta}`,
    } as const;
  if (onHand < level.reserved)
    return {
      code: 'BELOW_RESERVED',
      message: `${level.reserved} of ${level.onHand} on hand are reserved; at most ${level.onHand - level.reserved} can be removed`,
    } as const;
  if (onHand > MAX_STOCK)
    return { code: 'STOCK_LIMIT', message: `A level holds at most ${MAX_STOCK}` } as const;
  return null;
}

// ---- steps ----

/** A warehouse of the unit's tenant, or NOT_FOUND; with `active`, WAREHOUSE_INACTIVE when deactivated. */
async function ownWarehouseId(tx: SupplierContext, id: unknown, opts: { active: boolean }): Promise<string> {
  const warehouseId = requireOwnId(tenantOf(tx), id, 'whs', 'Warehouse');
  const active = await warehouseActive(tx, warehouseId);
  if (active === null) throw notFound('Warehouse');
  if (opts.active && !active) fail('WAREHOUSE_INACTIVE', 'This warehouse is deactivated', 'warehouseId');
  return warehouseId;
}

/**
 * The level to change for a variant in a warehouse, created empty when there
 * is none yet and `create`. Starting to stock a variant needs it stockable
 * (catalog.ts); an existing level can always be managed (e.g. written off
 * after the brand ended the connection).
 */
async function levelForWrite(
  tx: SupplierUnit,
  warehouseId: string,
  variantId: string,
  field: string | string[],
  opts: { create: boolean },
): Promise<Level | null> {
  const level = await readLevel(tx, warehouseId, variantId);
  if (level) return level;
  if (!opts.create) {
    if (!(await catalogVariant(tx, variantId))) fail('VARIANT_NOT_FOUND', 'No such product variant', field);
    return null;
  }
  const tenant = tenantOf(tx);
  const variant = await requireStockableVariant(
    tx,
    tenant.organizationId,
    variantId,
    field,
    'stock its products',
  );
  return createLevel(tx, warehouseId, variantId, variant.brandId);
}

/** Writes a level change and publishes it; a lost race runs the unit again. */
async function changeStock(
  tx: SupplierUnit,
  level: Level,
  onHandDelta: number,
  movement: { type: 'ADJUSTED' | 'RECEIVED'; reason: string | null; receiptId?: string; reference?: string },
  actor: Actor,
): Promise<LevelState> {
  const state = await applyLevelChange(tx, {
    level,
    after: { onHand: level.onHand + onHandDelta, reserved: level.reserved },
    movement: { ...movement, quantity: onHandDelta },
    actor,
  });
  if (!state) throw new RetryableConflict('stock level changed concurrently');
  tx.publish('supplier.stock.changed', stockChanged(tenantOf(tx).organizationId, state, movement.type));
  return state;
}

export async function adjustInventory(
  tx: SupplierUnit,
  input: { warehouseId: string; variantId: string; delta: number; reason: string },
  actor: Actor,
): Promise<Level> {
  const delta = requireInt(input.delta, 'delta', {
    min: -MAX_STOCK,
    max: MAX_STOCK,
    code: 'INVALID_QUANTITY',
    what: 'delta',
  });
  if (delta === 0) fail('INVALID_QUANTITY', 'delta must not be zero', 'delta');
  const reason = requireText(input.reason, 'reason', { max: 500, code: 'INVALID_REASON' });
  const warehouseId = await ownWarehouseId(tx, input.warehouseId, { active: false });
  const level = await levelForWrite(tx, warehouseId, input.variantId, 'variantId', { create: delta > 0 });
  if (!level) return fail('OUT_OF_STOCK', 'There is no stock of this variant here', 'delta');
  const refusal = adjustmentRefusal(level, delta);
  if (refusal) fail(refusal.code, refusal.message, 'delta');
  return (await changeStock(tx, level, delta, { type: 'ADJUSTED', reason }, actor)).level;
}

export interface ReceiveInput {
  warehouseId: string;
  lines: { variantId: string; quantity: number }[];
  reference: string;
  note?: string | null;
}

/** Books goods into a warehouse: every line or none. */
export async function receiveStock(tx: SupplierUnit, input: ReceiveInput, actor: Actor): Promise<Receipt> {
  const reference = requireText(input.reference, 'reference', { max: 200, code: 'INVALID_REFERENCE' });
  const note = optionalText(input.note, 'note', { max: 500, code: 'INVALID_REASON' });
  const lines = Array.isArray(input.lines) ? input.lines : [];
  if (lines.length === 0 || lines.length > 200)
    fail('INVALID_LINES', 'A receipt has 1 to 200 lines', 'lines');
  const seen = new Set<string>();
  lines.forEach((l, i) => {
    requireInt(l.quantity, ['lines', String(i), 'quantity'], {
      min: 1,
      max: MAX_STOCK,
      code: 'INVALID_QUANTITY',
      what: 'quantity',
    });
    if (seen.has(l.variantId))
      fail('DUPLICATE_LINE', 'Each variant may appear once per receipt', ['lines', String(i), 'variantId']);
    seen.add(l.variantId);
  });
  const warehouseId = await ownWarehouseId(tx, input.warehouseId, { active: true });
  if (await receiptExists(tx, warehouseId, reference))
    fail('DUPLICATE_RECEIPT', `A receipt ${reference} was already booked into this warehouse`, 'reference');

  const receiptId = newId('rcp', tenantOf(tx).tenantKey);
  // A fixed order (by variant) keeps concurrent multi-line receipts from deadlocking on summary rows.
  const ordered = lines
    .map((l, index) => ({ ...l, index }))
    .sort((a, b) => (a.variantId < b.variantId ? -1 : a.variantId > b.variantId ? 1 : 0));
  const booked: { variantId: string; quantity: number; level: Level; index: number }[] = [];
  for (const line of ordered) {
    const field = ['lines', String(line.index), 'variantId'];
    const level = await levelForWrite(tx, warehouseId, line.variantId, field, { create: true });
    if (!level) throw new Error('levelForWrite with create returns a level');
    if (adjustmentRefusal(level, line.quantity))
      fail('STOCK_LIMIT', `A level holds at most ${MAX_STOCK}`, ['lines', String(line.index), 'quantity']);
    const state = await changeStock(
      tx,
      level,
      line.quantity,
      { type: 'RECEIVED', receiptId, reference, reason: note },
      actor,
    );
    booked.push({
      variantId: line.variantId,
      quantity: line.quantity,
      level: state.level,
      index: line.index,
    });
  }
  const receipt = {
    id: receiptId,
    warehouseId,
    reference,
    totalQuantity: lines.reduce((s, l) => s + l.quantity, 0),
    createdAt: new Date(),
  };
  insertReceipt(tx, { ...receipt, lineCount: lines.length, actor });
  booked.sort((a, b) => a.index - b.index);
  return {
    ...receipt,
    lines: booked.map(({ variantId, quantity, level }) => ({ variantId, quantity, level })),
  };
}

// ---- reads (a context bound to the caller's tenant) ----

export async function inventoryLevel(ctx: SupplierContext, warehouseId: string, variantId: string) {
  return findLevel(ctx, await ownWarehouseId(ctx, warehouseId, { active: false }), String(variantId));
}

export async function inventoryLevels(
  ctx: SupplierContext,
  filter: LevelFilter | null | undefined,
  args: PageArgs,
) {
  const page = pageArgs<string>(args);
  const where: LevelFilter = { ...filter };
  if (filter?.warehouseId)
    where.warehouseId = await ownWarehouseId(ctx, filter.warehouseId, { active: false });
  const { rows, count } = await listLevels(ctx, where, page);
  return toConnection(rows, page, (l) => l.id, count);
}

/** The movement log, newest first, filtered; keyset-paginated on the log's sequence. */
export async function stockMovements(
  ctx: SupplierContext,
  filter: MovementFilter | null | undefined,
  args: PageArgs,
) {
  const page = pageArgs<number>(args);
  if (page.after !== null && !Number.isSafeInteger(page.after))
    throw badInput('after is not a valid cursor', 'after');
  const where: MovementFilter = { ...filter };
  if (filter?.warehouseId)
    where.warehouseId = await ownWarehouseId(ctx, filter.warehouseId, { active: false });
  for (const t of filter?.types ?? [])
    if (!MOVEMENT_TYPES.includes(t)) throw badInput(`Unknown movement type ${t}`, 'types');
  if (filter?.reservationId && parseId(filter.reservationId, 'rsv')?.tenantKey !== tenantOf(ctx).tenantKey)
    where.reservationId = '-'; // another tenant's reservation has no movements here
  const { rows, count } = await listMovements(ctx, where, page);
  return toConnection(rows, page, (m) => m.seq, count);
}
