/**
 * npm run bench:storefront — the storefront page through the router under load.
 *
 * Boots identity, catalog, supplier, retailer and the router as separate
 * processes (as `npm start` does) on a throw-away database prefix, seeds the
 * demo network through the API, then drives an anonymous shopper's query for a
 * page of 50 listings (title, retail price, options, product and brand name,
 * availability) with autocannon at 50 connections. A baseline in the same run
 * (`{ __typename }`, answered by the router alone) shows what federation and
 * the subgraphs add. SQL statements per request come from the subgraphs'
 * /metrics (graphql_sql_statements_per_request) before and after each run.
 *
 * The router's entity cache is off for the main figures (the SQL per request
 * is the subgraphs' own); a second router with the cache on (docs/router.md#entity-cache)
 * is measured after it over the same subgraphs.
 *
 * Env: BENCH_DURATION (s, default 10), BENCH_CONNECTIONS (default 50),
 * BENCH_PORT_BASE (default 14000), BENCH_ENTITY_CACHE (off,on: which routers to measure),
 * DB_* as everywhere.
 */
import { randomBytes } from 'node:crypto';
import { type ManagedProcess, startProcess, stopAll, waitReady } from '@tradegraph/runner/processes.ts';
import { seedDemo } from '@tradegraph/runner/seed.ts';
import { discoverSubgraphs, repoRoot } from '@tradegraph/schema/subgraphs.ts';
import { databaseEnv, env, generateInternalKeyPair, graphqlRequest, loadConfig } from '@tradegraph/shared';
import { dropTestDatabases } from '@tradegraph/shared/testing';
import autocannon from 'autocannon';
import { eventually } from '../src/eventually.ts';

const cfg = loadConfig({
  ...databaseEnv,
  BENCH_DURATION: env.int({ default: 10, min: 1, max: 120 }),
  BENCH_CONNECTIONS: env.int({ default: 50, min: 1, max: 500 }),
  BENCH_PORT_BASE: env.int({ default: 14000, min: 1024, max: 60000 }),
  BENCH_ENTITY_CACHE: env.list({ default: ['off', 'on'] }),
});
// A prefix the test-database cleanup accepts, so everything is dropped afterwards.
const db = { ...cfg, DB_PREFIX: `tg_t${randomBytes(4).toString('hex')}_` };
const keys = generateInternalKeyPair();
const subgraphs = discoverSubgraphs();
const port = (i: number) => cfg.BENCH_PORT_BASE + 1 + i;
const routerUrl = `http://127.0.0.1:${cfg.BENCH_PORT_BASE}/graphql`;
/** The same router with the entity cache on, over the same subgraphs. */
const cachedPort = cfg.BENCH_PORT_BASE + 20;
const cachedUrl = `http://127.0.0.1:${cachedPort}/graphql`;
const processes: ManagedProcess[] = [];
const quiet = { LOG_LEVEL: 'warn', NODE_ENV: 'production' };
// One load generator on one address is the whole point here: no rate limits.
const unlimited = { ROUTER_RATE_LIMIT: 'false' };

const STOREFRONT = `query Storefront($slug: String!, $first: Int!) {
  storefront(slug: $slug) {
    name
    listings(first: $first) {
      nodes {
        id title available
        price { amount currencyCode }
        variant { sku options { name value } availableQuantity product { name brand { name } } }
      }
    }
  }
}`;

async function sqlStatementsSoFar(): Promise<number> {
  let total = 0;
  for (const [i] of subgraphs.entries()) {
    const text = await (await fetch(`http://127.0.0.1:${port(i)}/metrics`)).text();
    for (const line of text.split('\n')) {
      if (line.startsWith('graphql_sql_statements_per_request_sum')) total += Number(line.split(' ').at(-1));
    }
  }
  return total;
}

async function load(name: string, body: unknown, url = routerUrl) {
  const before = await sqlStatementsSoFar();
  // Every response time is kept, so p95 is exact (autocannon's summary has p90 and p97.5, not p95).
  const times: number[] = [];
  const r = await new Promise<Awaited<ReturnType<typeof autocannon>>>((resolve, reject) => {
    autocannon(
      {
        url,
        connections: cfg.BENCH_CONNECTIONS,
        duration: cfg.BENCH_DURATION,
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      },
      (err, result) => (err ? reject(err) : resolve(result)),
    ).on('response', (_c, status, _b, ms) => {
      if (status === 200) times.push(ms);
    });
  });
  const after = await sqlStatementsSoFar();
  times.sort((a, b) => a - b);
  const pct = (p: number) =>
    times.length ? times[Math.min(times.length - 1, Math.floor((p / 100) * times.length))]! : 0;
  const ok = r['2xx'];
  const sqlPerRequest = ok ? (after - before) / ok : 0;
  const line = {
    name,
    rps: r.requests.average,
    p50: +pct(50).toFixed(1),
    p95: +pct(95).toFixed(1),
    p99: +pct(99).toFixed(1),
    errors: r.errors + r.timeouts + r.non2xx,
    requests: ok,
    sqlPerRequest,
  };
  console.log(
    `${name.padEnd(22)} ${line.rps.toFixed(0).padStart(6)} req/s  p50 ${line.p50} ms  p95 ${line.p95} ms  p99 ${line.p99} ms  errors ${line.errors}  SQL/request ${sqlPerRequest.toFixed(2)}`,
  );
  return line;
}

