import { notFound, read, write } from '@tradegraph/shared';
import { catchUpWithCatalog } from '../domain/catalog.ts';
import { supplierPayload } from '../domain/errors.ts';
import {
  adjustInventory,
  inventoryLevel,
  inventoryLevels,
  receiveStock,
  stockMovements,
} from '../domain/inventory.ts';
import { reservationLoader } from '../domain/reservations.ts';
import { nothingYet } from '../domain/validation.ts';
import { warehouseOf } from '../domain/warehouses.ts';
import type {
  InventoryLevelResolvers,
  MutationResolvers,
  QueryResolvers,
  StockMovementResolvers,
  StockReceiptLineResolvers,
  StockReceiptResolvers,
} from '../generated/resolvers.ts';
import { actorOf } from '../services.ts';

export const inventoryQueries = {
  inventoryLevels: (_, args, ctx) =>
    read(
      ctx,
      { permission: 'inventory:read', tenant: 'own', kinds: ['SUPPLIER'] },
      (rx) => inventoryLevels(rx, args.filter, args),
      () => nothingYet(args, args.filter),
    ),
  inventoryLevel: (_, args, ctx) =>
    read(
      ctx,
      { permission: 'inventory:read', tenant: 'own', kinds: ['SUPPLIER'] },
      (rx) => inventoryLevel(rx, args.warehouseId, args.variantId),
      () => {
        throw notFound('Warehouse');
      },
    ),
  stockMovements: (_, args, ctx) =>
    read(
      ctx,
      { permission: 'inventory:read', tenant: 'own', kinds: ['SUPPLIER'] },
      (rx) => stockMovements(rx, args.filter, args),
      () => nothingYet(args, args.filter),
    ),
} satisfies Pick<QueryResolvers, 'inventoryLevels' | 'inventoryLevel' | 'stockMovements'>;

export const inventoryMutations = {
  adjustInventory: (_, { input }, ctx) =>
    supplierPayload('level', async () => {
      await catchUpWithCatalog(ctx, [input.variantId]);
      return write(
        ctx,
        {
          permission: 'inventory:write',
          tenant: 'own',
          kinds: ['SUPPLIER'],
          attempts: ctx.services.config.STOCK_UPDATE_MAX_ATTEMPTS,
        },
        (tx) => adjustInventory(tx, input, actorOf(ctx.principal)),
      );
    }),
  receiveStock: (_, { input }, ctx) =>
    supplierPayload('receipt', async () => {
      await catchUpWithCatalog(
        ctx,
        input.lines.map((l) => l.variantId),
      );
      return write(
        ctx,
        {
          permission: 'inventory:write',
          tenant: 'own',
          kinds: ['SUPPLIER'],
          attempts: ctx.services.config.STOCK_UPDATE_MAX_ATTEMPTS,
        },
        (tx) => receiveStock(tx, input, actorOf(ctx.principal)),
      );
    }),
} satisfies Pick<MutationResolvers, 'adjustInventory' | 'receiveStock'>;

export const InventoryLevel = {
  warehouse: (l, _, ctx) => warehouseOf(ctx, l.warehouseId),
  variant: (l) => ({ id: l.variantId }),
  available: (l) => l.onHand - l.reserved,
} satisfies InventoryLevelResolvers;

export const StockMovement = {
  warehouse: (m, _, ctx) => warehouseOf(ctx, m.warehouseId),
  variant: (m) => ({ id: m.variantId }),
  reservation: (m, _, ctx) => (m.reservationId ? reservationLoader(ctx).load(m.reservationId) : null),
  performedBy: (m) => ({ kind: m.actorKind, id: m.actorId }),
} satisfies StockMovementResolvers;

export const StockReceipt = {
  warehouse: (r, _, ctx) => warehouseOf(ctx, r.warehouseId),
} satisfies StockReceiptResolvers;

export const StockReceiptLine = {
  variant: (l) => ({ id: l.variantId }),
} satisfies StockReceiptLineResolvers;
