import { newId, type OrganizationKind, type Role } from '@tradegraph/shared';
import type { Membership, User } from '../entities/index.ts';
import { membershipCreated } from '../events/publish.ts';
import type { IdentityTx } from '../services.ts';
import { insertMembership, insertUser, userByEmail, userByEmailForSignIn } from '../store/accounts.ts';
import { save } from '../store/save.ts';
import { type Refusal, refuse } from './errors.ts';
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
import { clearFailures, isThrottled, recordFailure } from './throttle.ts';
import { requestEmailVerification } from './verification.ts';

const policy = (tx: IdentityTx) => ({
  memoryCost: tx.services.config.ARGON2_MEMORY_KIB,
  timeCost: tx.services.config.ARGON2_ITERATIONS,
});

/**
 * Creates a user row and publishes its event. `emailVerified`: the address is
 * already proven (an invitation mailed to it, the operator's bootstrap);
 * otherwise a verification link is mailed, unless IDENTITY_AUTO_VERIFY_EMAILS
 * (local demo only) makes new accounts verified.
 */
export async function createUser(
  tx: IdentityTx,
  input: {
    email: string;
    name: string;
    password: string;
    kind: 'MEMBER' | 'CUSTOMER';
    emailVerified: boolean;
  },
): Promise<User> {
  const now = new Date();
  const verified = input.emailVerified || tx.services.config.IDENTITY_AUTO_VERIFY_EMAILS;
  const user = insertUser(tx, {
    id: newId(input.kind === 'CUSTOMER' ? 'cus' : 'usr'),
    email: input.email,
    emailVerifiedAt: verified ? now : null,
    name: input.name,
    kind: input.kind,
    passwordHash: await hashPassword(input.password, policy(tx)),
    status: 'ACTIVE',
    lastLoginAt: null,
    createdAt: now,
    updatedAt: now,
  });
  const profile = { email: user.email, name: user.name };
  if (input.kind === 'CUSTOMER') {
    tx.publish('identity.customer.registered', {
      aggregateId: user.id,
      orgId: null,
      payload: { customerId: user.id, ...profile },
    });
  } else {
    tx.publish('identity.user.registered', {
      aggregateId: user.id,
      orgId: null,
      payload: { userId: user.id, ...profile },
    });
  }
  // a brand-new account has no earlier link to replace
  if (!verified) await requestEmailVerification(tx, user, user.email, { newAccount: true });
  return user;
}

/** Makes the user a member of the organisation with the role, and publishes it. */
export function addMembership(
  tx: IdentityTx,
  input: { organizationId: string; userId: string; role: Role },
): Membership {
  const now = new Date();
  const membership = insertMembership(tx, { id: newId('mem'), ...input, createdAt: now, updatedAt: now });
  tx.publish('identity.membership.created', {
    aggregateId: input.organizationId,
    orgId: input.organizationId,
    payload: membershipCreated(membership),
  });
  return membership;
}

/**
 * What a registration with an email that already has an account answers: no
 * session, no error — the same payload shape as a success, so the answer does
 * not tell the caller the email is registered. The owner is told instead
 * (`identity.registration.email-taken`, for notifications to email them).
 */
export interface EmailTaken {
  emailTaken: true;
}

async function registrationEmailTaken(
  tx: IdentityTx,
  existing: User,
  attempted: 'MEMBER' | 'CUSTOMER',
  password: string,
): Promise<EmailTaken> {
  // As long as creating the account would take (the argon2 hash dominates), so timing tells nothing either.
  await hashPassword(password, policy(tx));
  tx.publish('identity.registration.email-taken', {
    aggregateId: existing.id,
    orgId: null,
    payload: { userId: existing.id, email: existing.email, attempted },
  });
  return { emailTaken: true };
}

/** Sign-up of a business: a user, a new organisation of the chosen kind, the user as its OWNER, and a session. */
export async function signUp(
  tx: IdentityTx,
  input: {
    email: string;
    password: string;
    name: string;
    organization: { name: string; kind: OrganizationKind };
  },
): Promise<Session | EmailTaken> {
  const email = normaliseEmail(input.email);
  const password = checkPasswordStrength(input.password);
  const name = requireName(input.name);
  const orgName = requireName(input.organization?.name, 'organization.name');
  const kind = requireOrganizationKind(input.organization?.kind, 'organization.kind');
  const existing = await userByEmail(tx, email);
  if (existing) return registrationEmailTaken(tx, existing, 'MEMBER', password);
  const user = await createUser(tx, { email, name, password, kind: 'MEMBER', emailVerified: false });
  const org = await createOrganization(tx, { name: orgName, kind, createdByUserId: user.id });
  addMembership(tx, { organizationId: org.id, userId: user.id, role: 'OWNER' });
  await save(tx);
  return startSession(tx, user, org.id);
}

/** Registration of a shopper account (no organisation). */
export async function registerCustomer(
  tx: IdentityTx,
  input: { email: string; password: string; name: string },
): Promise<Session | EmailTaken> {
  const email = normaliseEmail(input.email);
  const password = checkPasswordStrength(input.password);
  const name = requireName(input.name);
  const existing = await userByEmail(tx, email);
  if (existing) return registrationEmailTaken(tx, existing, 'CUSTOMER', password);
  const user = await createUser(tx, { email, name, password, kind: 'CUSTOMER', emailVerified: false });
  await save(tx);
  return startSession(tx, user, null);
}

/**
 * Password login. Unknown email and wrong password give the same answer and
 * take the same time; repeated failures lock the account for a while. A
 * failure is returned (not thrown) so the unit commits the failure count.
 */
export async function login(
  tx: IdentityTx,
  input: { email: string; password: string; organizationId?: string | null },
): Promise<Session | Refusal> {
  const email = typeof input.email === 'string' ? input.email.trim().toLowerCase() : '';
  const password = typeof input.password === 'string' ? input.password : '';
  if (await isThrottled(tx, email))
    return refuse('TOO_MANY_ATTEMPTS', 'Too many failed sign-in attempts from here; try again later');
  const user = email ? await userByEmailForSignIn(tx, email) : null;
  let ok = false;
  if (user) ok = await verifyPassword(user.passwordHash, password);
  else await burnPasswordCheck(password, policy(tx));
  if (!ok || !user || user.status !== 'ACTIVE') {
    await recordFailure(tx, email);
    return refuse('INVALID_CREDENTIALS', 'Invalid email or password');
  }
  await clearFailures(tx, email);
  user.lastLoginAt = new Date();
  return startSession(tx, user, input.organizationId ?? null);
}
