import { describe, expect, it } from 'vitest';
import { createLogger } from '../logger.ts';
import { startPeriodicTask } from './periodic.ts';

const logger = createLogger('test', 'silent');
const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('startPeriodicTask', () => {
  it('runs passes one after another, goes on after a failure, and stop waits for the pass in progress', async () => {
    let concurrent = 0;
    let maxConcurrent = 0;
    let passes = 0;
    let finished = 0;
    const task = startPeriodicTask({
      name: 'test sweep',
      intervalMs: 5,
      logger,
      run: async () => {
        concurrent++;
        maxConcurrent = Math.max(maxConcurrent, concurrent);
        passes++;
        await wait(10);
        concurrent--;
        finished++;
        if (passes === 2) throw new Error('boom');
      },
    });
    while (passes < 4) await wait(5);
    await task.stop();
    const after = passes;
    await wait(30);
    expect(passes).toBe(after); // nothing after stop
    expect(finished).toBe(passes); // the pass in progress ended before stop resolved
    expect(maxConcurrent).toBe(1);
  });

  it('never runs with an interval of 0', async () => {
    let passes = 0;
    const task = startPeriodicTask({ name: 'off', intervalMs: 0, logger, run: async () => void passes++ });
    await wait(20);
    await task.stop();
    expect(passes).toBe(0);
  });

  it('takes the pause after each pass from nextDelay', async () => {
    const times: number[] = [];
    const task = startPeriodicTask({
      name: 'batches',
      intervalMs: 10_000,
      immediately: true,
      logger,
      run: async () => times.push(Date.now()),
      nextDelay: (n) => (n < 3 ? 0 : 10_000),
    });
    while (times.length < 3) await wait(5);
    await task.stop();
    expect(times).toHaveLength(3);
  });
});
