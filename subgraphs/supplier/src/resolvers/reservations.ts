import { notFound, read, write } from '@tradegraph/shared';
import { supplierPayload } from '../domain/errors.ts';
import { commit, extend, listReservations, release, reservation, reserve } from '../domain/reservations.ts';
import { nothingYet } from '../domain/validation.ts';
import { warehouseOf } from '../domain/warehouses.ts';
import type { MutationResolvers, QueryResolvers, ReservationResolvers } from '../generated/resolvers.ts';
import { actorOf } from '../services.ts';

export const reservationQueries = {
  reservations: (_, args, ctx) =>
    read(
      ctx,
      { permission: 'inventory:read', tenant: 'own', kinds: ['SUPPLIER'] },
      (rx) => listReservations(rx, args.filter, args),
      () => nothingYet(args, args.filter),
    ),
  reservation: (_, { id }, ctx) =>
    read(
      ctx,
      { permission: 'inventory:read', tenant: 'own', kinds: ['SUPPLIER'] },
      (rx) => reservation(rx, id),
      () => {
        throw notFound('Reservation');
      },
    ),
} satisfies Pick<QueryResolvers, 'reservations' | 'reservation'>;

export const reservationMutations = {
  reserveStock: (_, { input }, ctx) =>
    supplierPayload('reservation', () =>
      write(
        ctx,
        {
          permission: 'inventory:write',
          tenant: 'own',
          kinds: ['SUPPLIER'],
          // stock writes lose optimistic races under load: the unit runs again on a fresh snapshot
          attempts: ctx.services.config.STOCK_UPDATE_MAX_ATTEMPTS,
        },
        (tx) => reserve(tx, input, actorOf(ctx.principal)),
      ),
    ),
  extendReservation: (_, { input }, ctx) =>
    supplierPayload('reservation', () =>
      write(
        ctx,
        {
          permission: 'inventory:write',
          tenant: 'own',
          kinds: ['SUPPLIER'],
          // stock writes lose optimistic races under load: the unit runs again on a fresh snapshot
          attempts: ctx.services.config.STOCK_UPDATE_MAX_ATTEMPTS,
        },
        (tx) => extend(tx, input.id, input.ttlSeconds),
      ),
    ),
  releaseReservation: (_, { input }, ctx) =>
    supplierPayload('reservation', () =>
      write(
        ctx,
        {
          permission: 'inventory:write',
          tenant: 'own',
          kinds: ['SUPPLIER'],
          // stock writes lose optimistic races under load: the unit runs again on a fresh snapshot
          attempts: ctx.services.config.STOCK_UPDATE_MAX_ATTEMPTS,
        },
        (tx) => release(tx, input.id, actorOf(ctx.principal)),
      ),
    ),
  commitReservation: (_, { input }, ctx) =>
    supplierPayload('reservation', () =>
      write(
        ctx,
        {
          permission: 'inventory:write',
          tenant: 'own',
          kinds: ['SUPPLIER'],
          // stock writes lose optimistic races under load: the unit runs again on a fresh snapshot
          attempts: ctx.services.config.STOCK_UPDATE_MAX_ATTEMPTS,
        },
        (tx) => commit(tx, input.id, actorOf(ctx.principal)),
      ),
    ),
} satisfies Pick<
  MutationResolvers,
  'reserveStock' | 'extendReservation' | 'releaseReservation' | 'commitReservation'
>;

export const Reservation = {
  warehouse: (r, _, ctx) => warehouseOf(ctx, r.warehouseId),
  variant: (r) => ({ id: r.variantId }),
} satisfies ReservationResolvers;
