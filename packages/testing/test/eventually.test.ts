import { describe, expect, it } from 'vitest';
import { eventually } from '../src/eventually.ts';

describe('eventually', () => {
  it('returns the first value that passes', async () => {
    let n = 0;
    const v = await eventually(
      async () => ++n,
      (x) => x >= 3,
      { intervalMs: 1 },
    );
    expect(v).toBe(3);
  });

  it('fails after the timeout, naming what it waited for and the last value', async () => {
    await expect(
      eventually(
        async () => ({ status: 'PENDING' }),
        (x) => x.status === 'DONE',
        {
          timeoutMs: 60,
          intervalMs: 5,
          what: 'the order',
        },
      ),
    ).rejects.toThrow(/timed out waiting for the order; last value: \{"status":"PENDING"\}/);
  });
});
