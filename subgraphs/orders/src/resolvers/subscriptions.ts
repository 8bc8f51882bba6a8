import { forbidden, liveResumeOf, notFound, read } from '@tradegraph/shared';
import { statusChangeFilter } from '../domain/live.ts';
import { findOrderView } from '../domain/orders.ts';
import type { SubscriptionResolvers } from '../generated/resolvers.ts';
import type { OrdersContext, StatusChangeEntry } from '../services.ts';

const PUBLIC = { permission: 'public', tenant: 'service' } as const;

/**
 * `orderStatusChanged`: the subscriber's filter is decided once (an `orderId`
 * must be visible to it now); each event is then shaped with a fresh context
 * (the live server's), so `order` is read as the subscriber may see it.
 */
export const subscriptionResolvers = {
  orderStatusChanged: {
    subscribe: async (_, { orderId, accessToken }, ctx) => {
      if (orderId) {
        const view = await read(ctx, PUBLIC, (rx) => findOrderView(rx, orderId, accessToken));
        if (!view) throw notFound('Order');
      }
      const accepts = statusChangeFilter(ctx.principal, orderId ?? null);
      if (!accepts)
        throw forbidden('Only a retailer, supplier, brand or customer may follow every order it sees');
      return ctx.services.live.subscribe(accepts, liveResumeOf(ctx));
    },
    resolve: async (
      entry: StatusChangeEntry,
      { accessToken }: { accessToken?: string | null },
      ctx: OrdersContext,
    ) => {
      const e = entry.event;
      const order = await read(ctx, PUBLIC, (rx) => findOrderView(rx, e.orderId, accessToken));
      if (!order) throw notFound('Order');
      return { order, previousStatus: e.previousStatus, status: e.status, at: e.at, reason: e.reason };
    },
  },
} satisfies SubscriptionResolvers;
