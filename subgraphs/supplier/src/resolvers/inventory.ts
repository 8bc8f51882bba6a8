import { payload } from '@tradegraph/shared';
import type { SupplierContext } from '../context.ts';
import {
  adjustInventory,
  findLevel,
  listLevels,
  listMovements,
  type MovementFilter,
  receiveStock,
} from '../domain/inventory.ts';
import { reservationLoader } from '../domain/reservations.ts';
import { warehouseLoader } from '../domain/warehouses.ts';
import type { InventoryLevel, StockMovement, StockReceipt } from '../entities/index.ts';

export const inventoryQueries = {
  inventoryLevels: (
    _: unknown,
    args: { filter?: Parameters<typeof listLevels>[1]; first?: number; after?: string },
    ctx: SupplierContext,
  ) => listLevels(ctx, args.filter, args),
  inventoryLevel: (_: unknown, args: { warehouseId: string; variantId: string }, ctx: SupplierContext) =>
    findLevel(ctx, args.warehouseId, args.variantId),
  stockMovements: (
    _: unknown,
    args: { filter?: MovementFilter; first?: number; after?: string },
    ctx: SupplierContext,
  ) => listMovements(ctx, args.filter, args),
};

export const inventoryMutations = {
  adjustInventory: (
    _: unknown,
    { input }: { input: Parameters<typeof adjustInventory>[1] },
    ctx: SupplierContext,
  ) => payload('level', () => adjustInventory(ctx, input)),
  receiveStock: (
    _: unknown,
    { input }: { input: Parameters<typeof receiveStock>[1] },
    ctx: SupplierContext,
  ) => payload('receipt', () => receiveStock(ctx, input)),
};

const warehouseOf = (row: { warehouseId: string }, _: unknown, ctx: SupplierContext) =>
  warehouseLoader(ctx).load(row.warehouseId);
const variantOf = (row: { variantId: string }) => ({ id: row.variantId });

export const inventoryTypes = {
  InventoryLevel: {
    warehouse: warehouseOf,
    variant: variantOf,
    available: (l: InventoryLevel) => l.onHand - l.reserved,
  },
  StockMovement: {
    warehouse: warehouseOf,
    variant: variantOf,
    reservation: (m: StockMovement, _: unknown, ctx: SupplierContext) =>
      m.reservationId ? reservationLoader(ctx).load(m.reservationId) : null,
    performedBy: (m: StockMovement) => ({ kind: m.actorKind, id: m.actorId }),
  },
  StockReceipt: {
    warehouse: warehouseOf,
  },
  StockReceiptLine: {
    variant: variantOf,
  },
};

export type { StockReceipt };
