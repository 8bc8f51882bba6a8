import type { IdentityContext } from '../context.ts';
import { LoginAttempt } from '../entities/index.ts';
import { sha256 } from './sessions.ts';

/**
 * Per-account login throttling: after LOGIN_MAX_FAILURES failures within
 * LOGIN_WINDOW_SECONDS the account is locked for LOGIN_LOCK_SECONDS. Keyed by
 * the hashed email whether or not an account exists, so throttling itself
 * does not reveal which emails are registered.
 */

export async function isLocked(ctx: IdentityContext, email: string): Promise<boolean> {
  const row = await ctx.em.findOne(LoginAttempt, { subjectHash: sha256(`login:${email}`) });
  return !!row?.lockedUntil && row.lockedUntil > new Date();
}

export async function recordFailure(ctx: IdentityContext, email: string): Promise<void> {
  const cfg = ctx.services.config;
  const now = new Date();
  const subjectHash = sha256(`login:${email}`);
  // One upsert, so concurrent failures all count. MySQL applies the assignments
  // left to right, so `failures` in the last one is already the new count.
  await ctx.em.execute(
    `insert into login_attempts (subject_hash, failures, window_started_at, locked_until) values (?, 1, ?, null)
     on duplicate key update
       failures = if(window_started_at < ? , 1, failures + 1),
       window_started_at = if(window_started_at < ?, values(window_started_at), window_started_at),
       locked_until = if(failures >= ?, ?, locked_until)`,
    [
      subjectHash,
      now,
      new Date(now.getTime() - cfg.LOGIN_WINDOW_SECONDS * 1000),
      new Date(now.getTime() - cfg.LOGIN_WINDOW_SECONDS * 1000),
      cfg.LOGIN_MAX_FAILURES,
      new Date(now.getTime() + cfg.LOGIN_LOCK_SECONDS * 1000),
    ],
  );
}

export async function clearFailures(ctx: IdentityContext, email: string): Promise<void> {
  await ctx.em.nativeDelete(LoginAttempt, { subjectHash: sha256(`login:${email}`) });
}
