import { randomBytes } from 'node:crypto';
import {
  failWith,
  forbidden,
  newId,
  notFound,
  type PageArgs,
  type Principal,
  pageArgs,
  ROLES,
  type Role,
  requirePermission,
  toConnection,
} from '@tradegraph/shared';
import { publish } from '@tradegraph/shared/events';
import { eventContext, type IdentityContext } from '../context.ts';
import { Invitation, Membership, Organization, User } from '../entities/index.ts';
import { addMembership, createUser } from './accounts.ts';
import { checkPasswordStrength, normaliseEmail, requireName, verifyPassword } from './passwords.ts';
import { canGrantRole, outranks } from './roles.ts';
import { type Session, sha256, startSession } from './sessions.ts';

function requireRole(role: unknown, field = 'role'): Role {
  if (!ROLES.includes(role as Role))
    failWith('INVALID_ROLE', `Role must be one of ${ROLES.join(', ')}`, field);
  return role as Role;
}

/** The acting member's own role (API keys act without one and may not manage members). */
function actorRole(p: Principal): Role {
  if (p.kind !== 'user' || !p.role) throw forbidden('Only members can manage members');
  return p.role;
}

export async function listMembers(ctx: IdentityContext, organizationId: string, args: PageArgs) {
  const own = requirePermission(ctx.principal, 'members:read');
  if (own.organizationId !== organizationId)
    throw forbidden('You can only see the members of your own organisation');
  const page = pageArgs<[string, string]>(args);
  const after = page.after;
  const where = { organizationId };
  const cursor = after
    ? {
        $or: [
          { createdAt: { $gt: new Date(after[0]) } },
          { createdAt: new Date(after[0]), id: { $gt: after[1] } },
        ],
      }
    : {};
  const rows = await ctx.em.find(
    Membership,
    { ...where, ...cursor },
    { orderBy: { createdAt: 'asc', id: 'asc' }, limit: page.limit },
  );
  return toConnection(
    rows,
    page,
    (m) => [m.createdAt.toISOString(), m.id] as [string, string],
    () => ctx.em.count(Membership, where),
  );
}

/** Memberships of the signed-in user (for `me`). */
export function membershipsOfUser(ctx: IdentityContext, userId: string) {
  return ctx.loaders
    .get<string, Membership[]>('membershipsByUser', async (userIds) => {
      const rows = await ctx.em.find(
        Membership,
        { userId: { $in: [...userIds] } },
        { orderBy: { createdAt: 'asc', id: 'asc' } },
      );
      return userIds.map((id) => rows.filter((m) => m.userId === id));
    })
    .load(userId);
}

export function userLoader(ctx: IdentityContext) {
  return ctx.loaders.get<string, User | null>('userById', async (ids) => {
    const rows = await ctx.em.find(User, { id: { $in: [...ids] } });
    return ids.map((id) => rows.find((u) => u.id === id) ?? null);
  });
}

export interface CreatedInvitation {
  invitation: Invitation;
  /** Shown once, to be delivered to the invitee (by email, in a later notifications issue). */
  token: string;
}

