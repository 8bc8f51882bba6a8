import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { metricsRegistry } from '../src/metrics.ts';

const metricsModule = fileURLToPath(new URL('../src/metrics.ts', import.meta.url));

describe('default process metrics', () => {
  it('still report the event-loop lag percentiles', async () => {
    await new Promise((r) => setTimeout(r, 300));
    const text = await metricsRegistry.metrics();
    expect(text).toMatch(/^nodejs_eventloop_lag_p99_seconds \d/m);
    expect(text).toMatch(/^nodejs_eventloop_lag_max_seconds \d/m);
  });

  it('do not wake an idle process every 10 ms', () => {
    // An otherwise idle process that loads the registry, asked how often its
    // main thread was woken in 2 s (Linux counts voluntary context switches).
    const script = `
      import { readFileSync } from 'node:fs';
      await import(${JSON.stringify(metricsModule)});
      const switches = () => Number(/voluntary_ctxt_switches:\\s+(\\d+)/.exec(readFileSync('/proc/self/status', 'utf8'))[1]);
      await new Promise((r) => setTimeout(r, 300));
      const before = switches();
      await new Promise((r) => setTimeout(r, 2000));
      console.log(switches() - before);`;
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
    // prom-client's default 10 ms sampling woke it ~200 times in 2 s; every 100 ms, ~20.
    expect(Number(out.trim())).toBeLessThan(80);
  });
});
