import { type HandlerMap, handleEach } from '@tradegraph/shared/events';
import { applyOrganization } from '../domain/organizations.ts';

/** What the notifications subgraph reacts to (consumer group `notifications`). */
export function notificationsConsumers(): HandlerMap {
  return {
    // identity's organisation events carry its whole name: keep the latest.
    ...handleEach(['identity.organization.created', 'identity.organization.updated'], (em, e) =>
      applyOrganization(em, {
        id: e.payload.organizationId,
        name: e.payload.name,
        eventAt: new Date(e.occurredAt),
      }),
    ),
  };
}
