import type { User } from '../entities/index.ts';
import type { IdentityTx } from '../services.ts';
import { latestPendingToken, replacePendingTokens } from '../store/account-tokens.ts';
import { lockUser, userByEmail } from '../store/accounts.ts';
import { signedInAccountId } from './access.ts';
import { issueAccountToken, useAccountToken } from './account-tokens.ts';
import { fail, type Refusal } from './errors.ts';
import { checkCurrentPassword } from './password-changes.ts';
import { normaliseEmail } from './passwords.ts';

/**
 * Email verification: sign-up, shopper registration and an email change mail
 * a single-use link (`identity.email-verification.requested`, sent by
 * notifications). An unverified account can sign in, but cannot accept
 * partner connections or create API keys (requireVerifiedEmail). An email
 * change takes effect only once the new address is verified; until then the
 * account keeps its current (verified) address.
 */

/** Mails a verification link for `email` (the account's, or the new one of an email change). */
export async function requestEmailVerification(
  tx: IdentityTx,
  user: User,
  email: string,
  opts: { newAccount?: boolean } = {},
): Promise<void> {
  const { secret, expiresAt } = await issueAccountToken(tx, {
    userId: user.id,
    email,
    purpose: 'VERIFY_EMAIL',
    ttlSeconds: tx.services.config.EMAIL_VERIFICATION_TTL_SECONDS,
    replacePending: !opts.newAccount,
  });
  tx.publish('identity.email-verification.requested', {
    aggregateId: user.id,
    orgId: null,
    payload: { userId: user.id, email, token: secret, expiresAt: expiresAt.toISOString() },
  });
}

const invalidToken = (): never =>
  fail('INVALID_TOKEN', 'This verification link is invalid, used or expired; ask for a new one', 'token');

/**
 * Uses a verification token: the account's email is verified, or, for an
 * email change, becomes the token's address (EMAIL_TAKEN if another account
 * took it meanwhile). Anyone holding the link may use it (it proves access to
 * the mailbox); the answer is the verified address.
 */
export async function verifyEmail(tx: IdentityTx, input: { token: string }): Promise<{ email: string }> {
  const token = (await useAccountToken(tx, input.token, 'VERIFY_EMAIL')) ?? invalidToken();
  const user = await lockUser(tx, token.userId);
  if (user?.status !== 'ACTIVE') return invalidToken();
  const now = new Date();
  if (token.email !== user.email) {
    const other = await userByEmail(tx, token.email);
    if (other) fail('EMAIL_TAKEN', 'Another account now uses this email address', 'token');
    const previousEmail = user.email;
    user.email = token.email;
    tx.publish('identity.user.email-changed', {
      aggregateId: user.id,
      orgId: null,
      payload: { userId: user.id, email: user.email, previousEmail },
    });
  }
  user.emailVerifiedAt ??= now;
  user.updatedAt = now;
  // Other links (an older change, a resend) are void once an address is verified.
  await replacePendingTokens(tx, user.id, 'VERIFY_EMAIL');
  return { email: user.email };
}

/**
 * Mails a new link (the older ones stop working): to the address of a pending
 * email change, else to the account's own unverified address; ALREADY_VERIFIED
 * when there is nothing to verify. The signed-in person only.
 */
export async function resendVerification(tx: IdentityTx): Promise<{ email: string }> {
  const user = await lockUser(tx, signedInAccountId(tx));
  if (!user) throw new Error('identity: the signed-in account does not exist');
  const pending = await latestPendingToken(tx, user.id, 'VERIFY_EMAIL');
  const email = pending?.email ?? (user.emailVerifiedAt ? null : user.email);
  if (!email) return fail('ALREADY_VERIFIED', 'Your email address is already verified');
  await requestEmailVerification(tx, user, email);
  return { email };
}

/**
 * Starts an email change for the signed-in person: their password, then a
 * link to the new address; the sign-in email changes when it is used. An
 * address that belongs to another account gets the same answer and no mail,
 * so the answer does not tell whether it is registered.
 */
export async function changeEmail(
  tx: IdentityTx,
  input: { newEmail: string; password: string },
): Promise<{ pendingEmail: string } | Refusal> {
  const newEmail = normaliseEmail(input.newEmail, 'newEmail');
  const user = await lockUser(tx, signedInAccountId(tx));
  if (!user) throw new Error('identity: the signed-in account does not exist');
  const refused = await checkCurrentPassword(tx, user, input.password, 'password');
  if (refused) return refused;
  if (newEmail === user.email) fail('INVALID_EMAIL', 'This is already your email address', 'newEmail');
  if (!(await userByEmail(tx, newEmail))) await requestEmailVerification(tx, user, newEmail);
  return { pendingEmail: newEmail };
}
