import { actingOrganizationId, hasPermission, notFound, ownTenantOf, read, write } from '@tradegraph/shared';
import { supplierPayload } from '../domain/errors.ts';
import { inventoryLevels } from '../domain/inventory.ts';
import { nothingYet } from '../domain/validation.ts';
import {
  createWarehouse,
  ownWarehouse,
  ownWarehouses,
  updateWarehouse,
  WAREHOUSE_KEYS,
  warehouses,
} from '../domain/warehouses.ts';
import type { MutationResolvers, QueryResolvers, WarehouseResolvers } from '../generated/resolvers.ts';
import type { SupplierContext } from '../services.ts';

export const warehouseQueries = {
  warehouses: (_, args, ctx) =>
    read(
      ctx,
      { permission: 'inventory:read', tenant: 'own', kinds: ['SUPPLIER'] },
      (rx) => warehouses(rx, args.filter, args),
      () => nothingYet(args),
    ),
  warehouse: (_, { id }, ctx) =>
    read(
      ctx,
      { permission: 'inventory:read', tenant: 'own', kinds: ['SUPPLIER'] },
      (rx) => ownWarehouse(rx, id),
      () => {
        throw notFound('Warehouse');
      },
    ),
} satisfies Pick<QueryResolvers, 'warehouses' | 'warehouse'>;

export const warehouseMutations = {
  createWarehouse: (_, { input }, ctx) =>
    supplierPayload('warehouse', () =>
      write(
        ctx,
        { permission: 'inventory:write', tenant: 'own', kinds: ['SUPPLIER'], uniqueKeys: WAREHOUSE_KEYS },
        (tx) => createWarehouse(tx, input),
      ),
    ),
  updateWarehouse: (_, { input }, ctx) =>
    supplierPayload('warehouse', () =>
      write(
        ctx,
        { permission: 'inventory:write', tenant: 'own', kinds: ['SUPPLIER'], uniqueKeys: WAREHOUSE_KEYS },
        (tx) => updateWarehouse(tx, input),
      ),
    ),
} satisfies Pick<MutationResolvers, 'createWarehouse' | 'updateWarehouse'>;

export const Warehouse = {
  address: (w) => ({
    name: w.addressName,
    line1: w.line1,
    line2: w.line2,
    city: w.city,
    region: w.region,
    postalCode: w.postalCode,
    country: w.country,
  }),
  inventory: async (w, args, ctx) => {
    const own = await ownTenantOf(ctx, w.id, 'whs');
    return own ? inventoryLevels(own, { warehouseId: w.id }, args) : nothingYet(args);
  },
} satisfies WarehouseResolvers;

/** Organization.warehouses: the supplier's own members only; [] for everyone else. */
export async function organizationWarehouses(org: { id: string }, ctx: SupplierContext) {
  if (actingOrganizationId(ctx.principal) !== org.id || !hasPermission(ctx.principal, 'inventory:read'))
    return [];
  return read(
    ctx,
    { permission: 'inventory:read', tenant: 'own', kinds: ['SUPPLIER'] },
    (rx) => ownWarehouses(rx),
    () => [],
  );
}
