import type {
  FulfillmentRejectedPayload,
  RefundIssuedPayload,
  ShipmentChangedPayload,
} from '@tradegraph/contracts';
import { type EntityManager, supersedes } from '@tradegraph/shared';
import type { Publisher } from '../events/publish.ts';
import type { OrdersServices } from '../services.ts';
import {
  addRefundedQuantity,
  findRefunds,
  findShipments,
  insertSagaLog,
  saveShipment,
  updateRefundStatus,
} from '../store/orders.ts';
import { findOrganizations } from '../store/organizations.ts';
import { runSaga, shipmentTotals } from './saga-runner.ts';

/**
 * The saga's reactions to replies that need more than a saga input: the
 * reason of a rejection (names and quantities), shipments (a projection
 * first), refunds (the refund row first). Each runs in the consumer's
 * transaction.
 */

type Incoming = { type: string; eventId: string };

/** "Harbor Supply Co. has only 3 of Mug" for each short line (the supplier's name once identity announced it). */
export async function rejectionReason(
  em: EntityManager,
  p: FulfillmentRejectedPayload,
  titles: Map<string, string>,
) {
  const [org] = await findOrganizations(em, [p.supplierId]);
  const who = org?.name ?? `Supplier ${p.supplierId}`;
  const short = (Array.isArray(p.lines) ? p.lines : []).map(
    (l) => `${who} has only ${l.available} of ${titles.get(l.orderLineId) ?? l.variantId}`,
  );
  if (short.length) return short.join('; ');
  const why: Record<FulfillmentRejectedPayload['reason'], string> = {
    OUT_OF_STOCK: 'is out of stock',
    NOT_OFFERED: 'no longer offers a product',
    NOT_CONNECTED: 'may no longer fulfil the brand',
    INVALID: 'refused the reservation',
  };
  return `${who} ${why[p.reason] ?? 'refused the reservation'}`;
}

export function onRejected(
  em: EntityManager,
  out: Publisher,
  services: OrdersServices,
  p: FulfillmentRejectedPayload,
  incoming: Incoming,
) {
  return runSaga(
    em,
    out,
    services,
    p.orderId,
    async (lines) => ({
      kind: 'rejected',
      groupId: p.groupId,
      reason: await rejectionReason(em, p, new Map(lines.map((l) => [l.id, l.title]))),
    }),
    { incoming },
  );
}

const SHIPMENT_RANK = { CREATED: 0, SHIPPED: 1, DELIVERED: 2 } as const;

/** Records the shipment (newest state wins, kernel `supersedes`), then moves the order's fulfilment status. */
export async function onShipment(
  em: EntityManager,
  out: Publisher,
  services: OrdersServices,
  p: ShipmentChangedPayload,
  incoming: Incoming,
) {
  const stored = (await findShipments(em, p.orderId)).find((s) => s.shipmentId === p.shipmentId) ?? null;
  const rank = stored
    ? { stored: SHIPMENT_RANK[stored.status], incoming: SHIPMENT_RANK[p.status] ?? 0 }
    : undefined;
  if (!supersedes(stored, p.at, rank)) {
    await insertSagaLog(em, {
      orderId: p.orderId,
      at: new Date(),
      direction: 'IN',
      type: incoming.type,
      eventId: incoming.eventId,
      note: 'ignored: older shipment state',
    });
    return;
  }
  await saveShipment(em, {
    shipmentId: p.shipmentId,
    orderId: p.orderId,
    groupId: p.groupId,
    status: p.status,
    lines: Array.isArray(p.lines) ? p.lines : [],
    eventAt: new Date(p.at),
  });
  await runSaga(
    em,
    out,
    services,
    p.orderId,
    async (lines) => ({ kind: 'shipments', lines: await shipmentTotals(em, p.orderId, lines) }),
    {
      incoming,
    },
  );
}

/** A refund was paid: the refund row, the lines' refunded units, then the order's status. */
export async function onRefundIssued(
  em: EntityManager,
  out: Publisher,
  services: OrdersServices,
  p: RefundIssuedPayload,
  incoming: Incoming,
) {
  const [refund] = await findRefunds(em, { orderId: p.orderId, id: p.refundId });
  if (!refund || refund.status !== 'REQUESTED') {
    await insertSagaLog(em, {
      orderId: p.orderId,
      at: new Date(),
      direction: 'IN',
      type: incoming.type,
      eventId: incoming.eventId,
      note: 'ignored: refund not awaited',
    });
    return;
  }
  await updateRefundStatus(em, refund.id, 'ISSUED');
  const cancel = refund.idempotencyKey.startsWith('cancel:');
  if (!cancel) for (const l of refund.lines) await addRefundedQuantity(em, l.orderLineId, l.quantity);
  await runSaga(
    em,
    out,
    services,
    p.orderId,
    (lines) => ({
      kind: 'refund-issued',
      cancel,
      reason: refund.reason,
      lines: lines.map((l) => ({ quantity: l.quantity, refunded: l.refundedQuantity })),
    }),
    { incoming },
  );
}

export async function onRefundFailed(
  em: EntityManager,
  orderId: string,
  refundId: string,
  reason: string,
  incoming: Incoming,
) {
  const [refund] = await findRefunds(em, { orderId, id: refundId });
  if (refund?.status === 'REQUESTED') await updateRefundStatus(em, refund.id, 'FAILED');
  await insertSagaLog(em, {
    orderId,
    at: new Date(),
    direction: 'IN',
    type: incoming.type,
    eventId: incoming.eventId,
    note: `refund failed: ${reason}`,
  });
}
