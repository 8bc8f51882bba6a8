import { fromMinorUnits, payload, read, write } from '@tradegraph/shared';
import { cancelOrder, refundOrder } from '../domain/cancel.ts';
import { checkout } from '../domain/checkout.ts';
import {
  currencyOf,
  findOrderView,
  historyOf,
  listOrderViews,
  shipped,
  viewGroups,
  viewLines,
} from '../domain/orders.ts';
import type {
  MutationResolvers,
  OrderFulfillmentGroupResolvers,
  OrderLineResolvers,
  OrderRefundResolvers,
  OrderResolvers,
  OrderStatusEntryResolvers,
  QueryResolvers,
} from '../generated/resolvers.ts';

const PUBLIC = { permission: 'public', tenant: 'service' } as const;

export const orderQueries = {
  order: (_, { id, accessToken }, ctx) => read(ctx, PUBLIC, (rx) => findOrderView(rx, id, accessToken)),
  orders: (_, { filter, first, after }, ctx) =>
    read(ctx, PUBLIC, (rx) => listOrderViews(rx, { first, after, status: filter?.status ?? null })),
} satisfies Pick<QueryResolvers, 'order' | 'orders'>;

export const orderMutations = {
  checkout: async (_, { input }, ctx) => {
    const res = await payload('result', () => checkout(ctx, input));
    return {
      order: res.result?.order ?? null,
      orderAccessToken: res.result?.orderAccessToken ?? null,
      userErrors: res.userErrors,
    };
  },
  cancelOrder: (_, { input }, ctx) =>
    payload('order', () => write(ctx, { ...PUBLIC, attempts: 5 }, (tx) => cancelOrder(tx, input))),
  refundOrder: async (_, { input }, ctx) => {
    const res = await payload('result', () =>
      write(ctx, { permission: 'orders:manage', tenant: 'service', kinds: ['RETAILER'], attempts: 5 }, (tx) =>
        refundOrder(tx, input),
      ),
    );
    return {
      order: res.result?.order ?? null,
      refund: res.result?.refund ?? null,
      userErrors: res.userErrors,
    };
  },
} satisfies Pick<MutationResolvers, 'checkout' | 'cancelOrder' | 'refundOrder'>;

const showAll = (v: { scope: { kind: string } }) => v.scope.kind === 'all';

export const orderResolvers = {
  __resolveReference: (ref, ctx) => read(ctx, PUBLIC, (rx) => findOrderView(rx, ref.id)),
  id: (v) => v.order.id,
  number: (v) => v.order.number,
  status: (v) => v.order.status,
  statusReason: (v) => v.order.statusReason,
  currencyCode: (v) => v.order.currencyCode,
  createdAt: (v) => v.order.createdAt,
  total: async (v, _, ctx) => {
    if (showAll(v)) return fromMinorUnits(v.order.totalMinor, v.order.currencyCode);
    const lines = await viewLines(ctx, v);
    return fromMinorUnits(
      lines.reduce((n, l) => n + l.unitPriceMinor * l.quantity, 0),
      v.order.currencyCode,
    );
  },
  lines: (v, _, ctx) => viewLines(ctx, v),
  groups: async (v, _, ctx) => (await viewGroups(ctx, v)).map((group) => ({ group, view: v })),
  retailer: (v) => ({ id: v.order.retailerId }),
  email: (v) => (showAll(v) ? v.order.email : null),
  customerId: (v) => (showAll(v) ? v.order.customerId : null),
  shippingAddress: (v) => (v.scope.kind === 'brand' ? null : v.order.shippingAddress),
  statusHistory: (v, _, ctx) => historyOf(ctx, v.order.id),
} satisfies OrderResolvers;

export const orderLineResolvers = {
  variant: (l) => ({ id: l.variantId }),
  brand: (l) => ({ id: l.brandId }),
  supplier: (l) => ({ id: l.supplierId }),
  fulfillmentGroupId: (l) => l.groupId,
  unitPrice: async (l, _, ctx) => fromMinorUnits(l.unitPriceMinor, await currencyOf(ctx, l.orderId)),
  total: async (l, _, ctx) => fromMinorUnits(l.unitPriceMinor * l.quantity, await currencyOf(ctx, l.orderId)),
  shippedQuantity: async (l, _, ctx) => (await shipped(ctx, l.orderId, l.id)).shipped,
  deliveredQuantity: async (l, _, ctx) => (await shipped(ctx, l.orderId, l.id)).delivered,
  refundedQuantity: (l) => l.refundedQuantity,
} satisfies OrderLineResolvers;

export const groupResolvers = {
  id: (g) => g.group.id,
  supplier: (g) => ({ id: g.group.supplierId }),
  reservationStatus: (g) => g.group.reservationStatus,
  lines: async (g, _, ctx) => (await viewLines(ctx, g.view)).filter((l) => l.groupId === g.group.id),
} satisfies OrderFulfillmentGroupResolvers;

export const historyResolvers = {
  actor: (h) => h.actor,
} satisfies OrderStatusEntryResolvers;

export const refundResolvers = {
  amount: async (r, _, ctx) => fromMinorUnits(r.amountMinor, await currencyOf(ctx, r.orderId)),
} satisfies OrderRefundResolvers;
