import { setTimeout as sleep } from 'node:timers/promises';
import { UserErrors } from '@tradegraph/shared';
import type { User } from '../entities/index.ts';
import type { IdentityTx } from '../services.ts';
import { latestPendingToken, replacePendingTokens } from '../store/account-tokens.ts';
import { lockUser, userByEmail } from '../store/accounts.ts';
import { revokeUserRefreshTokens } from '../store/sessions.ts';
import { signedInAccountId } from './access.ts';
import { issueAccountToken, newSecret, useAccountToken } from './account-tokens.ts';
import { fail, type Refusal, refuse } from './errors.ts';
import { checkPasswordStrength, hashPassword, normaliseEmail, verifyPassword } from './passwords.ts';
import { revokeAccess } from './revocations.ts';
import { type Session, startSession } from './sessions.ts';
import { clearFailures, isThrottled, recordFailure } from './throttle.ts';

/**
 * Password reset (by a mailed single-use link) and password change (signed
 * in, with the current password). Both end every session of the account: its
 * refresh tokens are revoked and `revokeAccess({ userId })` makes every router
 * refuse its access tokens within a second (docs/security.md).
 */

/** A reset link is mailed at most this often per account (more requests get the same answer and no mail). */
const RESET_MAIL_INTERVAL_MS = 60_000;
/** requestPasswordReset answers no sooner than this, so its time does not tell whether the email exists. */
export const RESET_REQUEST_MIN_MS = 150;

const policy = (tx: IdentityTx) => ({
  memoryCost: tx.services.config.ARGON2_MEMORY_KIB,
  timeCost: tx.services.config.ARGON2_ITERATIONS,
});

/** Runs `work` and answers no sooner than `minMs` after it started (equal timing for every branch). */
export async function noSoonerThan<T>(minMs: number, work: () => Promise<T>): Promise<T> {
  const started = performance.now();
  try {
    return await work();
  } finally {
    const left = minMs - (performance.now() - started);
    if (left > 0) await sleep(left);
  }
}

/**
 * Asks for a reset link for the account with `email`. The answer is the same
 * whether or not an account exists (padded to RESET_REQUEST_MIN_MS by the
 * caller); only an existing, active account gets a link
 * (`identity.password-reset.requested`, mailed by notifications).
 */
export async function requestPasswordReset(tx: IdentityTx, input: { email: string }): Promise<true> {
  const email = normaliseEmail(input.email);
  const user = await userByEmail(tx, email);
  if (user?.status !== 'ACTIVE') {
    newSecret('RESET_PASSWORD'); // as much work as the other branch, short of writing
    return true;
  }
  const recent = await latestPendingToken(tx, user.id, 'RESET_PASSWORD');
  if (recent && Date.now() - recent.createdAt.getTime() < RESET_MAIL_INTERVAL_MS) return true;
  const { secret, expiresAt } = await issueAccountToken(tx, {
    userId: user.id,
    email: user.email,
    purpose: 'RESET_PASSWORD',
    ttlSeconds: tx.services.config.PASSWORD_RESET_TTL_SECONDS,
  });
  tx.publish('identity.password-reset.requested', {
    aggregateId: user.id,
    orgId: null,
    payload: { email: user.email, token: secret, expiresAt: expiresAt.toISOString() },
  });
  return true;
}

/** Ends every session of the user: refresh tokens revoked, access tokens refused by every router. */
async function endEverySession(tx: IdentityTx, userId: string): Promise<void> {
  await revokeUserRefreshTokens(tx, userId);
  // After the refresh tokens are locked and revoked, so a concurrent refresh's token is older than this.
  revokeAccess(tx, { userId }, 'password-changed');
}

const invalidResetToken = (): never =>
  fail('INVALID_TOKEN', 'This reset link is invalid, used or expired; ask for a new one', 'token');

/**
 * Sets a new password with a reset token (used up; the account's other reset
 * links too) and ends every session. Using the link proves the mailbox, so an
 * unverified email becomes verified. A link mailed to an address the account
 * no longer has is refused.
 */
export async function resetPassword(
  tx: IdentityTx,
  input: { token: string; newPassword: string },
): Promise<true> {
  const password = checkPasswordStrength(input.newPassword, 'newPassword');
  const token = (await useAccountToken(tx, input.token, 'RESET_PASSWORD')) ?? invalidResetToken();
  const user = await lockUser(tx, token.userId);
  if (user?.status !== 'ACTIVE' || user.email !== token.email) return invalidResetToken();
  const now = new Date();
  user.passwordHash = await hashPassword(password, policy(tx));
  user.emailVerifiedAt ??= now;
  user.updatedAt = now;
  await replacePendingTokens(tx, user.id, 'RESET_PASSWORD');
  await endEverySession(tx, user.id);
  return true;
}

/**
 * Checks the signed-in person's password for a sensitive change, throttled as
 * sign-in is (per account and source): a refusal is returned, so its count commits.
 */
export async function checkCurrentPassword(
  tx: IdentityTx,
  user: User,
  password: unknown,
  field: string,
): Promise<Refusal | null> {
  if (await isThrottled(tx, user.email))
    return refuse('TOO_MANY_ATTEMPTS', 'Too many wrong passwords from here; try again later', field);
  if (!(await verifyPassword(user.passwordHash, typeof password === 'string' ? password : ''))) {
    await recordFailure(tx, user.email);
    return refuse('INVALID_CREDENTIALS', 'The password is wrong', field);
  }
  await clearFailures(tx, user.email);
  return null;
}

/**
 * Changes the signed-in person's password: the current one, the policy, then
 * every session ends (this one too: the token used for this call is refused
 * from now on) and a new session for the caller is returned, acting for the
 * same organisation when they still may.
 */
export async function changePassword(
  tx: IdentityTx,
  input: { currentPassword: string; newPassword: string },
): Promise<Session | Refusal> {
  const password = checkPasswordStrength(input.newPassword, 'newPassword');
  const user = await lockUser(tx, signedInAccountId(tx));
  if (!user) throw new Error('identity: the signed-in account does not exist');
  const refused = await checkCurrentPassword(tx, user, input.currentPassword, 'currentPassword');
  if (refused) return refused;
  user.passwordHash = await hashPassword(password, policy(tx));
  user.updatedAt = new Date();
  await endEverySession(tx, user.id);
  const p = tx.principal;
  const organizationId = p.kind === 'user' ? p.organizationId : null;
  try {
    return await startSession(tx, user, organizationId);
  } catch (err) {
    // The membership the caller acted for has ended or its organisation is suspended: act for none in particular.
    if (!(err instanceof UserErrors)) throw err;
    return startSession(tx, user, null);
  }
}
