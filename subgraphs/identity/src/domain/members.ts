import { randomBytes } from 'node:crypto';
import { forbidden, newId, notFound, ROLES, type Role } from '@tradegraph/shared';
import type { Invitation, Membership, Organization } from '../entities/index.ts';
import { invitationCreated } from '../events/publish.ts';
import { actingOrganization, type IdentityContext, type IdentityRead, type IdentityTx } from '../services.ts';
import {
  countOwners,
  deleteMembership,
  isMember,
  lockMembershipOf,
  userByEmail,
  userLoader,
} from '../store/accounts.ts';
import {
  insertInvitation,
  invitationByTokenHash,
  invitationOf,
  revokePendingInvitations,
} from '../store/invitations.ts';
import { organizationLoader } from '../store/organizations.ts';
import { save } from '../store/save.ts';
import { requireCurrentMember } from './access.ts';
import { addMembership, createUser } from './accounts.ts';
import { fail } from './errors.ts';
import { checkPasswordStrength, normaliseEmail, requireName, verifyPassword } from './passwords.ts';
import { revokeAccess } from './revocations.ts';
import { canGrantRole, outranks } from './roles.ts';
import { type Session, startSession } from './sessions.ts';
import { sha256 } from './tokens.ts';

function requireRole(role: unknown, field = 'role'): Role {
  if (!ROLES.includes(role as Role)) fail('INVALID_ROLE', `Role must be one of ${ROLES.join(', ')}`, field);
  return role as Role;
}

/** Members are visible to their own organisation only. */
export function requireOwnOrganization(rx: IdentityRead, organizationId: string): void {
  if (actingOrganization(rx).organizationId !== organizationId)
    throw forbidden('You can only see the members of your own organisation');
}

export interface CreatedInvitation {
  invitation: Invitation;
  /** Shown once, to be delivered to the invitee (by email, in a later notifications issue). */
  token: string;
}

export async function inviteMember(
  tx: IdentityTx,
  input: { email: string; role: Role },
): Promise<CreatedInvitation> {
  const { organizationId, role: actor, userId } = await requireCurrentMember(tx, 'members:invite');
  const role = requireRole(input.role);
  if (!canGrantRole(actor, role)) fail('ROLE_NOT_ALLOWED', `A ${actor} cannot invite a ${role}`, 'role');
  const email = normaliseEmail(input.email);
  const existing = await userByEmail(tx, email);
  if (existing && (await isMember(tx, organizationId, existing.id))) {
    fail('ALREADY_MEMBER', 'That person is already a member', 'email');
  }
  const now = new Date();
  // A new invitation to the same email replaces the pending one.
  await revokePendingInvitations(tx, organizationId, email, now);
  const token = `inv_${randomBytes(32).toString('base64url')}`;
  const invitation = insertInvitation(tx, {
    id: newId('inv'),
    organizationId,
    email,
    role,
    tokenHash: sha256(token),
    status: 'PENDING',
    invitedByUserId: userId,
    acceptedByUserId: null,
    expiresAt: new Date(now.getTime() + tx.services.config.INVITATION_TTL_SECONDS * 1000),
    createdAt: now,
    updatedAt: now,
  });
  tx.publish('identity.invitation.created', {
    aggregateId: invitation.id,
    orgId: organizationId,
    payload: invitationCreated(invitation),
  });
  return { invitation, token };
}

/** The pending, unexpired invitation of this token; null for anything else (malformed, unknown, used, expired). */
async function pendingInvitation(cx: IdentityContext, token: unknown): Promise<Invitation | null> {
  if (typeof token !== 'string' || !token.startsWith('inv_') || token.length > 100) return null;
  const inv = await invitationByTokenHash(cx, sha256(token));
  if (inv?.status !== 'PENDING' || inv.expiresAt <= new Date()) return null;
  return inv;
}

const invalidInvitation = (): never =>
  fail('INVALID_INVITATION', 'This invitation is invalid or has expired', 'token');

export interface InvitationPreview {
  email: string;
  role: Role;
  organization: Organization;
  expiresAt: Date;
  accountExists: boolean;
}

/** What an invitee sees before accepting (no sign-in needed: the token is the credential). */
export async function previewInvitation(
  cx: IdentityContext,
  token: string,
): Promise<InvitationPreview | null> {
  const inv = await pendingInvitation(cx, token);
  if (!inv) return null;
  const organization = await organizationLoader(cx).load(inv.organizationId);
  if (!organization)
    throw new Error(`organisation ${inv.organizationId} of invitation ${inv.id} does not exist`);
  // Only the invited email's own account learns that it exists (signed in as it); anyone else,
  // the inviter holding the token included, gets false whether or not the email is registered.
  const p = cx.principal;
  const callerId = p.kind === 'user' ? p.userId : p.kind === 'customer' ? p.customerId : null;
  const caller = callerId ? await userLoader(cx).load(callerId) : null;
  const accountExists = caller?.email === inv.email;
  return { email: inv.email, role: inv.role, organization, expiresAt: inv.expiresAt, accountExists };
}

/**
 * Accepts an invitation: creates the account when the email is new, or checks
 * the existing account's password, then adds the membership and signs in.
 */
