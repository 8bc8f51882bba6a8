import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { busyPorts } from '../src/ports.ts';

const root = fileURLToPath(new URL('../../../', import.meta.url));

function run(
  script: string,
  args: string[],
  env: Record<string, string>,
): Promise<{ code: number | null; stdout: string; stderr: string; ms: number }> {
  const started = Date.now();
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--disable-warning=ExperimentalWarning', script, ...args], {
      cwd: root,
      env: { ...process.env, ...env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('exit', (code) => resolve({ code, stdout, stderr, ms: Date.now() - started }));
  });
}

const held: Server[] = [];
async function holdPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  held.push(server);
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('no port');
  return address.port;
}
afterEach(async () => {
  await Promise.all(held.splice(0).map((s) => new Promise((r) => s.close(r))));
});

const STACK_FRAME = /^\s+at .+[(:]\d+/m;

describe('a bad setting', () => {
  const bad = { LOG_LEVEL: 'loud', DB_POOL_MAX: 'abc' };

  it('makes a subgraph print one list of every problem and no stack trace', async () => {
    const r = await run(`${root}subgraphs/catalog/src/main.ts`, [], bad);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('catalog: invalid configuration');
    expect(r.stderr).toContain(
      'LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent, got "loud"',
    );
    expect(r.stderr).toContain('DB_POOL_MAX must be an integer, got "abc"');
    expect(r.stderr).not.toMatch(STACK_FRAME);
  });

  it('makes npm start print one list before starting anything', async () => {
    const r = await run(`${root}packages/runner/src/cli.ts`, ['start'], bad);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^npm start: invalid configuration \(2 problems\):/);
    expect(r.stderr).toContain('got "loud"');
    expect(r.stderr).toContain('got "abc"');
    expect(r.stderr).not.toMatch(STACK_FRAME);
    expect(r.stdout).not.toContain('compose');
  });
});

describe('npm start while the ports are taken', () => {
  it('refuses at once and names the process holding each port', async () => {
    const port = await holdPort();
    const r = await run(`${root}packages/runner/src/cli.ts`, ['start'], { ROUTER_PORT: String(port) });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`:${port} (router) held by pid ${process.pid}`);
    expect(r.stdout).not.toMatch(/EADDRINUSE|Tradegraph is running/);
    expect(r.ms).toBeLessThan(10_000);
  });

  it('finds busy ports and leaves free ones out', async () => {
    const busy = await holdPort();
    const free = await holdPort();
    await new Promise((r) => held.pop()!.close(r));
    const found = await busyPorts([busy, free]);
    expect(found).toEqual([{ port: busy, holder: { pid: process.pid, command: expect.any(String) } }]);
  });
});
