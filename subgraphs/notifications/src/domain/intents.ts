/**
 * What each consumed event means for notifications: its kind, the data its
 * templates may show (built from the payload and the projections of names,
 * nothing else) and who it concerns. Returns null when the event is not
 * worth a notification (an order status nobody is told about).
 */
import type {
  ConnectionEventPayload,
  EmailVerificationRequestedPayload,
  InvitationCreatedPayload,
  OrderPlacedPayload,
  OrderStatusChangedPayload,
  PasswordResetRequestedPayload,
  PaymentFailedPayload,
  RefundIssuedPayload,
  StockChangedPayload,
} from '@tradegraph/contracts';
import { fromMinorUnits } from '@tradegraph/shared';
import type { NotificationsContext } from '../services.ts';
import {
  findOrder,
  findOrganization,
  insertOrder,
  type OrderRecord,
  recordStockLevel,
} from '../store/projections.ts';
import { findOrganizationSettings } from '../store/settings.ts';
import type { NotificationEventType } from './catalogue.ts';
import type { Audience, Intent } from './dispatch.ts';

const money = (minor: bigint | string, currencyCode: string) => {
  const m = fromMinorUnits(BigInt(minor), currencyCode);
  return `${m.amount} ${m.currencyCode}`;
};

async function organizationName(ctx: NotificationsContext, id: string): Promise<string> {
  return (await findOrganization(ctx.em, id))?.name ?? 'a partner';
}

/** The shopper of an order: the customer account (its projected email), else the checkout email. */
function shopper(order: Pick<OrderRecord, 'id' | 'customerId' | 'email'>): Audience[] {
  if (order.customerId)
    return [
      { kind: 'account', accountId: order.customerId, organizationId: null, fallbackEmail: order.email },
    ];
  return order.email ? [{ kind: 'email', email: order.email }] : [];
}

/** The checkout email, if the producer's event carries one (orders.order.placed does not yet: docs/notifications.md). */
function checkoutEmail(payload: OrderPlacedPayload): string | null {
  return payload.email ?? null;
}

/** Records the order's facts (later events name only the order) and tells the shopper and the retailer. */
export async function orderPlaced(ctx: NotificationsContext, p: OrderPlacedPayload): Promise<Intent> {
  const order: OrderRecord = {
    id: p.orderId,
    number: p.number,
    retailerId: p.retailerId,
    customerId: p.customerId,
    email: checkoutEmail(p),
    currencyCode: p.currencyCode,
    totalMinor: BigInt(p.totalMinor),
  };
  await insertOrder(ctx.em, order);
  return {
    eventType: 'ORDER_PLACED',
    data: {
      order: {
        id: p.orderId,
        number: p.number,
        total: money(p.totalMinor, p.currencyCode),
        lines: String(p.lines.length),
      },
      retailer: { name: await organizationName(ctx, p.retailerId) },
    },
    audiences: [...shopper(order), { kind: 'organization', organizationId: p.retailerId }],
  };
}

const STATUS_EVENTS: Partial<Record<OrderStatusChangedPayload['status'], NotificationEventType>> = {
  CONFIRMED: 'ORDER_CONFIRMED',
  SHIPPED: 'ORDER_SHIPPED',
  DELIVERED: 'ORDER_DELIVERED',
  CANCELLED: 'ORDER_CANCELLED',
};

export async function orderStatusChanged(
  ctx: NotificationsContext,
  p: OrderStatusChangedPayload,
): Promise<Intent | null> {
  const eventType = STATUS_EVENTS[p.status];
  if (!eventType) return null;
  const order = await findOrder(ctx.em, p.orderId);
  const audiences = shopper({ id: p.orderId, customerId: p.customerId, email: order?.email ?? null });
  // the retailer hears of cancellations; the other steps are the shopper's news
  if (eventType === 'ORDER_CANCELLED') audiences.push({ kind: 'organization', organizationId: p.retailerId });
  return {
    eventType,
    data: {
      order: {
        id: p.orderId,
        number: p.number,
        status: p.status,
        reason: p.reason ?? '',
        total: order ? money(order.totalMinor, order.currencyCode) : '',
      },
      retailer: { name: await organizationName(ctx, p.retailerId) },
    },
    audiences,
  };
}

/** The order an event of payments names; thrown when not projected yet, so the consumer retries later. */
async function requireOrder(ctx: NotificationsContext, orderId: string): Promise<OrderRecord> {
  const order = await findOrder(ctx.em, orderId);
  if (!order) throw new Error(`order ${orderId} is not known yet (orders.order.placed not applied)`);
  return order;
}

