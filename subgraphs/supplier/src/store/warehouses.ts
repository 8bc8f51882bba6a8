import type { Page } from '@tradegraph/shared';
import { Warehouse } from '../entities/index.ts';
import type { SupplierContext } from '../services.ts';

/** Warehouses of one supplier's tenant database (through `ctx.em`, bound to it). */

export interface WarehouseRecord {
  id: string;
  name: string;
  code?: string | null;
  addressName: string;
  line1: string;
  line2?: string | null;
  city: string;
  region?: string | null;
  postalCode: string;
  country: string;
  active: boolean;
  createdAt: Date;
  updatedAt: Date;
}

/** The fields of a warehouse a supplier sets. */
export type WarehouseFields = Omit<WarehouseRecord, 'id' | 'createdAt' | 'updatedAt'>;

export async function findWarehouse(ctx: SupplierContext, id: string): Promise<WarehouseRecord | null> {
  return ctx.em.findOne(Warehouse, { id });
}

/** The warehouse using `code`, if any. */
export async function warehouseByCode(ctx: SupplierContext, code: string): Promise<WarehouseRecord | null> {
  return ctx.em.findOne(Warehouse, { code });
}

/** Adds a warehouse (written at commit; a concurrent duplicate code fails on warehouses_code_uq). */
export function insertWarehouse(ctx: SupplierContext, w: WarehouseRecord): WarehouseRecord {
  return ctx.em.create(Warehouse, { ...w });
}

/** Applies `changes` to a warehouse of this transaction (written at commit). */
export async function updateWarehouse(
  ctx: SupplierContext,
  id: string,
  changes: Partial<WarehouseFields> & { updatedAt: Date },
): Promise<WarehouseRecord | null> {
  const w = await ctx.em.findOne(Warehouse, { id });
  if (!w) return null;
  ctx.em.assign(w, changes);
  return w;
}

export async function listWarehouses(
  ctx: SupplierContext,
  filter: { active?: boolean | null },
  page: Page<string>,
) {
  const where: Record<string, unknown> = {};
  if (typeof filter.active === 'boolean') where.active = filter.active;
  const found = await ctx.em.find(Warehouse, page.after ? { ...where, id: { $gt: page.after } } : where, {
    orderBy: { id: 'asc' },
    limit: page.limit,
  });
  return { rows: found, count: () => ctx.em.count(Warehouse, where) };
}

export async function warehousesByIds(ctx: SupplierContext, ids: string[]): Promise<WarehouseRecord[]> {
  return ctx.em.find(Warehouse, { id: { $in: ids } });
}

export async function allWarehouses(ctx: SupplierContext): Promise<WarehouseRecord[]> {
  return ctx.em.find(Warehouse, {}, { orderBy: { id: 'asc' } });
}
