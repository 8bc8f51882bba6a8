import { UniqueConstraintViolationException } from '@mikro-orm/core';
import {
  failWith,
  newId,
  notFound,
  type PageArgs,
  pageArgs,
  parseId,
  toConnection,
} from '@tradegraph/shared';
import {
  inTenantTransaction,
  readTenant,
  type SupplierContext,
  type TenantContext,
  writeTenant,
} from '../context.ts';
import { Warehouse } from '../entities/index.ts';
import { loadTenantRows } from './tenancy.ts';
import {
  type AddressInput,
  emptyConnection,
  normaliseAddress,
  optionalText,
  requireText,
} from './validation.ts';

/** Warehouses: where a supplier holds stock. Only the supplier itself sees them. */

const CODE = /^[A-Za-z0-9._-]{1,40}$/;

function normaliseCode(value: unknown): string | null {
  const code = optionalText(value, 'code', { max: 40, code: 'INVALID_CODE' });
  if (code !== null && !CODE.test(code))
    failWith('INVALID_CODE', 'code may contain letters, digits, ".", "_" and "-" (at most 40)', 'code');
  return code;
}

async function assertCodeFree(ctx: TenantContext, code: string | null, exceptId?: string) {
  if (code === null) return;
  const other = await ctx.em.findOne(Warehouse, { code });
  if (other && other.id !== exceptId)
    failWith('CODE_TAKEN', `Another warehouse already uses the code ${code}`, 'code');
}

/** A warehouse of the context's tenant, or NOT_FOUND (malformed, foreign-tenant or unknown ids alike). */
export async function ownWarehouse(ctx: TenantContext, id: unknown): Promise<Warehouse> {
  const parsed = parseId(id, 'whs');
  if (!parsed || parsed.tenantKey !== ctx.tenant.tenantKey) throw notFound('Warehouse');
  const w = await ctx.em.findOne(Warehouse, { id: id as string });
  if (!w) throw notFound('Warehouse');
  return w;
}

function codeTaken(err: unknown, code: string | null): never {
  if (err instanceof UniqueConstraintViolationException)
    failWith('CODE_TAKEN', `Another warehouse already uses the code ${code}`, 'code');
  throw err;
}

export async function createWarehouse(
  ctx: SupplierContext,
  input: { name: string; code?: string | null; address: AddressInput },
) {
  const tenant = await writeTenant(ctx, 'inventory:write');
  const name = requireText(input.name, 'name', { max: 200, code: 'INVALID_NAME' });
  const code = normaliseCode(input.code);
  const address = normaliseAddress(input.address);
  return inTenantTransaction(tenant, async (tx) => {
    await assertCodeFree(tx, code);
    const now = new Date();
    const w = tx.em.create(Warehouse, {
      id: newId('whs', tx.tenant.tenantKey),
      name,
      code,
      ...address,
      active: true,
      createdAt: now,
      updatedAt: now,
    });
    await tx.em.flush().catch((err) => codeTaken(err, code));
    return w;
  });
}

export async function updateWarehouse(
  ctx: SupplierContext,
  input: {
    id: string;
    name?: string | null;
    code?: string | null;
    address?: AddressInput | null;
    active?: boolean | null;
  },
) {
  const tenant = await writeTenant(ctx, 'inventory:write');
  const name =
    input.name === undefined || input.name === null
      ? undefined
      : requireText(input.name, 'name', { max: 200, code: 'INVALID_NAME' });
  const code = input.code === undefined ? undefined : normaliseCode(input.code);
  const address = input.address ? normaliseAddress(input.address) : undefined;
  return inTenantTransaction(tenant, async (tx) => {
    const w = await ownWarehouse(tx, input.id);
    if (code !== undefined) await assertCodeFree(tx, code, w.id);
    if (name !== undefined) w.name = name;
    if (code !== undefined) w.code = code;
    if (address) Object.assign(w, address);
    if (typeof input.active === 'boolean') w.active = input.active;
    w.updatedAt = new Date();
    await tx.em.flush().catch((err) => codeTaken(err, code ?? null));
    return w;
  });
}

export async function findWarehouse(ctx: SupplierContext, id: string) {
  const tenant = await readTenant(ctx, 'inventory:read');
  if (!tenant) throw notFound('Warehouse');
  return ownWarehouse(tenant, id);
}

export async function listWarehouses(
  ctx: SupplierContext,
  filter: { active?: boolean | null } | null | undefined,
  args: PageArgs,
) {
  const tenant = await readTenant(ctx, 'inventory:read');
  if (!tenant) return emptyConnection(args);
  const page = pageArgs<string>(args);
  const where: Record<string, unknown> = {};
  if (typeof filter?.active === 'boolean') where.active = filter.active;
  const rows = await tenant.em.find(Warehouse, page.after ? { ...where, id: { $gt: page.after } } : where, {
    orderBy: { id: 'asc' },
    limit: page.limit,
  });
  return toConnection(
    rows,
    page,
    (w) => w.id,
    () => tenant.em.count(Warehouse, where),
  );
}

/**
 * Warehouses by id for list children: one query per tenant per request. Only
 * ids of the caller's own tenant resolve (warehouses are never shown to others).
 */
export function warehouseLoader(ctx: SupplierContext) {
  return ctx.loaders.get<string, Warehouse | null>('warehouse', (ids) =>
    loadTenantRows(ctx, ids, 'whs', (tctx, own) => tctx.em.find(Warehouse, { id: { $in: own } })),
  );
}

/** All of the caller's warehouses (Organization.warehouses on the caller's own organisation). */
export async function ownWarehouses(ctx: SupplierContext): Promise<Warehouse[]> {
  const tenant = await readTenant(ctx, 'inventory:read');
  return tenant ? tenant.em.find(Warehouse, {}, { orderBy: { id: 'asc' } }) : [];
}
