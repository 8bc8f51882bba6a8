import type { EntityManager, Logger, Orm } from '@tradegraph/shared';
import {
  EVENT_VERSIONS,
  type EventBus,
  type EventEnvelope,
  type HandlerMap,
  type Subscription,
  topicsOf,
} from '@tradegraph/shared/events';
import {
  applyFulfillmentAnswer,
  applyOrderConfirmed,
  applyOrderPlaced,
  applyReservationRequested,
  applyShipment,
  pricePointOf,
  recordPrice,
} from '../domain/analytics.ts';
import { recordAuditEntry } from '../domain/audit.ts';
import { applyOrganizationFacts } from '../domain/organizations.ts';
import { startDefaultSubscription } from '../domain/subscriptions.ts';
import { outboxUnit } from '../store/outbox.ts';

/** The consumer group of the audit trail: apart from `platform`, so a failing roll-up never holds an entry back. */
export const AUDIT_GROUP = 'platform_audit';

/** What the platform subgraph reacts to (consumer group `platform`): organisations, metering and analytics. */
export function platformConsumers(): HandlerMap {
  return {
    'identity.organization.created': async (em, e) => {
      const at = new Date(e.occurredAt);
      const { organizationId: id, name, kind } = e.payload;
      await applyOrganizationFacts(em, { id, name, kind, at });
      // every tenant starts on the default plan (its trial); the operator's own organisation has none
      if (kind !== 'PLATFORM') await startDefaultSubscription(outboxUnit(em), id, at);
    },
    'identity.organization.updated': (em, e) =>
      applyOrganizationFacts(em, {
        id: e.payload.organizationId,
        name: e.payload.name,
        kind: e.payload.kind,
        at: new Date(e.occurredAt),
      }),
    'orders.order.placed': (em, e) => applyOrderPlaced(em, e.payload),
    'orders.order.status-changed': async (em, e) => {
      if (e.payload.status === 'CONFIRMED')
        await applyOrderConfirmed(em, e.payload.orderId, new Date(e.payload.at));
    },
    'orders.reservation.requested': (em, e) =>
      applyReservationRequested(em, e.payload, new Date(e.occurredAt)),
    'supplier.fulfillment.reserved': (em, e) =>
      applyFulfillmentAnswer(em, e.payload, 'RESERVED', new Date(e.occurredAt)),
    'supplier.fulfillment.rejected': (em, e) =>
      applyFulfillmentAnswer(em, e.payload, 'REJECTED', new Date(e.occurredAt)),
    'supplier.shipment.changed': (em, e) => applyShipment(em, e.payload),
    'supplier.offer.changed': (em, e) =>
      recordPrice(em, pricePointOf(e, { kind: 'WHOLESALE', offer: e.payload })),
    'retailer.listing.changed': (em, e) =>
      recordPrice(em, pricePointOf(e, { kind: 'RETAIL', listing: e.payload })),
  };
}

/** Every event type registered by the contracts (all the bus can carry). */
export function everyEventType(): string[] {
  return Object.keys(EVENT_VERSIONS).sort();
}

/**
 * The audit trail's subscription: one handler for every topic of every
 * registered event type (a contract added later is audited with no change
 * here), recording each event once.
 */
export function subscribeAuditTrail(bus: EventBus, orm: Orm, logger: Logger): { stop(): Promise<void> } {
  const subscribing: Promise<Subscription | null> = bus
    .subscribe({
      group: AUDIT_GROUP,
      orm,
      topics: topicsOf(everyEventType()),
      handler: (em: EntityManager, envelope: EventEnvelope) => recordAuditEntry(em, envelope),
    })
    .catch((err: unknown) => {
      logger.error({ err }, 'platform: the audit trail could not subscribe');
      throw err;
    });
  return {
    async stop() {
      await (await subscribing)?.close();
    },
  };
}
