import { type Kernel, systemContext } from '@tradegraph/shared';
import type { HandlerMap } from '@tradegraph/shared/events';
import { applyPlatformDecision } from '../domain/suspensions.ts';
import type { IdentityServices } from '../services.ts';

/** What identity reacts to (consumer group `identity`): platform staff suspending and reactivating organisations. */
export function identityConsumers(kernel: Kernel, services: IdentityServices): HandlerMap {
  return {
    'platform.organization.suspended': (_em, e) =>
      applyPlatformDecision(
        systemContext(kernel, services, e.requestId),
        e.payload.organizationId,
        'SUSPENDED',
      ),
    'platform.organization.reactivated': (_em, e) =>
      applyPlatformDecision(systemContext(kernel, services, e.requestId), e.payload.organizationId, 'ACTIVE'),
  };
}
