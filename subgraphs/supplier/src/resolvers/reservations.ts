import { payload } from '@tradegraph/shared';
import type { SupplierContext } from '../context.ts';
import {
  commitReservation,
  extendReservation,
  findReservation,
  listReservations,
  releaseReservation,
  reserveStock,
} from '../domain/reservations.ts';
import { warehouseLoader } from '../domain/warehouses.ts';
import type { Reservation } from '../entities/index.ts';

export const reservationQueries = {
  reservations: (
    _: unknown,
    args: { filter?: Parameters<typeof listReservations>[1]; first?: number; after?: string },
    ctx: SupplierContext,
  ) => listReservations(ctx, args.filter, args),
  reservation: (_: unknown, { id }: { id: string }, ctx: SupplierContext) => findReservation(ctx, id),
};

export const reservationMutations = {
  reserveStock: (
    _: unknown,
    { input }: { input: Parameters<typeof reserveStock>[1] },
    ctx: SupplierContext,
  ) => payload('reservation', () => reserveStock(ctx, input)),
  extendReservation: (
    _: unknown,
    { input }: { input: Parameters<typeof extendReservation>[1] },
    ctx: SupplierContext,
  ) => payload('reservation', () => extendReservation(ctx, input)),
  releaseReservation: (_: unknown, { input }: { input: { id: string } }, ctx: SupplierContext) =>
    payload('reservation', () => releaseReservation(ctx, input)),
  commitReservation: (_: unknown, { input }: { input: { id: string } }, ctx: SupplierContext) =>
    payload('reservation', () => commitReservation(ctx, input)),
};

export const reservationTypes = {
  Reservation: {
    warehouse: (r: Reservation, _: unknown, ctx: SupplierContext) => warehouseLoader(ctx).load(r.warehouseId),
    variant: (r: Reservation) => ({ id: r.variantId }),
  },
};
