import { forbidden, type OrganizationKind, type Permission, type Role } from '@tradegraph/shared';
import { actingOrganization, type IdentityTx } from '../services.ts';
import { currentMembership } from '../store/access.ts';
import { permissionsFor } from './roles.ts';

/** The acting member as identity's database says they are now (not as their access token says). */
export interface CurrentMember {
  userId: string;
  organizationId: string;
  organizationKind: OrganizationKind;
  role: Role;
  permissions: Permission[];
}

/**
 * Identity's sensitive mutations (API keys, invitations, roles, members,
 * connections, the organisation's profile) act on the member's CURRENT
 * membership, read in the unit of work with one query: an access token lives
 * up to 15 minutes, and a member removed or demoted meanwhile must not use it
 * to mint keys or invite a second self. API keys never manage identity.
 */
export async function requireCurrentMember(tx: IdentityTx, permission: Permission): Promise<CurrentMember> {
  const { organizationId } = actingOrganization(tx);
  const p = tx.principal;
  if (p.kind !== 'user') throw forbidden('Only members can do this');
  const row = await currentMembership(tx, p.userId, organizationId);
  if (row?.userStatus !== 'ACTIVE' || row.organizationStatus !== 'ACTIVE')
    throw forbidden('You are no longer a member of this organisation');
  const permissions = permissionsFor(row.role, row.organizationKind);
  if (!permissions.includes(permission)) throw forbidden(`Your role no longer allows ${permission}`);
  return {
    userId: p.userId,
    organizationId,
    organizationKind: row.organizationKind,
    role: row.role,
    permissions,
  };
}