export async function inviteMember(
  ctx: IdentityContext,
  input: { email: string; role: Role },
): Promise<CreatedInvitation> {
  const { organizationId } = requirePermission(ctx.principal, 'members:invite');
  const role = requireRole(input.role);
  const actor = actorRole(ctx.principal);
  if (!canGrantRole(actor, role)) failWith('ROLE_NOT_ALLOWED', `A ${actor} cannot invite a ${role}`, 'role');
  const email = normaliseEmail(input.email);
  const existing = await ctx.em.findOne(User, { email });
  if (existing && (await ctx.em.count(Membership, { organizationId, userId: existing.id }))) {
    failWith('ALREADY_MEMBER', 'That person is already a member', 'email');
  }
  // A new invitation to the same email replaces the pending one.
  await ctx.em.nativeUpdate(
    Invitation,
    { organizationId, email, status: 'PENDING' },
    { status: 'REVOKED', updatedAt: new Date() },
  );
  const token = `inv_${randomBytes(32).toString('base64url')}`;
  const now = new Date();
  const inviter = ctx.principal.kind === 'user' ? ctx.principal.userId : '';
  const invitation = ctx.em.create(Invitation, {
    id: newId('inv'),
    organizationId,
    email,
    role,
    tokenHash: sha256(token),
    status: 'PENDING',
    invitedByUserId: inviter,
    acceptedByUserId: null,
    expiresAt: new Date(now.getTime() + ctx.services.config.INVITATION_TTL_SECONDS * 1000),
    createdAt: now,
    updatedAt: now,
  });
  publish(ctx.em, eventContext(ctx), 'identity.invitation.created', {
    aggregateId: invitation.id,
    orgId: organizationId,
    payload: {
      invitationId: invitation.id,
      organizationId,
      email,
      role,
      invitedByUserId: inviter,
      expiresAt: invitation.expiresAt.toISOString(),
    },
  });
  return { invitation, token };
}

async function pendingInvitation(ctx: IdentityContext, token: unknown): Promise<Invitation> {
  if (typeof token !== 'string' || !token.startsWith('inv_') || token.length > 100) {
    return failWith('INVALID_INVITATION', 'This invitation is invalid or has expired', 'token');
  }
  const inv = await ctx.em.findOne(Invitation, { tokenHash: sha256(token) });
  if (!inv || inv.status !== 'PENDING' || inv.expiresAt <= new Date()) {
    return failWith('INVALID_INVITATION', 'This invitation is invalid or has expired', 'token');
  }
  return inv;
}

/** What an invitee sees before accepting (no sign-in needed: the token is the credential). */
export async function previewInvitation(ctx: IdentityContext, token: string) {
  try {
    const inv = await pendingInvitation(ctx, token);
    const org = await ctx.em.findOneOrFail(Organization, { id: inv.organizationId });
    const accountExists = (await ctx.em.count(User, { email: inv.email })) > 0;
    return { email: inv.email, role: inv.role, organization: org, expiresAt: inv.expiresAt, accountExists };
  } catch {
    return null;
  }
}

/**
 * Accepts an invitation: creates the account when the email is new, or checks
 * the existing account's password, then adds the membership and signs in.
 */
export async function acceptInvitation(
  ctx: IdentityContext,
  input: { token: string; password: string; name?: string | null },
): Promise<Session> {
  const inv = await pendingInvitation(ctx, input.token);
  let user = await ctx.em.findOne(User, { email: inv.email });
  if (user) {
    if (user.kind === 'CUSTOMER')
      failWith('CUSTOMER_ACCOUNT', 'This email belongs to a shopper account', 'token');
    if (!(await verifyPassword(user.passwordHash, String(input.password ?? '')))) {
      failWith('INVALID_CREDENTIALS', 'Wrong password for the existing account', 'password');
    }
  } else {
    const password = checkPasswordStrength(input.password);
    user = await createUser(ctx, {
      email: inv.email,
      name: requireName(input.name),
      password,
      kind: 'MEMBER',
    });
  }
  if (await ctx.em.count(Membership, { organizationId: inv.organizationId, userId: user!.id })) {
    failWith('ALREADY_MEMBER', 'You are already a member', 'token');
  }
  addMembership(ctx, { organizationId: inv.organizationId, userId: user!.id, role: inv.role });
  inv.status = 'ACCEPTED';
  inv.acceptedByUserId = user!.id;
  inv.updatedAt = new Date();
  publish(ctx.em, eventContext(ctx), 'identity.invitation.accepted', {
    aggregateId: inv.id,
    orgId: inv.organizationId,
    payload: { invitationId: inv.id, organizationId: inv.organizationId, userId: user!.id, role: inv.role },
  });
  await ctx.em.flush();
  return startSession(ctx, user!, inv.organizationId);
}

