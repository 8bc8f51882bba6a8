import {
  isOwnId,
  loadOwnRows,
  newId,
  notFound,
  type PageArgs,
  pageArgs,
  toConnection,
} from '@tradegraph/shared';
import { type SupplierContext, type SupplierUnit, tenantOf } from '../services.ts';
import {
  allWarehouses,
  findWarehouse,
  insertWarehouse,
  listWarehouses,
  updateWarehouse as updateWarehouseRow,
  type WarehouseFields,
  type WarehouseRecord,
  warehouseByCode,
  warehousesByIds,
} from '../store/warehouses.ts';
import { fail, uniqueKeyError } from './errors.ts';
import { type AddressInput, normaliseAddress, optionalText, requireText } from './validation.ts';

/** Warehouses: where a supplier holds stock. Only the supplier itself sees them. */

const CODE = /^[A-Za-z0-9._-]{1,40}$/;

/** Unique per supplier; the write's uniqueKeys answer the same for a concurrent duplicate. */
export const WAREHOUSE_KEYS = {
  warehouses_code_uq: uniqueKeyError('CODE_TAKEN', 'Another warehouse already uses this code', 'code'),
};

function normaliseCode(value: unknown): string | null {
  const code = optionalText(value, 'code', { max: 40, code: 'INVALID_CODE' });
  if (code !== null && !CODE.test(code))
    fail('INVALID_CODE', 'code may contain letters, digits, ".", "_" and "-" (at most 40)', 'code');
  return code;
}

async function assertCodeFree(ctx: SupplierContext, code: string | null, exceptId?: string) {
  if (code === null) return;
  const other = await warehouseByCode(ctx, code);
  if (other && other.id !== exceptId)
    fail('CODE_TAKEN', `Another warehouse already uses the code ${code}`, 'code');
}

/** A warehouse of the context's tenant, or NOT_FOUND (malformed, foreign-tenant or unknown ids alike). */
export async function ownWarehouse(ctx: SupplierContext, id: unknown): Promise<WarehouseRecord> {
  const w = isOwnId(tenantOf(ctx), id, 'whs') ? await findWarehouse(ctx, id) : null;
  if (!w) throw notFound('Warehouse');
  return w;
}

export async function createWarehouse(
  tx: SupplierUnit,
  input: { name: string; code?: string | null; address: AddressInput },
): Promise<WarehouseRecord> {
  const name = requireText(input.name, 'name', { max: 200, code: 'INVALID_NAME' });
  const code = normaliseCode(input.code);
  const address = normaliseAddress(input.address);
  await assertCodeFree(tx, code);
  const now = new Date();
  return insertWarehouse(tx, {
    id: newId('whs', tenantOf(tx).tenantKey),
    name,
    code,
    ...address,
    active: true,
    createdAt: now,
    updatedAt: now,
  });
}

export async function updateWarehouse(
  tx: SupplierUnit,
  input: {
    id: string;
    name?: string | null;
    code?: string | null;
    address?: AddressInput | null;
    active?: boolean | null;
  },
): Promise<WarehouseRecord> {
  const changes: Partial<WarehouseFields> = {};
  if (input.name !== undefined && input.name !== null)
    changes.name = requireText(input.name, 'name', { max: 200, code: 'INVALID_NAME' });
  if (input.code !== undefined) changes.code = normaliseCode(input.code);
  if (input.address) Object.assign(changes, normaliseAddress(input.address));
  if (typeof input.active === 'boolean') changes.active = input.active;
  const w = await ownWarehouse(tx, input.id);
  if (changes.code !== undefined) await assertCodeFree(tx, changes.code, w.id);
  const updated = await updateWarehouseRow(tx, w.id, { ...changes, updatedAt: new Date() });
  if (!updated) throw notFound('Warehouse');
  return updated;
}

// ---- reads (a context bound to the caller's tenant) ----

export async function warehouses(
  ctx: SupplierContext,
  filter: { active?: boolean | null } | null | undefined,
  args: PageArgs,
) {
  const page = pageArgs<string>(args);
  const { rows, count } = await listWarehouses(ctx, filter ?? {}, page);
  return toConnection(rows, page, (w) => w.id, count);
}

/**
 * Warehouses by id for list children: one query per tenant per request. Only
 * ids of the caller's own tenant resolve (warehouses are never shown to others).
 */
export function warehouseLoader(ctx: SupplierContext) {
  return ctx.loaders.get<string, WarehouseRecord | null>('warehouse', (ids) =>
    loadOwnRows(ctx, ids, 'whs', warehousesByIds),
  );
}

/**
 * The warehouse of a row the caller already reads (level, movement,
 * reservation, receipt): same tenant, so it exists; its absence is a broken row.
 */
export async function warehouseOf(ctx: SupplierContext, id: string): Promise<WarehouseRecord> {
  const w = await warehouseLoader(ctx).load(id);
  if (!w) throw new Error(`warehouse ${id} is missing`);
  return w;
}

/** All of the caller's warehouses, oldest first (Organization.warehouses). */
export function ownWarehouses(ctx: SupplierContext): Promise<WarehouseRecord[]> {
  return allWarehouses(ctx);
}