export async function paymentFailed(ctx: NotificationsContext, p: PaymentFailedPayload): Promise<Intent> {
  const order = await requireOrder(ctx, p.orderId);
  return {
    eventType: 'PAYMENT_FAILED',
    data: {
      order: { id: order.id, number: order.number, total: money(order.totalMinor, order.currencyCode) },
      payment: { reason: p.reason, message: p.message },
    },
    audiences: [...shopper(order), { kind: 'organization', organizationId: order.retailerId }],
  };
}

export async function refundIssued(ctx: NotificationsContext, p: RefundIssuedPayload): Promise<Intent> {
  const order = await requireOrder(ctx, p.orderId);
  return {
    eventType: 'REFUND_ISSUED',
    data: {
      order: { id: order.id, number: order.number },
      refund: { amount: money(p.amountMinor, p.currencyCode) },
    },
    audiences: shopper(order),
  };
}

export async function invitationCreated(
  ctx: NotificationsContext,
  p: InvitationCreatedPayload,
): Promise<Intent> {
  return {
    eventType: 'INVITATION_CREATED',
    data: {
      organization: { name: await organizationName(ctx, p.organizationId) },
      invitation: { role: p.role, email: p.email, expiresAt: p.expiresAt },
      links: { app: ctx.services.config.NOTIFICATIONS_APP_URL },
    },
    audiences: [{ kind: 'email', email: p.email }],
  };
}

export async function connectionChanged(
  ctx: NotificationsContext,
  eventType: 'CONNECTION_REQUESTED' | 'CONNECTION_ACCEPTED',
  p: ConnectionEventPayload,
): Promise<Intent> {
  return {
    eventType,
    data: {
      requester: {
        id: p.requesterId,
        name: await organizationName(ctx, p.requesterId),
        kind: p.requesterKind,
      },
      partner: { id: p.partnerId, name: await organizationName(ctx, p.partnerId), kind: p.partnerKind },
      connection: { id: p.connectionId, scopes: p.scopes.join(', ') },
    },
    // a request is news for the partner; an acceptance for the requester
    audiences: [
      {
        kind: 'organization',
        organizationId: eventType === 'CONNECTION_REQUESTED' ? p.partnerId : p.requesterId,
      },
    ],
  };
}

/** Whether stock is low: available over all warehouses at or below the threshold (pure). */
export const isLowStock = (totalAvailable: number, threshold: number) => totalAvailable <= threshold;

/** LOW_STOCK once when a variant's total crosses to or below the supplier's threshold; again only after it recovered. */
export async function stockChanged(
  ctx: NotificationsContext,
  p: StockChangedPayload,
): Promise<Intent | null> {
  const settings = await findOrganizationSettings(ctx.em, p.supplierId);
  const threshold = settings.lowStockThreshold ?? ctx.services.config.NOTIFICATIONS_LOW_STOCK_THRESHOLD;
  const low = isLowStock(p.totalAvailable, threshold);
  const wasLow = await recordStockLevel(ctx.em, {
    supplierId: p.supplierId,
    variantId: p.variantId,
    totalAvailable: p.totalAvailable,
    low,
  });
  if (!low || wasLow === true) return null;
  return {
    eventType: 'LOW_STOCK',
    data: {
      stock: {
        variantId: p.variantId,
        brandId: p.brandId,
        available: p.totalAvailable,
        threshold,
        warehouseId: p.warehouseId,
      },
    },
    audiences: [{ kind: 'organization', organizationId: p.supplierId }],
  };
}

const link = (base: string, path: string, token: string) =>
  `${base.replace(/\/+$/, '')}/${path}?token=${encodeURIComponent(token)}`;

export function emailVerificationRequested(
  ctx: NotificationsContext,
  p: EmailVerificationRequestedPayload,
): Intent {
  return {
    eventType: 'EMAIL_VERIFICATION',
    data: {
      account: { email: p.email },
      token: { expiresAt: p.expiresAt },
      links: { verify: link(ctx.services.config.NOTIFICATIONS_APP_URL, 'verify-email', p.token) },
    },
    // the address being verified (after an email change, the new one), not the projected one
    audiences: [{ kind: 'email', email: p.email }],
  };
}

export function passwordResetRequested(ctx: NotificationsContext, p: PasswordResetRequestedPayload): Intent {
  return {
    eventType: 'PASSWORD_RESET',
    data: {
      account: { email: p.email },
      token: { expiresAt: p.expiresAt },
      links: { reset: link(ctx.services.config.NOTIFICATIONS_APP_URL, 'reset-password', p.token) },
    },
    audiences: [{ kind: 'email', email: p.email }],
  };
}
