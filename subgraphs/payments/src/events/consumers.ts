import { type EntityManager, type Kernel, systemContext, type UnitContext } from '@tradegraph/shared';
import { type HandlerMap, publish } from '@tradegraph/shared/events';
import { authorizePayment, capturePayment, refundPayment, voidPayment } from '../domain/payments.ts';
import { applySubscriptionChanged } from '../domain/platform-fees.ts';
import type { PaymentsServices } from '../services.ts';

/**
 * What the payments subgraph reacts to (consumer group `payments`): the
 * saga's payment commands, and platform's subscription changes (the plan fee
 * of each retailer's split). Each runs as one unit of work in the consumer's
 * transaction (with its processed_events row): the domain's reads, the
 * provider call, the writes and the reply events commit together or not at
 * all, and a redelivered command is skipped.
 */
export function paymentsConsumers(kernel: Kernel, services: PaymentsServices): HandlerMap {
  /** The domain's unit context on the consumer's transaction; replies go to the same outbox. */
  const unit = (em: EntityManager, eventId: string): UnitContext<PaymentsServices> => ({
    ...systemContext(kernel, services, `event-${eventId}`),
    em,
    actor: null,
    publish: (type, event) =>
      publish(em, { source: kernel.name }, type, {
        aggregateId: event.aggregateId,
        orgId: event.orgId ?? null,
        payload: event.payload,
      }),
  });
  return {
    'orders.payment.authorization-requested': async (em, e) => {
      await authorizePayment(unit(em, e.id), e.payload);
    },
    'orders.payment.capture-requested': (em, e) => capturePayment(unit(em, e.id), e.payload),
    'orders.payment.void-requested': (em, e) => voidPayment(unit(em, e.id), e.payload),
    'orders.refund.requested': (em, e) => refundPayment(unit(em, e.id), e.payload),
    // the retailer's plan fee for its splits (domain/platform-fees.ts)
    'platform.subscription.changed': (em, e) => applySubscriptionChanged(em, e.payload, e.occurredAt),
  };
}
