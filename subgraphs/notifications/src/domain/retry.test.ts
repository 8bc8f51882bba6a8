import { describe, expect, it } from 'vitest';
import { afterAttempt, backoffMs } from './retry.ts';

const policy = { maxAttempts: 4, baseMs: 1000, maxMs: 5000 };
const now = new Date('2026-11-01T10:00:00.000Z');

describe('afterAttempt', () => {
  it('is SENT when the attempt worked', () => {
    expect(afterAttempt(1, null, policy, now)).toMatchObject({ status: 'SENT', error: null });
  });

  it('retries with exponential backoff, capped', () => {
    expect([1, 2, 3, 4, 5].map((a) => backoffMs(a, policy))).toEqual([1000, 2000, 4000, 5000, 5000]);
    const next = afterAttempt(2, { error: 'timeout', permanent: false }, policy, now);
    expect(next).toMatchObject({ status: 'PENDING', error: 'timeout' });
    expect(next.nextAttemptAt.getTime() - now.getTime()).toBe(2000);
  });

  it('fails for good after the last attempt, or at once for a permanent failure', () => {
    expect(afterAttempt(4, { error: 'x', permanent: false }, policy, now).status).toBe('FAILED');
    expect(afterAttempt(3, { error: 'x', permanent: false }, policy, now).status).toBe('PENDING');
    expect(afterAttempt(1, { error: '550 no such user', permanent: true }, policy, now).status).toBe(
      'FAILED',
    );
  });

  it('keeps at most 1000 characters of the error', () => {
    expect(afterAttempt(1, { error: 'e'.repeat(5000), permanent: false }, policy, now).error).toHaveLength(
      1000,
    );
  });
});
