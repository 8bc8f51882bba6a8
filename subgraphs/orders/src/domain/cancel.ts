import { hasPermission, newId, type UnitContext } from '@tradegraph/shared';
import { refundRequested } from '../events/publish.ts';
import type { OrdersServices } from '../services.ts';
import { findLines, findOrder, findRefunds, insertRefund, insertSagaLog } from '../store/orders.ts';
import { actorOf, type OrderView, tokenMatches } from './access.ts';
import { fail } from './errors.ts';
import { runSaga } from './saga-runner.ts';

const MAX_REASON = 500;

function reasonOf(raw: string): string {
  const reason = raw.trim();
  if (!reason) fail('REQUIRED', 'A reason is required', 'reason');
  if (reason.length > MAX_REASON)
    fail('TOO_LONG', `The reason may have at most ${MAX_REASON} characters`, 'reason');
  return reason;
}

/**
 * Cancels an order before anything shipped (saga `cancel`: reservations
 * released, payment voided or refunded). The retailer with orders:manage,
 * the customer who placed it, or a guest with its access token.
 */
export async function cancelOrder(
  tx: UnitContext<OrdersServices>,
  input: { orderId: string; reason: string; accessToken?: string | null },
): Promise<OrderView> {
  const reason = reasonOf(input.reason);
  const order = await findOrder(tx.em, input.orderId, true);
  const p = tx.principal;
  const allowed =
    !!order &&
    ((p.kind !== 'customer' &&
      (p.kind === 'user' || p.kind === 'apiKey') &&
      p.organizationId === order.retailerId &&
      hasPermission(p, 'orders:manage')) ||
      (p.kind === 'customer' && order.customerId === p.customerId) ||
      (!!input.accessToken && tokenMatches(order.accessTokenHash, input.accessToken)));
  if (!allowed) fail('NOT_FOUND', 'Order not found', 'orderId');
  const run = await runSaga(
    tx.em,
    tx,
    tx.services,
    order!.id,
    { kind: 'cancel', reason },
    { actor: actorOf(p) },
  );
  if (!run?.plan.applied)
    fail('NOT_CANCELLABLE', `The order is ${order!.status} and can no longer be cancelled`, 'orderId');
  return { order: { ...order!, status: 'CANCELLED', statusReason: reason }, scope: { kind: 'all' } };
}

const PAID = ['CONFIRMED', 'PARTIALLY_SHIPPED', 'SHIPPED', 'DELIVERED', 'PARTIALLY_REFUNDED'];

/**
 * Asks payments to refund lines of a paid order (orders.refund.requested);
 * the order's status moves when payments answers refund.issued. The same key
 * for the same order returns the refund already requested.
 */
export async function refundOrder(
  tx: UnitContext<OrdersServices>,
  input: {
    orderId: string;
    lines?: readonly { orderLineId: string; quantity: number }[] | null;
    reason: string;
    idempotencyKey: string;
  },
) {
  const reason = reasonOf(input.reason);
  const key = input.idempotencyKey.trim();
  if (!key) fail('REQUIRED', 'An idempotency key is required', 'idempotencyKey');
  if (key.length > 100)
    fail('TOO_LONG', 'The idempotency key may have at most 100 characters', 'idempotencyKey');
  const order = await findOrder(tx.em, input.orderId, true);
  if (!order || order.retailerId !== tx.actor!.organizationId)
    fail('NOT_FOUND', 'Order not found', 'orderId');
  const o = order!;
  const view: OrderView = { order: o, scope: { kind: 'all' } };
  const [existing] = await findRefunds(tx.em, { orderId: o.id, idempotencyKey: key });
  if (existing) return { order: view, refund: existing };
  if (!PAID.includes(o.status))
    fail('NOT_REFUNDABLE', `The order is ${o.status}; only paid orders can be refunded`, 'orderId');
  const lines = await findLines(tx.em, [o.id]);
  // units asked for refund but not yet issued count as taken
  const pending = (await findRefunds(tx.em, { orderId: o.id })).filter((r) => r.status === 'REQUESTED');
  const taken = new Map<string, number>();
  for (const r of pending)
    for (const l of r.lines) taken.set(l.orderLineId, (taken.get(l.orderLineId) ?? 0) + l.quantity);
  const left = (lineId: string) => {
    const l = lines.find((x) => x.id === lineId)!;
    return l.quantity - l.refundedQuantity - (taken.get(lineId) ?? 0);
  };
  const asked = input.lines?.length
    ? input.lines
    : lines.map((l) => ({ orderLineId: l.id, quantity: left(l.id) })).filter((l) => l.quantity > 0);
  if (!asked.length) fail('NOT_REFUNDABLE', 'Everything is already refunded', 'lines');
  const refundLines = asked.map((a, i) => {
    const line = lines.find((l) => l.id === a.orderLineId);
    if (!line) fail('NOT_FOUND', 'Order line not found', ['lines', String(i)]);
    if (!Number.isInteger(a.quantity) || a.quantity < 1)
      fail('INVALID', 'Quantities must be positive', ['lines', String(i)]);
    if (a.quantity > left(a.orderLineId))
      fail('NOT_REFUNDABLE', `Only ${left(a.orderLineId)} of ${line!.title} can be refunded`, [
        'lines',
        String(i),
      ]);
    return {
      orderLineId: a.orderLineId,
      quantity: a.quantity,
      amountMinor: String(a.quantity * line!.unitPriceMinor),
    };
  });
  const refund = {
    id: newId('rfd'),
    orderId: o.id,
    idempotencyKey: key,
    amountMinor: refundLines.reduce((n, l) => n + Number(l.amountMinor), 0),
    lines: refundLines,
    status: 'REQUESTED' as const,
    reason,
    createdAt: new Date(),
  };
  await insertRefund(tx.em, refund);
  const e = refundRequested(tx, o, refund);
  await insertSagaLog(tx.em, {
    orderId: o.id,
    at: refund.createdAt,
    direction: 'OUT',
    type: e.type,
    eventId: e.id,
    note: reason,
  });
  return { order: view, refund };
}
