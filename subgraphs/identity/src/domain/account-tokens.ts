import { randomBytes } from 'node:crypto';
import { newId } from '@tradegraph/shared';
import type { AccountToken, AccountTokenPurpose } from '../entities/index.ts';
import type { IdentityTx } from '../services.ts';
import { insertAccountToken, lockAccountToken, replacePendingTokens } from '../store/account-tokens.ts';
import { sha256 } from './tokens.ts';

/**
 * Single-use, expiring secrets mailed to a user: `ev_…` proves an email
 * address, `pr_…` resets a password. 256 bits of entropy, so a SHA-256 is a
 * safe verifier; the secret itself only travels in the event notifications
 * mails (so it must expire). Issuing one replaces the user's pending tokens of
 * that purpose: only the newest link works.
 */

const PREFIX = { VERIFY_EMAIL: 'ev_', RESET_PASSWORD: 'pr_' } as const satisfies Record<
  AccountTokenPurpose,
  string
>;

export interface IssuedToken {
  /** The secret to mail; never stored. */
  secret: string;
  expiresAt: Date;
}

/** A fresh secret of this purpose and its verifier (also for answers that must cost the same without a row). */
export function newSecret(purpose: AccountTokenPurpose): { secret: string; hash: string } {
  const secret = `${PREFIX[purpose]}${randomBytes(32).toString('base64url')}`;
  return { secret, hash: sha256(secret) };
}

/**
 * Issues a token for `userId` to `email`, replacing their pending ones of the
 * purpose. `replacePending: false` is for an account created in this same
 * transaction: it has nothing to replace, and the UPDATE's gap lock on an
 * empty index range would deadlock concurrent sign-ups inserting beside it.
 */
export async function issueAccountToken(
  tx: IdentityTx,
  input: {
    userId: string;
    email: string;
    purpose: AccountTokenPurpose;
    ttlSeconds: number;
    replacePending?: boolean;
  },
): Promise<IssuedToken> {
  if (input.replacePending !== false) await replacePendingTokens(tx, input.userId, input.purpose);
  const { secret, hash } = newSecret(input.purpose);
  const now = new Date();
  const expiresAt = new Date(now.getTime() + input.ttlSeconds * 1000);
  insertAccountToken(tx, {
    id: newId('atk'),
    userId: input.userId,
    purpose: input.purpose,
    tokenHash: hash,
    email: input.email,
    status: 'PENDING',
    expiresAt,
    createdAt: now,
    usedAt: null,
  });
  return { secret, expiresAt };
}

/**
 * Uses the token: the row is locked, must be PENDING and unexpired, and becomes
 * USED. Null when the token is unknown, malformed, used, replaced or expired
 * (the caller answers all of them alike).
 */
export async function useAccountToken(
  tx: IdentityTx,
  presented: unknown,
  purpose: AccountTokenPurpose,
): Promise<AccountToken | null> {
  if (typeof presented !== 'string' || !presented.startsWith(PREFIX[purpose]) || presented.length > 100)
    return null;
  const row = await lockAccountToken(tx, sha256(presented), purpose);
  const now = new Date();
  if (row?.status !== 'PENDING' || row.expiresAt <= now) return null;
  row.status = 'USED';
  row.usedAt = now;
  return row;
}
