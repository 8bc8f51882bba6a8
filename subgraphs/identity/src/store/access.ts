import { type EntityManager, type OrganizationKind, type Role, rows } from '@tradegraph/shared';
import type { IdentityTx } from '../services.ts';

/** What identity's database says about a member right now (SQL). */
export interface CurrentMembershipRow {
  role: Role;
  organizationKind: OrganizationKind;
  organizationStatus: 'ACTIVE' | 'SUSPENDED';
  userStatus: string;
  /** Whether the user proved they own their email (they cannot accept connections or create keys before). */
  emailVerified: boolean;
}

/**
 * The user's membership of the organisation with the organisation's kind and
 * status and the user's status, in one query; null when they are not a member.
 */
export async function currentMembership(
  cx: IdentityTx | { em: EntityManager },
  userId: string,
  organizationId: string,
): Promise<CurrentMembershipRow | null> {
  const [row] = await rows<{
    role: Role;
    kind: OrganizationKind;
    org_status: string;
    user_status: string;
    email_verified_at: Date | null;
  }>(
    cx.em,
    `select m.role, o.kind, o.status org_status, u.status user_status, u.email_verified_at
       from memberships m
       join organizations o on o.id = m.organization_id
       join users u on u.id = m.user_id
      where m.user_id = ? and m.organization_id = ?`,
    [userId, organizationId],
  );
  if (!row) return null;
  return {
    role: row.role,
    organizationKind: row.kind,
    organizationStatus: row.org_status === 'ACTIVE' ? 'ACTIVE' : 'SUSPENDED',
    userStatus: row.user_status,
    emailVerified: row.email_verified_at !== null,
  };
}
