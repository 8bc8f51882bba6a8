import { failWith, newId, type OrganizationKind } from '@tradegraph/shared';
import { publish } from '@tradegraph/shared/events';
import { eventContext, type IdentityContext } from '../context.ts';
import { Membership, User } from '../entities/index.ts';
import { createOrganization, requireOrganizationKind } from './organizations.ts';
import {
  burnPasswordCheck,
  checkPasswordStrength,
  hashPassword,
  normaliseEmail,
  requireName,
  verifyPassword,
} from './passwords.ts';
import { type Session, startSession } from './sessions.ts';
import { clearFailures, isLocked, recordFailure } from './throttle.ts';

const policy = (ctx: IdentityContext) => ({
  memoryCost: ctx.services.config.ARGON2_MEMORY_KIB,
  timeCost: ctx.services.config.ARGON2_ITERATIONS,
});

export async function emailTaken(ctx: IdentityContext, email: string): Promise<boolean> {
  return (await ctx.em.count(User, { email })) > 0;
}

/** Creates a user row and publishes its event (inside a transaction). */
export async function createUser(
  ctx: IdentityContext,
  input: { email: string; name: string; password: string; kind: 'MEMBER' | 'CUSTOMER' },
) {
  const now = new Date();
  const user = ctx.em.create(User, {
    id: newId(input.kind === 'CUSTOMER' ? 'cus' : 'usr'),
    email: input.email,
    name: input.name,
    kind: input.kind,
    passwordHash: await hashPassword(input.password, policy(ctx)),
    status: 'ACTIVE',
    lastLoginAt: null,
    createdAt: now,
    updatedAt: now,
  });
  if (input.kind === 'CUSTOMER') {
    publish(ctx.em, eventContext(ctx), 'identity.customer.registered', {
      aggregateId: user.id,
      orgId: null,
      payload: { customerId: user.id, email: user.email, name: user.name },
    });
  } else {
    publish(ctx.em, eventContext(ctx), 'identity.user.registered', {
      aggregateId: user.id,
      orgId: null,
      payload: { userId: user.id, email: user.email, name: user.name },
    });
  }
  return user;
}

export function addMembership(
  ctx: IdentityContext,
  input: { organizationId: string; userId: string; role: Membership['role'] },
) {
  const now = new Date();
  const membership = ctx.em.create(Membership, {
    id: newId('mem'),
    ...input,
    createdAt: now,
    updatedAt: now,
  });
  publish(ctx.em, eventContext(ctx), 'identity.membership.created', {
    aggregateId: input.organizationId,
    orgId: input.organizationId,
    payload: {
      membershipId: membership.id,
      organizationId: input.organizationId,
      userId: input.userId,
      role: input.role,
    },
  });
  return membership;
}

/** Sign-up of a business: a user, a new organisation of the chosen kind, the user as its OWNER, and a session. */
export async function signUp(
  ctx: IdentityContext,
  input: {
    email: string;
    password: string;
    name: string;
    organization: { name: string; kind: OrganizationKind };
  },
): Promise<Session> {
  const email = normaliseEmail(input.email);
  const password = checkPasswordStrength(input.password);
  const name = requireName(input.name);
  const orgName = requireName(input.organization?.name, 'organization.name');
  const kind = requireOrganizationKind(input.organization?.kind, 'organization.kind');
  if (await emailTaken(ctx, email))
    failWith('EMAIL_TAKEN', 'An account with this email already exists', 'email');
  const user = await createUser(ctx, { email, name, password, kind: 'MEMBER' });
  const org = await createOrganization(ctx, { name: orgName, kind, createdByUserId: user.id });
  addMembership(ctx, { organizationId: org.id, userId: user.id, role: 'OWNER' });
  await ctx.em.flush();
  return startSession(ctx, user, org.id);
}

/** Registration of a shopper account (no organisation). */
export async function registerCustomer(
  ctx: IdentityContext,
  input: { email: string; password: string; name: string },
): Promise<Session> {
  const email = normaliseEmail(input.email);
  const password = checkPasswordStrength(input.password);
  const name = requireName(input.name);
  if (await emailTaken(ctx, email))
    failWith('EMAIL_TAKEN', 'An account with this email already exists', 'email');
  const user = await createUser(ctx, { email, name, password, kind: 'CUSTOMER' });
  await ctx.em.flush();
  return startSession(ctx, user, null);
}

export type LoginOutcome = { session: Session } | { failure: 'INVALID_CREDENTIALS' | 'TOO_MANY_ATTEMPTS' };

/**
 * Password login. Unknown email and wrong password give the same answer and
 * take the same time; repeated failures lock the account for a while. A
 * failure is returned (not thrown) so the caller commits the failure count.
 */
export async function login(
  ctx: IdentityContext,
  input: { email: string; password: string; organizationId?: string | null },
): Promise<LoginOutcome> {
  const email = typeof input.email === 'string' ? input.email.trim().toLowerCase() : '';
  const password = typeof input.password === 'string' ? input.password : '';
  if (await isLocked(ctx, email)) return { failure: 'TOO_MANY_ATTEMPTS' };
  const user = email ? await ctx.em.findOne(User, { email }) : null;
  let ok = false;
  if (user) ok = await verifyPassword(user.passwordHash, password);
  else await burnPasswordCheck(password, policy(ctx));
  if (!ok || !user || user.status !== 'ACTIVE') {
    await recordFailure(ctx, email);
    return { failure: 'INVALID_CREDENTIALS' };
  }
  await clearFailures(ctx, email);
  user.lastLoginAt = new Date();
  return { session: await startSession(ctx, user, input.organizationId ?? null) };
}
