/** What becomes of a delivery after an attempt (pure; the sweeper records it). */
export interface AttemptOutcome {
  status: 'SENT' | 'PENDING' | 'FAILED';
  nextAttemptAt: Date;
  error: string | null;
  at: Date;
}

export interface RetryPolicy {
  maxAttempts: number;
  baseMs: number;
  maxMs: number;
}

/** Wait before retry number `attempt` (1 = the first retry): base × 2^(attempt-1), capped. */
export function backoffMs(attempt: number, policy: RetryPolicy): number {
  return Math.min(policy.maxMs, policy.baseMs * 2 ** Math.max(0, attempt - 1));
}

/**
 * After attempt number `attempt`: SENT when it worked; FAILED for good when it
 * failed permanently or was the last allowed; else PENDING again after the backoff.
 */
export function afterAttempt(
  attempt: number,
  failure: { error: string; permanent: boolean } | null,
  policy: RetryPolicy,
  now: Date,
): AttemptOutcome {
  if (!failure) return { status: 'SENT', nextAttemptAt: now, error: null, at: now };
  const error = failure.error.slice(0, 1000);
  if (failure.permanent || attempt >= policy.maxAttempts) {
    return { status: 'FAILED', nextAttemptAt: now, error, at: now };
  }
  return {
    status: 'PENDING',
    nextAttemptAt: new Date(now.getTime() + backoffMs(attempt, policy)),
    error,
    at: now,
  };
}