try {
  const dbEnv = Object.fromEntries(Object.entries(db).map(([k, v]) => [k, String(v)]));
  subgraphs.forEach((s, i) => {
    processes.push(
      startProcess(
        s.name,
        `${s.dir}/src/main.ts`,
        {
          ...dbEnv,
          ...quiet,
          // The demo seed accepts connections right after signing up, which needs
          // verified emails; identity refuses auto-verification in production, so
          // identity alone runs in development mode here.
          ...(s.name === 'identity' ? { NODE_ENV: 'development', IDENTITY_AUTO_VERIFY_EMAILS: 'true' } : {}),
          PORT: String(port(i)),
          INTERNAL_TOKEN_PUBLIC_KEY: keys.publicKey,
          KEY_ENCRYPTION_SECRET: 'bench-only-secret',
        },
        i,
      ),
    );
  });
  await Promise.all(
    subgraphs.map((_, i) => waitReady(processes[i]!, `http://127.0.0.1:${port(i)}/ready`, 120_000)),
  );
  const identity = subgraphs.findIndex((s) => s.name === 'identity');
  const routerEnv = (routerPort: number, cache: boolean) => ({
    ...quiet,
    ...unlimited,
    PORT: String(routerPort),
    ROUTER_ENTITY_CACHE: String(cache),
    INTERNAL_TOKEN_PRIVATE_KEY: keys.privateKey,
    IDENTITY_URL: `http://127.0.0.1:${port(identity)}`,
    IDENTITY_JWKS_URL: `http://127.0.0.1:${port(identity)}/.well-known/jwks.json`,
    ...Object.fromEntries(
      subgraphs.map((s, i) => [
        `SUBGRAPH_${s.name.toUpperCase()}_URL`,
        `http://127.0.0.1:${port(i)}/graphql`,
      ]),
    ),
  });
  const router = startProcess(
    'router',
    `${repoRoot}router/src/main.ts`,
    routerEnv(cfg.BENCH_PORT_BASE, false),
    subgraphs.length,
  );
  processes.push(router);
  await waitReady(router, `http://127.0.0.1:${cfg.BENCH_PORT_BASE}/ready`);
  const withCache = cfg.BENCH_ENTITY_CACHE.includes('on');
  if (withCache) {
    const cached = startProcess(
      'router-cached',
      `${repoRoot}router/src/main.ts`,
      routerEnv(cachedPort, true),
      subgraphs.length + 1,
    );
    processes.push(cached);
    await waitReady(cached, `http://127.0.0.1:${cachedPort}/ready`);
  }

  console.log('seeding the demo network through the API…');
  const t0 = Date.now();
  await seedDemo(routerUrl, true, (m) => console.log(`  ${m}`));
  console.log(`seeded in ${((Date.now() - t0) / 1000).toFixed(1)} s`);

  // Projections settle within milliseconds of the last event; wait (bounded) for a complete page.
  const healthy = (r: Awaited<ReturnType<typeof graphqlRequest>>) => {
    const nodes = r.data?.storefront?.listings?.nodes ?? [];
    return !r.errors && nodes.length === 50 && nodes.every((n: { variant: unknown }) => n.variant);
  };
  const check = await eventually(
    () => graphqlRequest(routerUrl, STOREFRONT, { slug: 'corner-store', first: 50 }),
    healthy,
    30_000,
    'a complete storefront page',
  );
  if (!healthy(check)) throw new Error('storefront query is not healthy');

  // Warm-up (query plans, pools, caches), then the measured runs.
  await autocannon({
    url: routerUrl,
    connections: 10,
    amount: 200,
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query: STOREFRONT, variables: { slug: 'corner-store', first: 50 } }),
  });
  const baseline = await load('baseline {__typename}', { query: '{ __typename }' });
  const measure = async (label: string, url: string) => {
    const small = await load(
      `${label}first:10`,
      {
        query: STOREFRONT,
        variables: { slug: 'corner-store', first: 10 },
      },
      url,
    );
    const page = await load(
      `${label}first:50`,
      {
        query: STOREFRONT,
        variables: { slug: 'corner-store', first: 50 },
      },
      url,
    );
    return { small, page };
  };
  if (cfg.BENCH_ENTITY_CACHE.includes('off')) {
    const { small, page } = await measure('storefront ', routerUrl);
    // Averages over thousands of requests: short-lived caches (slug → storefront, 5 s)
    // add a fraction of a statement now and then; per-row queries would add dozens.
    const grows = page.sqlPerRequest - small.sqlPerRequest >= 0.5;
    console.log(
      `SQL statements per request: ${small.sqlPerRequest.toFixed(2)} for 10 listings, ${page.sqlPerRequest.toFixed(2)} for 50 (${grows ? 'GROWS with the page size' : 'does not grow with the page size'})`,
    );
    console.log(
      `bench:storefront: ${page.rps.toFixed(0)} req/s at ${cfg.BENCH_CONNECTIONS} connections (${((page.rps / baseline.rps) * 100).toFixed(1)}% of the ${baseline.rps.toFixed(0)} req/s router baseline); p50 ${page.p50} ms, p95 ${page.p95} ms, p99 ${page.p99} ms; ${page.sqlPerRequest.toFixed(1)} SQL statements/request; ${page.errors} errors (entity cache off)`,
    );
  }
  if (withCache) {
    const { page } = await measure('cached ', cachedUrl);
    console.log(
      `bench:storefront with the entity cache: ${page.rps.toFixed(0)} req/s; p50 ${page.p50} ms, p95 ${page.p95} ms, p99 ${page.p99} ms; ${page.sqlPerRequest.toFixed(2)} SQL statements/request; ${page.errors} errors`,
    );
  }
} catch (err) {
  console.error(`bench:storefront failed: ${(err as Error).message}`);
  process.exitCode = 1;
} finally {
  await stopAll(processes);
  await dropTestDatabases(db);
}
