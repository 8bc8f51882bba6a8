import type { EntityManager } from '@tradegraph/shared';
import { publish } from '@tradegraph/shared/events';
import type { OutboxUnit } from '../services.ts';

/**
 * A unit over a transaction the kernel's `write` did not open (an event
 * handler's, the CLI's): its events go to the same transaction's outbox, and
 * the relay publishes them on its next poll.
 */
export function outboxUnit(em: EntityManager): OutboxUnit {
  return {
    em,
    publish: (type, event) =>
      publish(em, { source: 'platform' }, type, {
        aggregateId: event.aggregateId,
        orgId: event.orgId ?? null,
        payload: event.payload,
      }),
  };
}
