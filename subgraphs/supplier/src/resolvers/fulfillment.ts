import { hasPermission, onTenant, type Permission, read, write } from '@tradegraph/shared';
import { supplierPayload } from '../domain/errors.ts';
import {
  createShipment,
  fulfillmentGroups,
  groupLinesLoader,
  groupLoader,
  groupShipmentsLoader,
  markDelivered,
  markShipped,
  ownGroup,
  shipmentLinesLoader,
} from '../domain/shipments.ts';
import { nothingYet } from '../domain/validation.ts';
import type {
  FulfillmentGroupLineResolvers,
  FulfillmentGroupResolvers,
  MutationResolvers,
  QueryResolvers,
  ShipmentResolvers,
} from '../generated/resolvers.ts';
import { actorOf, type SupplierContext } from '../services.ts';

/** The queue is for a supplier's people who see stock or orders. */
const readPermission = (ctx: SupplierContext): Permission =>
  hasPermission(ctx.principal, 'inventory:read') ? 'inventory:read' : 'orders:read';

/** Shipments are order work: a supplier member or API key with orders:manage. */
const shipping = (ctx: SupplierContext) =>
  ({
    permission: 'orders:manage',
    tenant: 'own',
    kinds: ['SUPPLIER'],
    // committing reservations loses optimistic stock races under load: the unit runs again
    attempts: ctx.services.config.STOCK_UPDATE_MAX_ATTEMPTS,
  }) as const;

export const fulfillmentQueries = {
  fulfillmentGroups: (_, args, ctx) =>
    read(
      ctx,
      { permission: readPermission(ctx), tenant: 'own', kinds: ['SUPPLIER'] },
      (rx) => fulfillmentGroups(rx, args.filter, args),
      () => nothingYet(args),
    ),
} satisfies Pick<QueryResolvers, 'fulfillmentGroups'>;

export const fulfillmentMutations = {
  createShipment: (_, { input }, ctx) =>
    supplierPayload('shipment', () => write(ctx, shipping(ctx), (tx) => createShipment(tx, input))),
  markShipmentShipped: (_, { input }, ctx) =>
    supplierPayload('shipment', () =>
      write(ctx, shipping(ctx), (tx) => markShipped(tx, input.shipmentId, actorOf(ctx.principal))),
    ),
  markShipmentDelivered: (_, { input }, ctx) =>
    supplierPayload('shipment', () => write(ctx, shipping(ctx), (tx) => markDelivered(tx, input.shipmentId))),
} satisfies Pick<MutationResolvers, 'createShipment' | 'markShipmentShipped' | 'markShipmentDelivered'>;

export const FulfillmentGroup = {
  // another subgraph's reference: only the supplier the group is routed to resolves it
  __resolveReference: (ref, ctx) => {
    if (!hasPermission(ctx.principal, 'inventory:read') && !hasPermission(ctx.principal, 'orders:read'))
      return null;
    return read(
      ctx,
      { permission: readPermission(ctx), tenant: 'own', kinds: ['SUPPLIER'] },
      (rx) => ownGroup(rx, ref.id),
      () => null,
    );
  },
  order: (g) => ({ id: g.orderId }),
  lines: (g, _, ctx) => groupLinesLoader(onTenant(ctx, g.tenant)).load(g.id),
  shipments: (g, _, ctx) => groupShipmentsLoader(onTenant(ctx, g.tenant)).load(g.id),
} satisfies FulfillmentGroupResolvers;

export const FulfillmentGroupLine = {
  variant: (l) => ({ id: l.variantId }),
} satisfies FulfillmentGroupLineResolvers;

export const Shipment = {
  lines: (s, _, ctx) => shipmentLinesLoader(onTenant(ctx, s.tenant)).load(s.id),
  fulfillmentGroup: (s, _, ctx) => groupLoader(onTenant(ctx, s.tenant)).load(s.groupId),
} satisfies ShipmentResolvers;
