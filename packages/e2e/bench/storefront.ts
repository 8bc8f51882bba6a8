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
 * BENCH_CPU_PROF (a directory: every process runs with --cpu-prof into <dir>/<name>; the
 * profiles include the seed, so use a long BENCH_DURATION; summarise with
 * `node router/bench/profile.ts`), BENCH_BASELINE and BENCH_ROUNDS (below),
 * BENCH_ROUTER_WORKERS (default 1: the router runs as one process, as a
 * baseline commit's router without ROUTER_WORKERS does, on cores it shares with
 * eight subgraphs and MariaDB; `bench:router` measures the workers), DB_* as
 * everywhere.
 *
 * Every measured run also prints where the CPU went: milliseconds of CPU per
 * request of each process (/proc), MariaDB's and the load generator's included.
 * On a small machine they all share the cores, so that sum is what bounds req/s.
 *
 * BENCH_BASELINE=<another checkout> (installed with `npm ci`, e.g. a `git
 * worktree` of an older commit) boots that checkout's subgraphs and router as
 * well, on their own database prefix and ports from BENCH_PORT_BASE + 100,
 * seeds them with that checkout's own demo seed, and measures the 50-listing
 * page on both in interleaved rounds (BENCH_ROUNDS, default 3; ABBA order), so
 * both see the same machine. While one graph is measured, every process of the
 * other is stopped (SIGSTOP, SIGCONT before its own round): an idle graph's
 * pollers and sweepers would otherwise take CPU from the measured one, and more
 * from whichever graph idles next to the heavier one. The last line is the ratio
 * of the medians. Two
 * graphs hold more MariaDB connections than its default limit of 151 (`SET
 * GLOBAL max_connections = 600`, as .ci/run does).
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startMailCatcher } from '@tradegraph/runner/mail-catcher.ts';
import {
  cpuSecondsOf,
  type ManagedProcess,
  pidsNamed,
  startProcess,
  stopAll,
  treeCpuSecondsOf,
  treePidsOf,
  waitReady,
} from '@tradegraph/runner/processes.ts';
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
  BENCH_CPU_PROF: env.string({ default: '' }),
  BENCH_BASELINE: env.string({ default: '' }),
  BENCH_ROUNDS: env.int({ default: 3, min: 1, max: 20 }),
  BENCH_ROUTER_WORKERS: env.int({ default: 1, min: 1, max: 64 }),
});
const keys = generateInternalKeyPair();
const processes: ManagedProcess[] = [];
/** The graphs started. */
const graphs: Stack[] = [];
/** Database configurations to drop at the end. */
const databases: (typeof cfg)[] = [];
const quiet = { LOG_LEVEL: 'warn', NODE_ENV: 'production' };
/** NODE_OPTIONS for process `name` when profiling (BENCH_CPU_PROF). */
const profiled = (name: string): Record<string, string> =>
  cfg.BENCH_CPU_PROF ? { NODE_OPTIONS: `--cpu-prof --cpu-prof-dir=${cfg.BENCH_CPU_PROF}/${name}` } : {};
// The seed's mail (sign-ups, orders) is delivered, as under `npm start`: with nowhere to
// send it, notifications would retry every delivery with backoff through the measured runs.
const mailDir = mkdtempSync(join(tmpdir(), 'bench-mail-'));
const mail = await startMailCatcher({ dir: mailDir, smtpPort: 0, httpPort: 0 });
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

/** One running graph: its subgraphs and router (and the cached router), seeded. */
interface Stack {
  label: string;
  routerUrl: string;
  cachedUrl: string | null;
  subgraphPorts: number[];
  /** Its subgraphs and routers. */
  processes: ManagedProcess[];
}

/**
 * Stops (SIGSTOP) or continues (SIGCONT) every process of a graph, with their
 * children. A stopped graph holds its connections and uses no CPU; on SIGCONT its
 * overdue timers fire at once, so a graph gets a moment to settle before it is measured.
 */
