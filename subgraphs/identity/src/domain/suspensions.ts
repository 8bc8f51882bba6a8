import { write } from '@tradegraph/shared';
import { organizationUpdated } from '../events/publish.ts';
import type { IdentityContext } from '../services.ts';
import { organizationById } from '../store/organizations.ts';
import { save } from '../store/save.ts';
import { revokeAccess } from './revocations.ts';

/**
 * Applies platform staff's decision about an organisation (the platform
 * subgraph's `platform.organization.suspended` / `.reactivated`): its status,
 * and on suspension an access revocation of the whole organisation, so the
 * routers refuse its members' tokens and its API keys within a second (login,
 * refresh and key introspection already refuse a suspended organisation).
 * Idempotent: an organisation already in that status is left alone.
 */
export async function applyPlatformDecision(
  ctx: IdentityContext,
  organizationId: string,
  status: 'SUSPENDED' | 'ACTIVE',
): Promise<void> {
  await write(ctx, { permission: 'system', tenant: 'service' }, async (tx) => {
    const org = await organizationById(tx, organizationId);
    if (!org || org.status === status) return;
    org.status = status;
    org.updatedAt = new Date();
    await save(tx);
    if (status === 'SUSPENDED') revokeAccess(tx, { organizationId }, 'organization-suspended');
    tx.publish('identity.organization.updated', {
      aggregateId: org.id,
      orgId: org.id,
      payload: organizationUpdated(org),
    });
  });
}