export async function acceptInvitation(
  tx: IdentityTx,
  input: { token: string; password: string; name?: string | null },
): Promise<Session> {
  const inv = (await pendingInvitation(tx, input.token)) ?? invalidInvitation();
  let user = await userByEmail(tx, inv.email);
  if (user) {
    if (user.kind === 'CUSTOMER')
      fail('CUSTOMER_ACCOUNT', 'This email belongs to a shopper account', 'token');
    if (!(await verifyPassword(user.passwordHash, String(input.password ?? '')))) {
      fail('INVALID_CREDENTIALS', 'Wrong password for the existing account', 'password');
    }
    // The invitation was mailed to this address: accepting it proves the mailbox.
    user.emailVerifiedAt ??= new Date();
  } else {
    const password = checkPasswordStrength(input.password);
    user = await createUser(tx, {
      email: inv.email,
      name: requireName(input.name),
      password,
      kind: 'MEMBER',
      // The invitation was mailed to this address: accepting it proves the mailbox.
      emailVerified: true,
    });
  }
  if (await isMember(tx, inv.organizationId, user.id))
    fail('ALREADY_MEMBER', 'You are already a member', 'token');
  addMembership(tx, { organizationId: inv.organizationId, userId: user.id, role: inv.role });
  inv.status = 'ACCEPTED';
  inv.acceptedByUserId = user.id;
  inv.updatedAt = new Date();
  tx.publish('identity.invitation.accepted', {
    aggregateId: inv.id,
    orgId: inv.organizationId,
    payload: { invitationId: inv.id, organizationId: inv.organizationId, userId: user.id, role: inv.role },
  });
  await save(tx);
  return startSession(tx, user, inv.organizationId);
}

/** Withdraws a pending invitation; the same role rule as inviting (a MANAGER cannot withdraw an ADMIN's invitation). */
export async function revokeInvitation(tx: IdentityTx, id: string): Promise<Invitation> {
  const { organizationId, role: actor } = await requireCurrentMember(tx, 'members:invite');
  const inv = await invitationOf(tx, organizationId, String(id));
  if (!inv) throw notFound('Invitation');
  if (!canGrantRole(actor, inv.role))
    fail('ROLE_NOT_ALLOWED', `A ${actor} cannot revoke an invitation for a ${inv.role}`, 'id');
  if (inv.status !== 'PENDING') fail('NOT_PENDING', 'Only pending invitations can be revoked', 'id');
  inv.status = 'REVOKED';
  inv.updatedAt = new Date();
  tx.publish('identity.invitation.revoked', {
    aggregateId: inv.id,
    orgId: organizationId,
    payload: { invitationId: inv.id, organizationId },
  });
  return inv;
}

/**
 * The acting organisation's membership, locked (FOR UPDATE): a refresh that
 * read the old role holds its share lock until it has signed, so the
 * revocation's notBefore, taken after this lock, is later than that token.
 */
async function memberOfActingOrg(tx: IdentityTx, membershipId: string): Promise<Membership> {
  const { organizationId } = actingOrganization(tx);
  const m = await lockMembershipOf(tx, organizationId, String(membershipId));
  if (!m) throw notFound('Membership');
  return m;
}

async function assertNotLastOwner(tx: IdentityTx, m: Membership) {
  if (m.role !== 'OWNER') return;
  if ((await countOwners(tx, m.organizationId)) <= 1)
    fail('LAST_OWNER', 'An organisation must keep at least one OWNER', 'membershipId');
}

export async function changeMemberRole(
  tx: IdentityTx,
  input: { membershipId: string; role: Role },
): Promise<Membership> {
  const { role: actor } = await requireCurrentMember(tx, 'members:manage');
  const m = await memberOfActingOrg(tx, input.membershipId);
  const role = requireRole(input.role);
  if (!outranks(actor, m.role) || !canGrantRole(actor, role))
    fail('ROLE_NOT_ALLOWED', `A ${actor} cannot make this change`, 'role');
  if (role !== 'OWNER') await assertNotLastOwner(tx, m);
  const previousRole = m.role;
  if (previousRole === role) return m;
  m.role = role;
  m.updatedAt = new Date();
  tx.publish('identity.membership.role-changed', {
    aggregateId: m.organizationId,
    orgId: m.organizationId,
    payload: { membershipId: m.id, organizationId: m.organizationId, userId: m.userId, role, previousRole },
  });
  revokeAccess(tx, { userId: m.userId, organizationId: m.organizationId }, 'role-changed');
  return m;
}

export async function removeMember(tx: IdentityTx, membershipId: string): Promise<Membership> {
  const { role: actor, userId } = await requireCurrentMember(tx, 'members:manage');
  const m = await memberOfActingOrg(tx, membershipId);
  const self = userId === m.userId;
  if (!self && !outranks(actor, m.role))
    fail('ROLE_NOT_ALLOWED', `A ${actor} cannot remove a ${m.role}`, 'membershipId');
  await assertNotLastOwner(tx, m);
  deleteMembership(tx, m);
  tx.publish('identity.membership.removed', {
    aggregateId: m.organizationId,
    orgId: m.organizationId,
    payload: { membershipId: m.id, organizationId: m.organizationId, userId: m.userId },
  });
  revokeAccess(tx, { userId: m.userId, organizationId: m.organizationId }, 'member-removed');
  return m;
}