async function setRunning(stack: Stack, running: boolean, settleMs = running ? 2_000 : 0): Promise<void> {
  for (const p of stack.processes) {
    if (!p.child.pid) continue;
    for (const pid of treePidsOf(p.child.pid)) {
      try {
        process.kill(pid, running ? 'SIGCONT' : 'SIGSTOP');
      } catch {
        // gone
      }
    }
  }
  if (settleMs) await new Promise((r) => setTimeout(r, settleMs));
}

async function sqlStatementsSoFar(stack: Stack): Promise<number> {
  let total = 0;
  for (const port of stack.subgraphPorts) {
    const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    for (const line of text.split('\n')) {
      if (line.startsWith('graphql_sql_statements_per_request_sum')) total += Number(line.split(' ').at(-1));
    }
  }
  return total;
}

/**
 * CPU seconds used so far by each process of the stack, MariaDB (when it runs on
 * this machine) and this process (the load generator): where a request's CPU goes
 * on a machine where they all share the cores.
 */
function cpuSoFar(): Map<string, number> {
  const out = new Map<string, number>();
  for (const p of processes) {
    // With the processes they started (the router's cluster workers).
    const seconds = treeCpuSecondsOf(p.child.pid);
    if (seconds !== undefined) out.set(p.name, seconds);
  }
  let mariadb = 0;
  for (const pid of [...pidsNamed('mariadbd'), ...pidsNamed('mysqld')]) mariadb += cpuSecondsOf(pid) ?? 0;
  if (mariadb) out.set('mariadb', mariadb);
  const own = process.cpuUsage();
  out.set('load generator', (own.user + own.system) / 1e6);
  return out;
}

/** "router 2.1, retailer 1.3, …": CPU ms per request of every process that used at least 0.05. */
function cpuPerRequest(before: Map<string, number>, after: Map<string, number>, requests: number): string {
  if (!requests) return '';
  const parts: [string, number][] = [];
  for (const [name, seconds] of after) {
    const ms = ((seconds - (before.get(name) ?? 0)) * 1000) / requests;
    if (ms >= 0.05) parts.push([name, ms]);
  }
  const total = parts.reduce((sum, [, ms]) => sum + ms, 0);
  parts.sort((a, b) => b[1] - a[1]);
  return `${total.toFixed(1)} ms CPU/request: ${parts.map(([n, ms]) => `${n} ${ms.toFixed(2)}`).join(', ')}`;
}

async function load(name: string, body: unknown, stack: Stack, url = stack.routerUrl) {
  const before = await sqlStatementsSoFar(stack);
  const cpuBefore = cpuSoFar();
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
  const cpuAfter = cpuSoFar();
  const after = await sqlStatementsSoFar(stack);
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
    cpu: cpuPerRequest(cpuBefore, cpuAfter, ok),
  };
  console.log(
    `${name.padEnd(22)} ${line.rps.toFixed(0).padStart(6)} req/s  p50 ${line.p50} ms  p95 ${line.p95} ms  p99 ${line.p99} ms  errors ${line.errors}  SQL/request ${sqlPerRequest.toFixed(2)}`,
  );
  if (line.cpu) console.log(`${''.padEnd(22)} ${line.cpu}`);
  return line;
}

/**
 * Boots the subgraphs and router of the checkout at `root` (this one, or the
 * baseline) from `portBase`, on a database prefix of their own, and seeds the
 * demo network with that checkout's seed.
 */
