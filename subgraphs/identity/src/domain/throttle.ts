import type { IdentityTx } from '../services.ts';
import { clearLoginFailures, loginAttempts, recordLoginFailure } from '../store/accounts.ts';
import { sha256 } from './tokens.ts';

/**
 * Login throttling keyed by account AND source, so a stranger cannot lock an
 * owner out: failures are counted per (email, client IP) — after
 * LOGIN_MAX_FAILURES in LOGIN_WINDOW_SECONDS each further failure makes that
 * pair wait LOGIN_DELAY_SECONDS, doubling, at most LOGIN_LOCK_SECONDS — and
 * per client IP across every account (LOGIN_IP_MAX_FAILURES, then that IP waits
 * LOGIN_LOCK_SECONDS). The owner, signing in from another IP, is not affected.
 * Keyed by the hashed email whether or not an account exists, so throttling
 * reveals nothing about which emails are registered. The client IP is the one
 * the router saw (CLIENT_IP_HEADER); calls that did not come through the router share one bucket.
 */

const sourceOf = (tx: IdentityTx) => tx.clientIp ?? 'unknown';
const accountAtSource = (tx: IdentityTx, email: string) => sha256(`login:${email}|${sourceOf(tx)}`);
const sourceAcrossAccounts = (tx: IdentityTx) => sha256(`login-ip:${sourceOf(tx)}`);

/** Whether this email may not be tried from this source now (its delay, or the source's lock, is running). */
export async function isThrottled(tx: IdentityTx, email: string): Promise<boolean> {
  const now = new Date();
  const rows = await loginAttempts(tx, [accountAtSource(tx, email), sourceAcrossAccounts(tx)]);
  return rows.some((row) => !!row.lockedUntil && row.lockedUntil > now);
}

export async function recordFailure(tx: IdentityTx, email: string): Promise<void> {
  const cfg = tx.services.config;
  const now = new Date();
  const windowStart = new Date(now.getTime() - cfg.LOGIN_WINDOW_SECONDS * 1000);
  await recordLoginFailure(tx, accountAtSource(tx, email), {
    now,
    windowStart,
    freeFailures: cfg.LOGIN_MAX_FAILURES,
    delaySeconds: cfg.LOGIN_DELAY_SECONDS,
    maxDelaySeconds: cfg.LOGIN_LOCK_SECONDS,
  });
  await recordLoginFailure(tx, sourceAcrossAccounts(tx), {
    now,
    windowStart,
    freeFailures: cfg.LOGIN_IP_MAX_FAILURES,
    delaySeconds: cfg.LOGIN_LOCK_SECONDS,
    maxDelaySeconds: cfg.LOGIN_LOCK_SECONDS,
  });
}

/** A successful sign-in clears its (account, source) count; the source's count across accounts stays. */
export function clearFailures(tx: IdentityTx, email: string): Promise<void> {
  return clearLoginFailures(tx, accountAtSource(tx, email));
}
