import type { EntityManager, Kernel } from '@tradegraph/shared';
import { systemContext } from '@tradegraph/shared';
import { type HandlerMap, handleEach } from '@tradegraph/shared/events';
import { type Intent, queueNotifications } from '../domain/dispatch.ts';
import {
  connectionChanged,
  emailVerificationRequested,
  invitationCreated,
  orderPlaced,
  orderStatusChanged,
  passwordResetRequested,
  paymentFailed,
  refundIssued,
  stockChanged,
} from '../domain/intents.ts';
import { applyAccount, applyEmailChange, applyMembership, applyOrganization } from '../domain/projections.ts';
import type { NotificationsContext, NotificationsServices } from '../services.ts';

/**
 * What the notifications subgraph reacts to (consumer group `notifications`):
 * identity's organisations, accounts and memberships (projections), and the
 * events people are told about. Each handler queues its deliveries in the
 * consumer's transaction with its processed_events row, so a redelivered
 * event is skipped; the deliveries' idempotency keys make sure of it even
 * when the event comes again with its record gone.
 */
export function notificationsConsumers(kernel: Kernel, services: NotificationsServices): HandlerMap {
  const on = (em: EntityManager, eventId: string): NotificationsContext => ({
    ...systemContext(kernel, services, `event-${eventId}`),
    em,
  });
  const notify = async (ctx: NotificationsContext, eventId: string, intent: Intent | null) => {
    if (intent) await queueNotifications(ctx, eventId, intent);
  };
  return {
    ...handleEach(['identity.organization.created', 'identity.organization.updated'], (em, e) =>
      applyOrganization(em, {
        id: e.payload.organizationId,
        name: e.payload.name,
        kind: e.payload.kind,
        eventAt: new Date(e.occurredAt),
      }),
    ),
    'identity.user.registered': (em, e) =>
      applyAccount(em, {
        id: e.payload.userId,
        kind: 'MEMBER',
        email: e.payload.email,
        name: e.payload.name,
        eventAt: new Date(e.occurredAt),
      }),
    'identity.customer.registered': (em, e) =>
      applyAccount(em, {
        id: e.payload.customerId,
        kind: 'CUSTOMER',
        email: e.payload.email,
        name: e.payload.name,
        eventAt: new Date(e.occurredAt),
      }),
    'identity.user.email-changed': (em, e) =>
      applyEmailChange(em, { id: e.payload.userId, email: e.payload.email, eventAt: new Date(e.occurredAt) }),
    ...handleEach(['identity.membership.created', 'identity.membership.role-changed'], (em, e) =>
      applyMembership(em, {
        organizationId: e.payload.organizationId,
        userId: e.payload.userId,
        role: e.payload.role,
      }),
    ),
    'identity.membership.removed': (em, e) =>
      applyMembership(em, {
        organizationId: e.payload.organizationId,
        userId: e.payload.userId,
        removed: true,
      }),

    'orders.order.placed': async (em, e) => {
      const ctx = on(em, e.id);
      await notify(ctx, e.id, await orderPlaced(ctx, e.payload));
    },
    'orders.order.status-changed': async (em, e) => {
      const ctx = on(em, e.id);
      await notify(ctx, e.id, await orderStatusChanged(ctx, e.payload));
    },
    'payments.payment.failed': async (em, e) => {
      const ctx = on(em, e.id);
      await notify(ctx, e.id, await paymentFailed(ctx, e.payload));
    },
    'payments.refund.issued': async (em, e) => {
      const ctx = on(em, e.id);
      await notify(ctx, e.id, await refundIssued(ctx, e.payload));
    },
    'identity.invitation.created': async (em, e) => {
      const ctx = on(em, e.id);
      await notify(ctx, e.id, await invitationCreated(ctx, e.payload));
    },
    'identity.connection.requested': async (em, e) => {
      const ctx = on(em, e.id);
      await notify(ctx, e.id, await connectionChanged(ctx, 'CONNECTION_REQUESTED', e.payload));
    },
    'identity.connection.accepted': async (em, e) => {
      const ctx = on(em, e.id);
      await notify(ctx, e.id, await connectionChanged(ctx, 'CONNECTION_ACCEPTED', e.payload));
    },
    'supplier.stock.changed': async (em, e) => {
      const ctx = on(em, e.id);
      await notify(ctx, e.id, await stockChanged(ctx, e.payload));
    },
    'identity.email-verification.requested': async (em, e) => {
      const ctx = on(em, e.id);
      await notify(ctx, e.id, emailVerificationRequested(ctx, e.payload));
    },
    'identity.password-reset.requested': async (em, e) => {
      const ctx = on(em, e.id);
      await notify(ctx, e.id, passwordResetRequested(ctx, e.payload));
    },
  };
}
