import type { OrderStatus } from '@tradegraph/contracts';
import { type PageArgs, pageArgs, type ServiceContext, toConnection } from '@tradegraph/shared';
import {
  countOrders,
  findGroups,
  findHistory,
  findLines,
  findOrders,
  findShipments,
  type GroupRecord,
  type HistoryRecord,
  type LineRecord,
  listOrders,
  type OrderRecord,
} from '../store/orders.ts';
import { listScopeOf, type OrderView, scopeOf, visibleLines } from './access.ts';

/** Reads of orders, each batched per request and filtered by what the caller may see (access.ts). */

function orderLoader(ctx: ServiceContext<unknown>) {
  return ctx.loaders.get<string, OrderRecord | null>('orders', async (ids) => {
    const found = new Map((await findOrders(ctx.em, ids)).map((o) => [o.id, o]));
    return ids.map((id) => found.get(id) ?? null);
  });
}

export function linesOf(ctx: ServiceContext<unknown>, orderId: string): Promise<LineRecord[]> {
  return ctx.loaders
    .get<string, LineRecord[]>('order-lines', async (ids) => {
      const all = await findLines(ctx.em, ids);
      return ids.map((id) => all.filter((l) => l.orderId === id));
    })
    .load(orderId);
}

export function groupsOf(ctx: ServiceContext<unknown>, orderId: string): Promise<GroupRecord[]> {
  return ctx.loaders
    .get<string, GroupRecord[]>('order-groups', async (ids) => {
      const all = await findGroups(ctx.em, ids);
      return ids.map((id) => all.filter((g) => g.orderId === id));
    })
    .load(orderId);
}

export function historyOf(ctx: ServiceContext<unknown>, orderId: string): Promise<HistoryRecord[]> {
  return ctx.loaders
    .get<string, HistoryRecord[]>('order-history', async (ids) => {
      const all = await findHistory(ctx.em, ids);
      return ids.map((id) => all.filter((h) => h.orderId === id));
    })
    .load(orderId);
}

/** The order as the caller may see it; null when it does not exist or the caller may not (the same answer). */
export async function findOrderView(
  ctx: ServiceContext<unknown>,
  id: string,
  accessToken?: string | null,
): Promise<OrderView | null> {
  if (typeof id !== 'string' || !/^ord_[0-9A-Za-z]{1,80}$/.test(id)) return null;
  const order = await orderLoader(ctx).load(id);
  if (!order) return null;
  const scope = scopeOf(ctx.principal, order, await linesOf(ctx, id), accessToken);
  return scope ? { order, scope } : null;
}

/** The lines of a view (only the viewer's). */
export async function viewLines(ctx: ServiceContext<unknown>, v: OrderView): Promise<LineRecord[]> {
  return visibleLines(await linesOf(ctx, v.order.id), v.scope);
}

export async function viewGroups(ctx: ServiceContext<unknown>, v: OrderView): Promise<GroupRecord[]> {
  const groups = await groupsOf(ctx, v.order.id);
  const lines = await viewLines(ctx, v);
  return groups.filter((g) => lines.some((l) => l.groupId === g.id));
}

/** A page of the orders the caller may see, newest first (empty for anyone who sees none). */
export async function listOrderViews(
  ctx: ServiceContext<unknown>,
  args: PageArgs & { status?: OrderStatus | null },
) {
  const page = pageArgs<[string, string]>(args);
  const scope = listScopeOf(ctx.principal);
  const found = scope ? await listOrders(ctx.em, scope, args.status ?? null, page.after, page.limit) : [];
  const views: OrderView[] = found.map((order) => ({
    order,
    scope:
      scope?.by === 'supplier'
        ? { kind: 'supplier', id: scope.id }
        : scope?.by === 'brand'
          ? { kind: 'brand', id: scope.id }
          : { kind: 'all' },
  }));
  return toConnection(
    views,
    page,
    (v) => [v.order.createdAt.toISOString(), v.order.id],
    () => (scope ? countOrders(ctx.em, scope, args.status ?? null) : Promise.resolve(0)),
  );
}

/** The currency of an order (its lines' amounts are in it). */
export async function currencyOf(ctx: ServiceContext<unknown>, orderId: string): Promise<string> {
  return (await orderLoader(ctx).load(orderId))?.currencyCode ?? 'EUR';
}

/** Units of a line shipped and delivered so far (one read of the order's shipments per request). */
export async function shipped(ctx: ServiceContext<unknown>, orderId: string, lineId: string) {
  const shipments = await ctx.loaders
    .get<string, Awaited<ReturnType<typeof findShipments>>>('order-shipments', (ids) =>
      Promise.all(ids.map((id) => findShipments(ctx.em, id, false))),
    )
    .load(orderId);
  let s = 0;
  let d = 0;
  for (const sh of shipments) {
    if (sh.status === 'CREATED') continue;
    const q = sh.lines.filter((l) => l.orderLineId === lineId).reduce((n, l) => n + l.quantity, 0);
    s += q;
    if (sh.status === 'DELIVERED') d += q;
  }
  return { shipped: s, delivered: d };
}
