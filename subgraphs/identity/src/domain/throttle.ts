import type { IdentityTx } from '../services.ts';
import { clearLoginFailures, loginAttempts, recordLoginFailure } from '../store/accounts.ts';
import { sha256 } from './tokens.ts';

/**
 * Per-account login throttling: after LOGIN_MAX_FAILURES failures within
 * LOGIN_WINDOW_SECONDS the account is locked for LOGIN_LOCK_SECONDS. Keyed by
 * the hashed email whether or not an account exists, so throttling itself
 * does not reveal which emails are registered.
 */

const subjectOf = (email: string) => sha256(`login:${email}`);

export async function isLocked(tx: IdentityTx, email: string): Promise<boolean> {
  const row = await loginAttempts(tx, subjectOf(email));
  return !!row?.lockedUntil && row.lockedUntil > new Date();
}

export async function recordFailure(tx: IdentityTx, email: string): Promise<void> {
  const cfg = tx.services.config;
  const now = new Date();
  await recordLoginFailure(tx, subjectOf(email), {
    now,
    windowStart: new Date(now.getTime() - cfg.LOGIN_WINDOW_SECONDS * 1000),
    lockUntil: new Date(now.getTime() + cfg.LOGIN_LOCK_SECONDS * 1000),
    maxFailures: cfg.LOGIN_MAX_FAILURES,
  });
}

export function clearFailures(tx: IdentityTx, email: string): Promise<void> {
  return clearLoginFailures(tx, subjectOf(email));
}