async function startStack(label: string, root: string, portBase: number, withCache: boolean): Promise<Stack> {
  // A prefix the test-database cleanup accepts, so everything is dropped afterwards.
  const db = { ...cfg, DB_PREFIX: `tg_t${randomBytes(4).toString('hex')}_` };
  databases.push(db);
  const dbEnv = Object.fromEntries(Object.entries(db).map(([k, v]) => [k, String(v)]));
  const subgraphs = discoverSubgraphs(root);
  const port = (i: number) => portBase + 1 + i;
  const prefix = label ? `${label}:` : '';
  // this graph's processes are the ones pushed from here on
  const first = processes.length;
  const mine: ManagedProcess[] = [];
  subgraphs.forEach((s, i) => {
    mine.push(
      startProcess(
        `${prefix}${s.name}`,
        `${s.dir}/src/main.ts`,
        {
          ...dbEnv,
          ...quiet,
          ...profiled(`${prefix}${s.name}`),
          // The demo seed accepts connections right after signing up, which needs
          // verified emails; identity refuses auto-verification in production, so
          // identity alone runs in development mode here.
          ...(s.name === 'identity' ? { NODE_ENV: 'development', IDENTITY_AUTO_VERIFY_EMAILS: 'true' } : {}),
          PORT: String(port(i)),
          SMTP_URL: mail.smtpUrl,
          INTERNAL_TOKEN_PUBLIC_KEY: keys.publicKey,
          KEY_ENCRYPTION_SECRET: 'bench-only-secret',
        },
        processes.length + i,
      ),
    );
  });
  processes.push(...mine);
  await Promise.all(
    subgraphs.map((_, i) => waitReady(mine[i]!, `http://127.0.0.1:${port(i)}/ready`, 120_000)),
  );
  const identity = subgraphs.findIndex((s) => s.name === 'identity');
  const routerEnv = (routerPort: number, cache: boolean) => ({
    ...quiet,
    ...profiled(`${prefix}${cache ? 'router-cached' : 'router'}`),
    ...unlimited,
    PORT: String(routerPort),
    ROUTER_WORKERS: String(cfg.BENCH_ROUTER_WORKERS),
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
    `${prefix}router`,
    `${root}router/src/main.ts`,
    routerEnv(portBase, false),
    processes.length,
  );
  processes.push(router);
  await waitReady(router, `http://127.0.0.1:${portBase}/ready`);
  const routerUrl = `http://127.0.0.1:${portBase}/graphql`;
  let cachedUrl: string | null = null;
  if (withCache) {
    // The same router with the entity cache on, over the same subgraphs.
    const cachedPort = portBase + 20;
    const cached = startProcess(
      `${prefix}router-cached`,
      `${root}router/src/main.ts`,
      routerEnv(cachedPort, true),
      processes.length,
    );
    processes.push(cached);
    await waitReady(cached, `http://127.0.0.1:${cachedPort}/ready`);
    cachedUrl = `http://127.0.0.1:${cachedPort}/graphql`;
  }

  console.log(`seeding the demo network through the API${label ? ` (${label})` : ''}…`);
  const t0 = Date.now();
  const seed =
    root === repoRoot
      ? seedDemo
      : ((await import(`${root}packages/runner/src/seed.ts`)) as { seedDemo: typeof seedDemo }).seedDemo;
  await seed(routerUrl, true, (m) => console.log(`  ${m}`));
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
  if (!healthy(check)) throw new Error(`storefront query${label ? ` (${label})` : ''} is not healthy`);

  // Warm-up (query plans, pools, caches) before any measured run.
  for (const url of [routerUrl, ...(cachedUrl ? [cachedUrl] : [])]) {
    await autocannon({
      url,
      connections: 10,
      amount: 200,
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: STOREFRONT, variables: { slug: 'corner-store', first: 50 } }),
    });
  }
  const graph = {
    label,
    routerUrl,
    cachedUrl,
    subgraphPorts: subgraphs.map((_, i) => port(i)),
    processes: processes.slice(first),
  };
  graphs.push(graph);
  return graph;
}

const page = (first: number) => ({ query: STOREFRONT, variables: { slug: 'corner-store', first } });
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

