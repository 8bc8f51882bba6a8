/**
 * npm run bench:subscriptions — N concurrent subscribers on one router process
 * (a child process, so its memory is its own), spread over T tenants, and M
 * order status events; prints delivered/expected, event→client latency
 * percentiles, router memory per subscriber and the upstream connections used.
 *
 * The graph is small and in-process: a `live` subgraph (the kernel's
 * attachLiveServer + LiveFeed, as orders uses them) owns `orderStatusChanged`,
 * an `accounts` subgraph resolves `Order.retailer { name }`, so every event
 * costs the router one entity fetch per shared stream. A fake identity serves
 * the JWKS and an empty revocation feed. Ports 4700–4703 (BENCH_SUB_PORT_BASE).
 *
 *   BENCH_SUBSCRIBERS=10000 BENCH_TENANTS=100 BENCH_EVENTS=200 BENCH_EVENT_INTERVAL_MS=50 npm run bench:subscriptions
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { composeServices } from '@apollo/composition';
import {
  attachLiveServer,
  createLogger,
  generateInternalKeyPair,
  LiveFeed,
  loadInternalPublicKey,
  type RequestContext,
  startSubgraphServer,
} from '@tradegraph/shared';
import { parse } from 'graphql';
import { type Client, createClient } from 'graphql-ws';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import WebSocket from 'ws';

const env = process.env;
const N = Number(env.BENCH_SUBSCRIBERS ?? 10_000);
const T = Number(env.BENCH_TENANTS ?? 100);
const M = Number(env.BENCH_EVENTS ?? 200);
const INTERVAL = Number(env.BENCH_EVENT_INTERVAL_MS ?? 50);
const BASE = Number(env.BENCH_SUB_PORT_BASE ?? 4700);
const PORTS = { router: BASE, live: BASE + 1, accounts: BASE + 2, identity: BASE + 3 };
const logger = createLogger('bench', 'warn');
const quiet = createLogger('bench', 'silent');

const LIVE_SDL = `extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key"])
type Organization @key(fields: "id", resolvable: false) { id: ID! }
type Order @key(fields: "id") { id: ID! number: String! retailer: Organization! }
type OrderStatusChange { order: Order! status: String! at: Float! }
type Query { liveVersion: String }
type Subscription { orderStatusChanged: OrderStatusChange! }`;
const ACCOUNTS_SDL = `extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key"])
type Organization @key(fields: "id") { id: ID! name: String! }
type Query { accountsVersion: String }`;
const SUBSCRIPTION = `subscription { orderStatusChanged { status at order { id number retailer { name } } } }`;

interface StatusEvent {
  orderId: string;
  retailerId: string;
  status: string;
  at: number;
}

const tenantId = (t: number) => `org_bench${String(t).padStart(5, '0')}`;

async function main() {
  const keys = generateInternalKeyPair();
  const internalPublicKey = loadInternalPublicKey(keys.publicKey);

  // identity: JWKS and an empty revocation feed
  const { publicKey, privateKey } = await generateKeyPair('RS256');
  const jwk = { ...(await exportJWK(publicKey)), kid: 'bench', alg: 'RS256', use: 'sig' };
  const identity = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    if (url.pathname === '/.well-known/jwks.json') {
      res.writeHead(200, { 'content-type': 'application/json' });
      return res.end(JSON.stringify({ keys: [jwk] }));
    }
    if (url.pathname === '/internal/revocations') {
      const wait = Math.min(Number(url.searchParams.get('wait') ?? 0), 1_000);
      const t = setTimeout(() => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ now: Date.now(), revocations: [] }));
      }, wait);
      req.on('close', () => clearTimeout(t));
      return;
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((r) => identity.listen(PORTS.identity, '127.0.0.1', r));
  const tokenFor = (t: number) =>
    new SignJWT({
      typ: 'user',
      org: tenantId(t),
      okd: 'RETAILER',
      role: 'OWNER',
      perms: ['orders:read'],
      sid: `ses_${t}`,
    })
      .setProtectedHeader({ alg: 'RS256', kid: 'bench' })
      .setSubject(`usr_bench${t}`)
      .setIssuer('tradegraph-identity')
      .setAudience('tradegraph')
      .setIssuedAt()
      .setExpirationTime('1h')
      .sign(privateKey);

  // the subgraphs
  const feed = new LiveFeed<StatusEvent>({ bufferSize: 1_000 });
  const live = await startSubgraphServer<RequestContext>({
    name: 'live',
    port: PORTS.live,
    host: '127.0.0.1',
    typeDefs: parse(LIVE_SDL),
    resolvers: {},
    logger: quiet,
    internalPublicKey,
    context: (base) => base,
  });
  const liveResolvers = {
    Subscription: {
      orderStatusChanged: {
        subscribe: (_: unknown, __: unknown, ctx: RequestContext) => {
          const p = ctx.principal;
          const org = p.kind === 'user' ? p.organizationId : null;
          return feed.subscribe((e) => e.retailerId === org);
        },
        resolve: (entry: { event: StatusEvent }) => ({
          status: entry.event.status,
          at: entry.event.at,
          order: {
            id: entry.event.orderId,
            number: `TG-${entry.event.orderId}`,
            retailer: { id: entry.event.retailerId },
          },
        }),
      },
    },
  };
  const liveServer = attachLiveServer({
    name: 'live',
    server: live.server,
    typeDefs: parse(LIVE_SDL),
    resolvers: liveResolvers,
    internalPublicKey,
    logger: quiet,
    context: (base) => base,
  });
  const accounts = await startSubgraphServer<RequestContext>({
    name: 'accounts',
    port: PORTS.accounts,
    host: '127.0.0.1',
    typeDefs: parse(ACCOUNTS_SDL),
    resolvers: {
      Organization: {
        __resolveReference: (ref: { id: string }) => ({ id: ref.id, name: `Retailer ${ref.id.slice(-5)}` }),
      },
    },
    logger: quiet,
    internalPublicKey,
    context: (base) => base,
  });

  const composed = composeServices([
    { name: 'live', url: `http://127.0.0.1:${PORTS.live}/graphql`, typeDefs: parse(LIVE_SDL) },
    { name: 'accounts', url: `http://127.0.0.1:${PORTS.accounts}/graphql`, typeDefs: parse(ACCOUNTS_SDL) },
  ]);
  if (composed.errors) throw new Error(composed.errors.map((e) => e.message).join('\n'));
  const dir = mkdtempSync(join(tmpdir(), 'bench-sub-'));
  const supergraphPath = join(dir, 'supergraph.graphql');
  writeFileSync(supergraphPath, composed.supergraphSdl);

  // the router, in its own process
  const router = spawn(
    process.execPath,
    [
      '--import',
      new URL('./subscriptions-gc.ts', import.meta.url).pathname,
      new URL('../src/main.ts', import.meta.url).pathname,
    ],
    {
      env: {
        ...env,
        NODE_ENV: 'production',
        LOG_LEVEL: 'warn',
        PORT: String(PORTS.router),
        HOST: '127.0.0.1',
        ROUTER_WORKERS: '1',
        SUPERGRAPH_PATH: supergraphPath,
        INTERNAL_TOKEN_PRIVATE_KEY: keys.privateKey,
        IDENTITY_URL: `http://127.0.0.1:${PORTS.identity}`,
        IDENTITY_JWKS_URL: `http://127.0.0.1:${PORTS.identity}/.well-known/jwks.json`,
        ROUTER_RATE_LIMIT: 'false',
        ROUTER_SUBSCRIPTIONS_PER_ORGANIZATION: String(N),
        // 10,000 sockets opening at once on a busy machine: a slow connection_init here is the load, not the client.
        ROUTER_SUBSCRIPTION_INIT_TIMEOUT_MS: '30000',
        REDIS_URL: '',
      },
      stdio: ['ignore', 'inherit', 'inherit'],
    },
  );
  process.once('exit', () => router.kill('SIGKILL'));
  const origin = `http://127.0.0.1:${PORTS.router}`;
  await waitUntil(
    async () => (await fetch(`${origin}/ready`).catch(() => null))?.ok === true,
    30_000,
    'router ready',
  );
  const sample = async () => {
    const text = await (await fetch(`${origin}/metrics`)).text();
    const read = (name: string) =>
      Number(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, 'm').exec(text)?.[1] ?? NaN);
    return { rss: read('process_resident_memory_bytes'), heap: read('nodejs_heap_size_used_bytes') };
  };
  // Sampled as is (garbage included, as V8 left it), then after a full GC (subscribers-gc.ts): what is held.
  const memory = async () => {
    const asIs = await sample();
    router.kill('SIGUSR2');
    await new Promise((r) => setTimeout(r, 1_000));
    return { asIs, collected: await sample() };
  };
  await new Promise((r) => setTimeout(r, 500));
  const before = await memory();

  // N subscribers over T tenants, one WebSocket each
  const tokens = await Promise.all(Array.from({ length: T }, (_, t) => tokenFor(t)));
  const latencies: number[] = [];
  const received = new Map<number, number>(); // event seq → deliveries
  const warm = new Set<number>();
  let measuring = false;
  let errors = 0;
  const clients: Client[] = [];
  const started = performance.now();
  for (let i = 0; i < N; i++) {
    const t = i % T;
    const client = createClient({
      url: `ws://127.0.0.1:${PORTS.router}/graphql`,
      webSocketImpl: WebSocket,
      connectionParams: { authorization: `Bearer ${tokens[t]}` },
      retryAttempts: 0,
      lazy: false,
      onNonLazyError: () => {
        errors++;
      },
    });
    clients.push(client);
    client.subscribe(
      { query: SUBSCRIPTION },
      {
        next: (r) => {
          const now = Date.now();
          const change = (r.data as { orderStatusChanged?: { at: number; status: string } } | null)
            ?.orderStatusChanged;
          if (!change || r.errors) {
            errors++;
            return;
          }
          if (change.status === 'WARMUP') {
            warm.add(i);
            return;
          }
          if (!measuring) return;
          latencies.push(now - change.at);
          const seq = Number(change.status.slice(1));
          received.set(seq, (received.get(seq) ?? 0) + 1);
        },
        error: () => {
          errors++;
        },
        complete: () => {},
      },
    );
    // Connect in bursts, as dashboards would over a few seconds, without flooding the accept queue.
    if (i % 200 === 199) await new Promise((r) => setTimeout(r, 20));
  }
  await waitUntil(async () => feed.subscribers >= T, 120_000, `${T} upstream subscriptions`);
  // Warm-up events until every subscriber got one (then every subscription is live); a round goes only to
  // tenants with a subscriber still waiting, so the warm-up does not queue a backlog before the measured events.
  let warmups = 0;
  await waitUntil(
    async () => {
      const waiting = new Set<number>();
      for (let i = 0; i < N; i++) if (!warm.has(i)) waiting.add(i % T);
      if (waiting.size === 0) return true;
      for (const t of waiting) {
        feed.publish(`warm-${warmups}-${t}`, {
          orderId: 'warm',
          retailerId: tenantId(t),
          status: 'WARMUP',
          at: 0,
        });
      }
      warmups++;
      await new Promise((r) => setTimeout(r, 2_000));
      return false;
    },
    90_000,
    'every subscriber live',
  ).catch((err: Error) => console.log(`${err.message}: ${warm.size} of ${N} live; measuring anyway`));
  const connectSeconds = (performance.now() - started) / 1000;
  await new Promise((r) => setTimeout(r, 1_000));
  const after = await memory();

  // M events, each for one tenant: N/T deliveries each
  measuring = true;
  let expected = 0;
  const perTenant = new Map<number, number>();
  for (let i = 0; i < N; i++) perTenant.set(i % T, (perTenant.get(i % T) ?? 0) + 1);
  const sendStarted = performance.now();
  for (let seq = 0; seq < M; seq++) {
    const t = seq % T;
    expected += perTenant.get(t) ?? 0;
    feed.publish(`evt-${seq}`, {
      orderId: `ord_${seq}`,
      retailerId: tenantId(t),
      status: `S${seq}`,
      at: Date.now(),
    });
    if (INTERVAL > 0) await new Promise((r) => setTimeout(r, INTERVAL));
  }
  const delivered = () => [...received.values()].reduce((a, b) => a + b, 0);
  await waitUntil(async () => delivered() >= expected, 30_000, 'all deliveries').catch(() => undefined);
  const sendSeconds = (performance.now() - sendStarted) / 1000;

  latencies.sort((a, b) => a - b);
  const pct = (p: number) =>
    latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))] ?? NaN;
  const got = delivered();
  const perSub = (key: 'rss' | 'heap', when: 'asIs' | 'collected') =>
    (after[when][key] - before[when][key]) / N / 1024;
  const perSubRss = perSub('rss', 'collected');
  const perSubHeap = perSub('heap', 'collected');
  const upstreamConnections = liveServer.connections;
  const upstreamSubscriptions = feed.subscribers;

  console.log(
    `subscribers            ${N} over ${T} tenants (${warm.size} live after ${connectSeconds.toFixed(1)} s)`,
  );
  console.log(`events                 ${M} (one every ${INTERVAL} ms, ${sendSeconds.toFixed(1)} s)`);
  console.log(
    `delivered / expected   ${got} / ${expected} (${((got / expected) * 100).toFixed(2)} %), errors ${errors}`,
  );
  console.log(
    `latency event→client   p50 ${pct(50)} ms, p95 ${pct(95)} ms, p99 ${pct(99)} ms, max ${latencies.at(-1)} ms`,
  );
  console.log(
    `router memory          after GC: RSS ${(before.collected.rss / 2 ** 20).toFixed(0)} → ${(after.collected.rss / 2 ** 20).toFixed(0)} MiB (${perSubRss.toFixed(1)} KB per subscriber), heap ${perSubHeap.toFixed(1)} KB per subscriber`,
  );
  console.log(
    `                       as sampled: RSS ${(before.asIs.rss / 2 ** 20).toFixed(0)} → ${(after.asIs.rss / 2 ** 20).toFixed(0)} MiB (${perSub('rss', 'asIs').toFixed(1)} KB per subscriber), heap ${perSub('heap', 'asIs').toFixed(1)} KB per subscriber`,
  );
  console.log(
    `upstream               ${upstreamConnections} connection(s) to the subgraph, ${upstreamSubscriptions} shared subscription(s)`,
  );
  const pass = got === expected && pct(99) < 1000 && perSubRss <= 10;
  console.log(
    `SUMMARY ${pass ? 'PASS' : 'FAIL'}: ${N} subscribers, ${M} events, delivered ${((got / expected) * 100).toFixed(2)} %, p50/p95/p99 ${pct(50)}/${pct(95)}/${pct(99)} ms, ${perSubRss.toFixed(1)} KB RSS per subscriber, ${upstreamConnections} upstream connection(s) / ${upstreamSubscriptions} subscription(s)`,
  );

  for (const c of clients) void c.dispose();
  router.kill('SIGTERM');
  await new Promise((r) => router.once('exit', r));
  await liveServer.close();
  await live.stop();
  await accounts.stop();
  identity.close();
  identity.closeAllConnections();
  process.exit(pass ? 0 : 1);
}

async function waitUntil(check: () => Promise<boolean>, ms: number, what: string) {
  const until = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

main().catch((err) => {
  logger.error({ err }, 'bench failed');
  console.error(err);
  process.exit(2);
});