export async function listInvitations(
  ctx: IdentityContext,
  status: string | null | undefined,
  args: PageArgs,
) {
  const { organizationId } = requirePermission(ctx.principal, 'members:read');
  const page = pageArgs<[string, string]>(args);
  const where: Record<string, unknown> = { organizationId };
  if (status) where.status = status;
  const cursor = page.after
    ? {
        $or: [
          { createdAt: { $lt: new Date(page.after[0]) } },
          { createdAt: new Date(page.after[0]), id: { $lt: page.after[1] } },
        ],
      }
    : {};
  const rows = await ctx.em.find(
    Invitation,
    { ...where, ...cursor },
    { orderBy: { createdAt: 'desc', id: 'desc' }, limit: page.limit },
  );
  return toConnection(
    rows,
    page,
    (i) => [i.createdAt.toISOString(), i.id] as [string, string],
    () => ctx.em.count(Invitation, where),
  );
}

export async function revokeInvitation(ctx: IdentityContext, id: string): Promise<Invitation> {
  const { organizationId } = requirePermission(ctx.principal, 'members:invite');
  const inv = await ctx.em.findOne(Invitation, { id: String(id), organizationId });
  if (!inv) throw notFound('Invitation');
  if (inv.status !== 'PENDING') failWith('NOT_PENDING', 'Only pending invitations can be revoked', 'id');
  inv.status = 'REVOKED';
  inv.updatedAt = new Date();
  publish(ctx.em, eventContext(ctx), 'identity.invitation.revoked', {
    aggregateId: inv.id,
    orgId: organizationId,
    payload: { invitationId: inv.id, organizationId },
  });
  return inv;
}

async function memberOfActingOrg(ctx: IdentityContext, membershipId: string) {
  const { organizationId } = requirePermission(ctx.principal, 'members:manage');
  const m = await ctx.em.findOne(Membership, { id: String(membershipId), organizationId });
  if (!m) throw notFound('Membership');
  return m;
}

async function assertNotLastOwner(ctx: IdentityContext, m: Membership) {
  if (m.role !== 'OWNER') return;
  const owners = await ctx.em.count(Membership, { organizationId: m.organizationId, role: 'OWNER' });
  if (owners <= 1) failWith('LAST_OWNER', 'An organisation must keep at least one OWNER', 'membershipId');
}

export async function changeMemberRole(
  ctx: IdentityContext,
  input: { membershipId: string; role: Role },
): Promise<Membership> {
  const m = await memberOfActingOrg(ctx, input.membershipId);
  const role = requireRole(input.role);
  const actor = actorRole(ctx.principal);
  if (!outranks(actor, m.role) || !canGrantRole(actor, role))
    failWith('ROLE_NOT_ALLOWED', `A ${actor} cannot make this change`, 'role');
  if (role !== 'OWNER') await assertNotLastOwner(ctx, m);
  const previousRole = m.role;
  if (previousRole === role) return m;
  m.role = role;
  m.updatedAt = new Date();
  publish(ctx.em, eventContext(ctx), 'identity.membership.role-changed', {
    aggregateId: m.organizationId,
    orgId: m.organizationId,
    payload: { membershipId: m.id, organizationId: m.organizationId, userId: m.userId, role, previousRole },
  });
  return m;
}

export async function removeMember(ctx: IdentityContext, membershipId: string): Promise<Membership> {
  const m = await memberOfActingOrg(ctx, membershipId);
  const actor = actorRole(ctx.principal);
  const self = ctx.principal.kind === 'user' && ctx.principal.userId === m.userId;
  if (!self && !outranks(actor, m.role))
    failWith('ROLE_NOT_ALLOWED', `A ${actor} cannot remove a ${m.role}`, 'membershipId');
  await assertNotLastOwner(ctx, m);
  ctx.em.remove(m);
  publish(ctx.em, eventContext(ctx), 'identity.membership.removed', {
    aggregateId: m.organizationId,
    orgId: m.organizationId,
    payload: { membershipId: m.id, organizationId: m.organizationId, userId: m.userId },
  });
  return m;
}
