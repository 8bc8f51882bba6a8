import { forbidden, type OrganizationKind, type Permission, type Role } from '@tradegraph/shared';
import { actingOrganization, type IdentityTx } from '../services.ts';
import { currentMembership } from '../store/access.ts';
import { fail } from './errors.ts';
import { permissionsFor } from './roles.ts';

/** The acting member as identity's database says they are now (not as their access token says). */
export interface CurrentMember {
  userId: string;
  organizationId: string;
  organizationKind: OrganizationKind;
  role: Role;
  permissions: Permission[];
  /** Whether the member proved they own their email (see requireVerifiedEmail). */
  emailVerified: boolean;
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
    emailVerified: row.emailVerified,
  };
}

/**
 * Accepting a partner connection and creating an API key need a proven email
 * address (EMAIL_NOT_VERIFIED): they bind the organisation to others or hand
 * out standing access, which an account nobody can reach should not do.
 */
export function requireVerifiedEmail(me: CurrentMember): void {
  if (!me.emailVerified)
    fail(
      'EMAIL_NOT_VERIFIED',
      'Verify your email address first (see the link we sent, or resendVerification)',
    );
}

/** The signed-in person's account id (a member's usr_… or a customer's cus_…); FORBIDDEN for anyone else. */
export function signedInAccountId(tx: IdentityTx): string {
  const p = tx.principal;
  if (p.kind === 'user') return p.userId;
  if (p.kind === 'customer') return p.customerId;
  throw forbidden('Sign in as a person to do this');
}
