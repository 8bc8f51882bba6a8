import { execFile } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { fileURLToPath } from 'node:url';
import { discoverSubgraphs } from '@tradegraph/schema/subgraphs.ts';
import { dropTestDatabases, testDatabaseConfig } from '@tradegraph/shared/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../../', import.meta.url));
let server: Server;
let port: number;
let ready = true;

beforeAll(async () => {
  // a stand-in router: live, and ready or not as the test says
  server = createServer((req, res) => {
    const ok = req.url === '/health' || ready;
    res.writeHead(ok ? 200 : 503, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ status: req.url === '/health' ? 'ok' : ok ? 'ready' : 'starting' }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as { port: number }).port;
});
const db = testDatabaseConfig();
afterAll(async () => {
  await new Promise((r) => server.close(r));
  await dropTestDatabases(db);
});

function status(): Promise<{
  code: number;
  out: { services: Record<string, unknown>[]; busError: string | null };
}> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      ['--disable-warning=ExperimentalWarning', `${root}packages/runner/src/status.ts`, '--json'],
      { env: { ...process.env, DB_PREFIX: db.DB_PREFIX, ROUTER_URL: `http://127.0.0.1:${port}` } },
      (err, stdout) => {
        try {
          resolve({ code: err ? Number(err.code) : 0, out: JSON.parse(stdout) });
        } catch (e) {
          reject(e);
        }
      },
    );
  });
}

describe('npm run status', () => {
  it('lists every subgraph and the router with version, health, readiness, lag and dead letters', async () => {
    const { out } = await status();
    const names = out.services.map((s) => s.name);
    expect(names).toEqual([...discoverSubgraphs().map((s) => s.name), 'router']);
    const router = out.services.at(-1)!;
    expect(router).toMatchObject({ health: 'ok', ready: 'ready', lag: 0, deadLetters: 0 });
    expect(router.version).toMatch(/^\d+\.\d+\.\d+(\+[0-9a-f]{7,})?$/);
    expect(out.busError).toBeNull();
    for (const s of out.services) {
      expect(typeof s.lag === 'number' && typeof s.deadLetters === 'number').toBe(true);
    }
  });

  it('exits 1 while a service is not ready', async () => {
    ready = false;
    const { code, out } = await status();
    expect(code).toBe(1);
    expect(out.services.at(-1)).toMatchObject({ health: 'ok', ready: '503 starting' });
  });
});
