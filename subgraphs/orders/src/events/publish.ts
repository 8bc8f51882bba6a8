import type { OrderActor, OrderStatus, PaymentAuthorizationRequestedPayload } from '@tradegraph/contracts';
import type { EntityManager, UnitContext } from '@tradegraph/shared';
import { publish } from '@tradegraph/shared/events';
import type { GroupRecord, LineRecord, OrderRecord } from '../store/orders.ts';

/** Where events go: a unit of work's outbox (`tx.publish`), or an event handler's (`handlerPublisher`). */
export type Publisher = Pick<UnitContext, 'publish'>;

/** The outbox of an event handler's transaction (handlers run outside the unit of work). */
export function handlerPublisher(em: EntityManager, requestId?: string): Publisher {
  const ctx = { source: 'orders', ...(requestId ? { requestId } : {}) };
  return { publish: (type, event) => publish(em, ctx, type, { ...event, orgId: event.orgId ?? null }) };
}

const uniq = (xs: string[]) => [...new Set(xs)];

export function orderPlaced(out: Publisher, o: OrderRecord, lines: LineRecord[], groups: GroupRecord[]) {
  return out.publish('orders.order.placed', {
    aggregateId: o.id,
    orgId: o.retailerId,
    payload: {
      orderId: o.id,
      number: o.number,
      cartId: o.cartId,
      retailerId: o.retailerId,
      storefrontId: o.storefrontId,
      customerId: o.customerId,
      email: o.email,
      currencyCode: o.currencyCode,
      totalMinor: String(o.totalMinor),
      lines: lines.map((l) => ({
        orderLineId: l.id,
        listingId: l.listingId,
        variantId: l.variantId,
        brandId: l.brandId,
        supplierId: l.supplierId,
        groupId: l.groupId,
        quantity: l.quantity,
        unitPriceMinor: String(l.unitPriceMinor),
        wholesaleUnitMinor: String(l.wholesaleUnitMinor),
        title: l.title,
      })),
      groups: groups.map((g) => ({
        groupId: g.id,
        supplierId: g.supplierId,
        orderLineIds: lines.filter((l) => l.groupId === g.id).map((l) => l.id),
      })),
      placedAt: o.createdAt.toISOString(),
    },
  });
}

export function statusChanged(
  out: Publisher,
  o: OrderRecord,
  lines: LineRecord[],
  change: {
    previousStatus: OrderStatus | null;
    status: OrderStatus;
    reason: string | null;
    actor: OrderActor;
    at: Date;
  },
) {
  return out.publish('orders.order.status-changed', {
    aggregateId: o.id,
    orgId: o.retailerId,
    payload: {
      orderId: o.id,
      number: o.number,
      retailerId: o.retailerId,
      customerId: o.customerId,
      brandIds: uniq(lines.map((l) => l.brandId)),
      supplierIds: uniq(lines.map((l) => l.supplierId)),
      previousStatus: change.previousStatus,
      status: change.status,
      reason: change.reason,
      actor: change.actor,
      at: change.at.toISOString(),
    },
  });
}

export function reservationRequested(
  out: Publisher,
  o: OrderRecord,
  g: GroupRecord,
  lines: LineRecord[],
  deadline: Date,
) {
  return out.publish('orders.reservation.requested', {
    aggregateId: g.id,
    orgId: g.supplierId,
    payload: {
      orderId: o.id,
      groupId: g.id,
      supplierId: g.supplierId,
      retailerId: o.retailerId,
      lines: lines
        .filter((l) => l.groupId === g.id)
        .map((l) => ({
          orderLineId: l.id,
          variantId: l.variantId,
          brandId: l.brandId,
          quantity: l.quantity,
        })),
      deadline: deadline.toISOString(),
    },
  });
}

export function releaseRequested(out: Publisher, o: OrderRecord, g: GroupRecord, reason: string) {
  return out.publish('orders.reservation.release-requested', {
    aggregateId: g.id,
    orgId: g.supplierId,
    payload: { orderId: o.id, groupId: g.id, supplierId: g.supplierId, reason },
  });
}

/** The split lines payments computes the money split from (docs/orders.md, Money). */
export function splitOf(lines: LineRecord[]): PaymentAuthorizationRequestedPayload['split'] {
  return lines.map((l) => ({
    orderLineId: l.id,
    supplierId: l.supplierId,
    brandId: l.brandId,
    amountMinor: String(l.unitPriceMinor * l.quantity),
    wholesaleMinor: String(l.wholesaleUnitMinor * l.quantity),
  }));
}

export function authorizationRequested(out: Publisher, o: OrderRecord, lines: LineRecord[], deadline: Date) {
  return out.publish('orders.payment.authorization-requested', {
    aggregateId: o.id,
    orgId: o.retailerId,
    payload: {
      orderId: o.id,
      paymentId: o.paymentId,
      retailerId: o.retailerId,
      amountMinor: String(o.totalMinor),
      currencyCode: o.currencyCode,
      paymentToken: o.paymentToken,
      idempotencyKey: `auth:${o.id}`,
      split: splitOf(lines),
      deadline: deadline.toISOString(),
    },
  });
}

export function captureRequested(out: Publisher, o: OrderRecord) {
  return out.publish('orders.payment.capture-requested', {
    aggregateId: o.id,
    orgId: o.retailerId,
    payload: {
      orderId: o.id,
      paymentId: o.paymentId,
      amountMinor: String(o.totalMinor),
      currencyCode: o.currencyCode,
    },
  });
}

export function voidRequested(out: Publisher, o: OrderRecord, reason: string) {
  return out.publish('orders.payment.void-requested', {
    aggregateId: o.id,
    orgId: o.retailerId,
    payload: { orderId: o.id, paymentId: o.paymentId, reason },
  });
}

export function refundRequested(
  out: Publisher,
  o: OrderRecord,
  refund: {
    id: string;
    amountMinor: number;
    lines: { orderLineId: string; quantity: number; amountMinor: string }[];
    reason: string;
    idempotencyKey: string;
  },
) {
  return out.publish('orders.refund.requested', {
    aggregateId: o.id,
    orgId: o.retailerId,
    payload: {
      orderId: o.id,
      paymentId: o.paymentId,
      refundId: refund.id,
      amountMinor: String(refund.amountMinor),
      currencyCode: o.currencyCode,
      lines: refund.lines,
      reason: refund.reason,
      idempotencyKey: refund.idempotencyKey,
    },
  });
}
