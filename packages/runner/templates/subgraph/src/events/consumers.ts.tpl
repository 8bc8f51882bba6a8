import { handleEach, type HandlerMap } from '@tradegraph/shared/events';
import { applyOrganization } from '../domain/organizations.ts';

/** What the __name__ subgraph reacts to (consumer group `__service__`). */
export function __camel__Consumers(): HandlerMap {
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
