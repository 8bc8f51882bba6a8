import { actingOrganizationId, hasPermission, payload } from '@tradegraph/shared';
import type { SupplierContext } from '../context.ts';
import { levelsOf } from '../domain/inventory.ts';
import { ownTenantOf } from '../domain/tenancy.ts';
import { emptyConnection } from '../domain/validation.ts';
import {
  createWarehouse,
  findWarehouse,
  listWarehouses,
  ownWarehouses,
  updateWarehouse,
} from '../domain/warehouses.ts';
import type { Warehouse } from '../entities/index.ts';

export const warehouseQueries = {
  warehouses: (
    _: unknown,
    args: { filter?: { active?: boolean | null }; first?: number; after?: string },
    ctx: SupplierContext,
  ) => listWarehouses(ctx, args.filter, args),
  warehouse: (_: unknown, { id }: { id: string }, ctx: SupplierContext) => findWarehouse(ctx, id),
};

export const warehouseMutations = {
  createWarehouse: (
    _: unknown,
    { input }: { input: Parameters<typeof createWarehouse>[1] },
    ctx: SupplierContext,
  ) => payload('warehouse', () => createWarehouse(ctx, input)),
  updateWarehouse: (
    _: unknown,
    { input }: { input: Parameters<typeof updateWarehouse>[1] },
    ctx: SupplierContext,
  ) => payload('warehouse', () => updateWarehouse(ctx, input)),
};

export const warehouseTypes = {
  Warehouse: {
    address: (w: Warehouse) => ({
      name: w.addressName,
      line1: w.line1,
      line2: w.line2,
      city: w.city,
      region: w.region,
      postalCode: w.postalCode,
      country: w.country,
    }),
    inventory: async (w: Warehouse, args: { first?: number; after?: string }, ctx: SupplierContext) => {
      const tenant = await ownTenantOf(ctx, w.id, 'whs');
      return tenant ? levelsOf(tenant, { warehouseId: w.id }, args) : emptyConnection(args);
    },
  },
};

/** Organization.warehouses: the supplier's own members only; [] for everyone else. */
export const organizationWarehouses = (org: { id: string }, _: unknown, ctx: SupplierContext) =>
  actingOrganizationId(ctx.principal) === org.id && hasPermission(ctx.principal, 'inventory:read')
    ? ownWarehouses(ctx)
    : [];
