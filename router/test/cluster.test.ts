/**
 * ROUTER_WORKERS: several router processes on one port, one /metrics for all
 * of them, and a clean stop of every worker on SIGTERM.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateInternalKeyPair } from '@tradegraph/shared';
import { request } from 'undici';
import { afterAll, describe, expect, it } from 'vitest';
import { loadRouterConfig, routerWorkers } from '../src/config.ts';
import { ALPHA_SDL, BETA_SDL, composeSupergraph } from './helpers.ts';

const main = fileURLToPath(new URL('../src/main.ts', import.meta.url));

describe('ROUTER_WORKERS', () => {
  it('defaults to every core in production and one process otherwise; an explicit value wins', () => {
    const key = { INTERNAL_TOKEN_PRIVATE_KEY: 'x' };
    expect(routerWorkers(loadRouterConfig({ ...key, NODE_ENV: 'production' }), 8)).toBe(8);
    expect(routerWorkers(loadRouterConfig({ ...key, NODE_ENV: 'development' }), 8)).toBe(1);
    expect(routerWorkers(loadRouterConfig({ ...key, NODE_ENV: 'production', ROUTER_WORKERS: '3' }), 8)).toBe(
      3,
    );
    expect(() => loadRouterConfig({ ...key, ROUTER_WORKERS: '0' })).toThrow(/ROUTER_WORKERS/);
  });

  const dir = mkdtempSync(join(tmpdir(), 'router-cluster-'));
  let child: ChildProcess | undefined;
  let identity: Server | undefined;
  afterAll(() => {
    if (child && child.exitCode === null) child.kill('SIGKILL');
    identity?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('runs N processes on one port, aggregates /metrics across them and stops them all on SIGTERM', async () => {
    const supergraphPath = join(dir, 'supergraph.graphql');
    writeFileSync(
      supergraphPath,
      composeSupergraph([
        { name: 'alpha', sdl: ALPHA_SDL, url: 'http://127.0.0.1:9/graphql' },
        { name: 'beta', sdl: BETA_SDL, url: 'http://127.0.0.1:9/graphql' },
      ]),
    );
    // Identity's revocation feed, which a worker reads once before it is ready: the
    // first worker's read is answered at once, the second's after 1.5 s, so one
    // worker serves while the other is still starting. Later (long-poll) reads wait 1 s.
    let firstReads = 0;
    identity = createServer((req, res) => {
      const wait = new URL(req.url ?? '/', 'http://x').searchParams.get('wait');
      const delay = wait === '0' ? (firstReads++ === 0 ? 0 : 1_500) : 1_000;
      setTimeout(() => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ now: Date.now(), revocations: [] }));
      }, delay);
    });
    await new Promise<void>((r) => identity!.listen(0, '127.0.0.1', r));
    const identityUrl = `http://127.0.0.1:${(identity.address() as AddressInfo).port}`;
    child = spawn(process.execPath, [main], {
      env: {
        ...process.env,
        NODE_ENV: 'development',
        LOG_LEVEL: 'info',
        ROUTER_WORKERS: '2',
        PORT: '0',
        HOST: '127.0.0.1',
        SUPERGRAPH_PATH: supergraphPath,
        IDENTITY_URL: identityUrl,
        INTERNAL_TOKEN_PRIVATE_KEY: generateInternalKeyPair().privateKey,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const ready: { url: string; pid: number }[] = [];
    let output = '';
    child.stdout!.on('data', (d: Buffer) => {
      output += d.toString();
      for (const line of d.toString().split('\n')) {
        if (line.includes('"router ready"')) ready.push(JSON.parse(line));
      }
    });
    child.stderr!.on('data', (d: Buffer) => {
      output += d.toString();
    });
    const until = Date.now() + 45_000;
    while (ready.length < 1 && Date.now() < until) await new Promise((r) => setTimeout(r, 10));
    expect(ready.length, output).toBe(1);
    const url = ready[0]!.url;
    // A new connection each time: the primary deals connections round-robin to the workers.
    const ask = async () => {
      const res = await request(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', connection: 'close' },
        body: JSON.stringify({ query: '{ __typename }' }),
      });
      return { status: res.statusCode, body: await res.body.json() };
    };
    // From the first worker's "ready" on, every request is answered, also while the
    // other worker is still starting (a worker takes connections only once ready).
    let requests = 0;
    while (ready.length < 2 && Date.now() < until) {
      expect(await ask()).toEqual({ status: 200, body: { data: { __typename: 'Query' } } });
      requests++;
    }
    expect(ready.length, output).toBe(2);
    expect(ready[0]!.url).toBe(ready[1]!.url);
    expect(ready[0]!.pid).not.toBe(ready[1]!.pid);
    expect(ready.map((r) => r.pid)).not.toContain(child.pid);
    expect(requests).toBeGreaterThan(5);

    for (let i = 0; i < 20; i++) {
      expect(await ask()).toEqual({ status: 200, body: { data: { __typename: 'Query' } } });
      requests++;
    }
    const metrics = await (await request(url.replace('/graphql', '/metrics'))).body.text();
    const served = /router_http_requests_total\{route="graphql",status="200"\} (\d+)/.exec(metrics);
    // A per-worker registry would report only the share of the worker that answered the scrape.
    expect(Number(served?.[1])).toBe(requests);

    const exited = new Promise<number | null>((r) => child!.once('exit', (code) => r(code)));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    for (const { pid } of ready) expect(() => process.kill(pid, 0)).toThrow();
  }, 60_000);
});
