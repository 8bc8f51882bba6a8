/**
 * The router process runs with its V8 settings (src/v8-flags.ts): main.ts
 * re-executes itself in place (same pid) when they are missing, cluster workers
 * inherit them, and an operator's own value wins.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateInternalKeyPair } from '@tradegraph/shared';
import { afterAll, describe, expect, it } from 'vitest';
import { missingV8Flags, ROUTER_V8_FLAGS } from '../src/v8-flags.ts';
import { ALPHA_SDL, composeSupergraph } from './helpers.ts';

const main = fileURLToPath(new URL('../src/main.ts', import.meta.url));
const GROWING = '--heap-growing-percent=100';

describe('router V8 flags', () => {
  it('are the missing ones only: a value given on the command line or in NODE_OPTIONS wins', () => {
    expect(ROUTER_V8_FLAGS).toContain(GROWING);
    expect(missingV8Flags([], undefined)).toEqual(ROUTER_V8_FLAGS);
    expect(missingV8Flags(['--cpu-prof'], '--enable-source-maps')).toEqual(ROUTER_V8_FLAGS);
    expect(missingV8Flags(['--heap-growing-percent=300'], undefined)).not.toContain(GROWING);
    expect(missingV8Flags(['--heap_growing_percent=50'], undefined)).not.toContain(GROWING);
    expect(missingV8Flags([], ' --heap-growing-percent=50 ')).not.toContain(GROWING);
  });

  const dir = mkdtempSync(join(tmpdir(), 'router-v8-'));
  const supergraphPath = join(dir, 'supergraph.graphql');
  writeFileSync(
    supergraphPath,
    composeSupergraph([{ name: 'alpha', sdl: ALPHA_SDL, url: 'http://127.0.0.1:9/graphql' }]),
  );
  const children: ChildProcess[] = [];
  afterAll(() => {
    for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  /** Starts main.ts; resolves with the pids that logged "router ready" and the child. */
  async function start(env: Record<string, string>, workers: number, nodeArgs: string[] = []) {
    const child = spawn(process.execPath, [...nodeArgs, main], {
      env: {
        ...process.env,
        NODE_ENV: 'development',
        LOG_LEVEL: 'info',
        PORT: '0',
        HOST: '127.0.0.1',
        SUPERGRAPH_PATH: supergraphPath,
        INTERNAL_TOKEN_PRIVATE_KEY: generateInternalKeyPair().privateKey,
        ROUTER_WORKERS: String(workers),
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.push(child);
    const ready: number[] = [];
    let output = '';
    const read = (d: Buffer) => {
      output += d.toString();
      for (const line of d.toString().split('\n')) {
        if (line.includes('"router ready"')) ready.push((JSON.parse(line) as { pid: number }).pid);
      }
    };
    child.stdout!.on('data', read);
    child.stderr!.on('data', read);
    // Generous: the suite runs test files in parallel on a shared machine.
    const until = Date.now() + 45_000;
    while (ready.length < workers && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
    expect(ready.length, output).toBe(workers);
    return { child, ready };
  }

  const commandLine = (pid: number) => readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');

  async function stop(child: ChildProcess) {
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  }

  it('re-executes main.ts in place with them; cluster workers inherit them', async () => {
    const one = await start({}, 1);
    expect(one.ready).toEqual([one.child.pid]);
    expect(commandLine(one.child.pid!)).toContain(GROWING);
    await stop(one.child);

    const two = await start({}, 2);
    expect(commandLine(two.child.pid!)).toContain(GROWING);
    for (const pid of two.ready) expect(commandLine(pid)).toContain(GROWING);
    await stop(two.child);
  }, 150_000);

  it("keeps the operator's own value", async () => {
    const one = await start({}, 1, ['--heap-growing-percent=300']);
    expect(one.ready).toEqual([one.child.pid]);
    const args = commandLine(one.child.pid!);
    expect(args).toContain('--heap-growing-percent=300');
    expect(args).not.toContain(GROWING);
    await stop(one.child);
  }, 60_000);
});