try {
  const withCache = cfg.BENCH_ENTITY_CACHE.includes('on');
  const stack = await startStack('', repoRoot, cfg.BENCH_PORT_BASE, withCache);
  const baselineRoot = cfg.BENCH_BASELINE ? `${cfg.BENCH_BASELINE.replace(/\/+$/, '')}/` : '';
  const baseline = baselineRoot
    ? await startStack('baseline', baselineRoot, cfg.BENCH_PORT_BASE + 100, false)
    : null;
  // Until its rounds, the baseline graph sleeps (see setRunning).
  if (baseline) await setRunning(baseline, false);

  const routerOnly = await load('router {__typename}', { query: '{ __typename }' }, stack);
  if (cfg.BENCH_ENTITY_CACHE.includes('off')) {
    const small = await load('storefront first:10', page(10), stack);
    const large = await load('storefront first:50', page(50), stack);
    // Averages over thousands of requests: short-lived caches (slug → storefront, 5 s)
    // add a fraction of a statement now and then; per-row queries would add dozens.
    const grows = large.sqlPerRequest - small.sqlPerRequest >= 0.5;
    console.log(
      `SQL statements per request: ${small.sqlPerRequest.toFixed(2)} for 10 listings, ${large.sqlPerRequest.toFixed(2)} for 50 (${grows ? 'GROWS with the page size' : 'does not grow with the page size'})`,
    );
    console.log(
      `bench:storefront: ${large.rps.toFixed(0)} req/s at ${cfg.BENCH_CONNECTIONS} connections (${((large.rps / routerOnly.rps) * 100).toFixed(1)}% of the ${routerOnly.rps.toFixed(0)} req/s router baseline); p50 ${large.p50} ms, p95 ${large.p95} ms, p99 ${large.p99} ms; ${large.sqlPerRequest.toFixed(1)} SQL statements/request; ${large.errors} errors (entity cache off)`,
    );
  }
  if (stack.cachedUrl) {
    await load('cached first:10', page(10), stack, stack.cachedUrl);
    const large = await load('cached first:50', page(50), stack, stack.cachedUrl);
    console.log(
      `bench:storefront with the entity cache: ${large.rps.toFixed(0)} req/s; p50 ${large.p50} ms, p95 ${large.p95} ms, p99 ${large.p99} ms; ${large.sqlPerRequest.toFixed(2)} SQL statements/request; ${large.errors} errors`,
    );
  }
  if (baseline) {
    // Interleaved rounds, ABBA, entity cache off on both: the same machine for both.
    const ours: Awaited<ReturnType<typeof load>>[] = [];
    const theirs: Awaited<ReturnType<typeof load>>[] = [];
    for (let round = 1; round <= cfg.BENCH_ROUNDS; round++) {
      const order = round % 2 ? [stack, baseline] : [baseline, stack];
      for (const s of order) {
        const other = s === stack ? baseline : stack;
        await setRunning(other, false);
        await setRunning(s, true);
        const line = await load(`${s.label || 'this'} first:50 #${round}`, page(50), s);
        (s === stack ? ours : theirs).push(line);
      }
    }
    const sql = (lines: typeof ours) => median(lines.map((l) => l.sqlPerRequest));
    const ratio = median(ours.map((l) => l.rps)) / median(theirs.map((l) => l.rps));
    console.log(
      `bench:storefront vs baseline ${cfg.BENCH_BASELINE}: ${median(ours.map((l) => l.rps)).toFixed(0)} vs ${median(theirs.map((l) => l.rps)).toFixed(0)} req/s (medians of ${cfg.BENCH_ROUNDS} interleaved rounds) = ${ratio.toFixed(2)}×; p99 ${median(ours.map((l) => l.p99))} vs ${median(theirs.map((l) => l.p99))} ms; SQL/request ${sql(ours).toFixed(2)} vs ${sql(theirs).toFixed(2)}`,
    );
  }
} catch (err) {
  console.error(`bench:storefront failed: ${(err as Error).message}`);
  process.exitCode = 1;
} finally {
  // a stopped process would not see the SIGTERM that stops it
  for (const s of graphs) await setRunning(s, true, 0);
  await stopAll(processes);
  await mail.close();
  rmSync(mailDir, { recursive: true, force: true });
  for (const db of databases) await dropTestDatabases(db);
}
