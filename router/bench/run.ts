/**
 * npm run bench:router — the public gateway benchmark's workload
 * (graphql-hive/graphql-gateways-benchmark: four subgraphs, `TestQuery`, ~88 KB
 * responses, 50 connections) against three routers side by side:
 *
 *   stock    @apollo/server + @apollo/gateway, defaults, one process
 *   hive     Hive Gateway (`hive-gateway supergraph … --fork 1 --jit`, as the benchmark runs it)
 *   tradegraph  this router (router/src/main.ts), NODE_ENV=production, ROUTER_WORKERS=1 and all cores
 *
 * Every router is its own process over the same memoised subgraphs. Before
 * measuring, this router's response must be byte-identical to stock's. Then
 * rounds are interleaved (each round runs every router once, the order
 * rotating), so drift on a shared machine hits all of them alike; figures are
 * pooled over rounds, with the range of per-round req/s.
 *
 * Env: BENCH_DURATION (s per router per round, 10), BENCH_ROUNDS (3), BENCH_WARMUP (s, 3),
 * BENCH_CONNECTIONS (50), BENCH_WORKERS (worker counts of this router, "1,<cores>"),
 * BENCH_ROUTERS (subset, "stock,hive,tradegraph"), BENCH_PORT_BASE (4600),
 * BENCH_CPU_PROF (a directory: this router runs with --cpu-prof into it).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { env, generateInternalKeyPair, loadConfig } from '@tradegraph/shared/edge';
import { quantile, runLoad } from './load.ts';
import { composeBenchSupergraph, TEST_QUERY } from './workload.ts';

const cores = availableParallelism();
const cfg = loadConfig({
  BENCH_DURATION: env.int({ default: 10, min: 1, max: 120 }),
  BENCH_ROUNDS: env.int({ default: 3, min: 1, max: 20 }),
  BENCH_WARMUP: env.int({ default: 3, min: 0, max: 60 }),
  BENCH_CONNECTIONS: env.int({ default: 50, min: 1, max: 500 }),
  BENCH_WORKERS: env.list({ default: ['1', String(cores)] }),
  BENCH_ROUTERS: env.list({ default: ['stock', 'hive', 'tradegraph'] }),
  BENCH_PORT_BASE: env.int({ default: 4600, min: 1024, max: 60000 }),
  BENCH_CPU_PROF: env.string({ optional: true }),
});

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));
const repo = here('../../');
const node = process.execPath;
const tmp = mkdtempSync(join(tmpdir(), 'bench-router-'));
const subgraphPort = cfg.BENCH_PORT_BASE + 1;
const supergraphPath = join(tmp, 'supergraph.graphql');
writeFileSync(supergraphPath, composeBenchSupergraph(`http://127.0.0.1:${subgraphPort}`));
const body = JSON.stringify({ query: TEST_QUERY, operationName: 'TestQuery' });

interface Contender {
  id: string;
  label: string;
  port: number;
  command: string[];
  env: Record<string, string>;
  child?: ChildProcess;
}

const quiet = { NODE_ENV: 'production', LOG_LEVEL: 'warn' };
const keys = generateInternalKeyPair();
const contenders: Contender[] = [];
const wanted = new Set(cfg.BENCH_ROUTERS);
if (wanted.has('stock')) {
  contenders.push({
    id: 'stock',
    label: 'stock @apollo/gateway',
    port: cfg.BENCH_PORT_BASE + 10,
    command: [here('./stock-gateway.ts'), supergraphPath, String(cfg.BENCH_PORT_BASE + 10)],
    env: quiet,
  });
}
if (wanted.has('hive')) {
  contenders.push({
    id: 'hive',
    label: 'Hive Gateway (1 worker)',
    port: cfg.BENCH_PORT_BASE + 11,
    command: [
      join(repo, 'node_modules/@graphql-hive/gateway/dist/bin.js'),
      'supergraph',
      supergraphPath,
      '--port',
      String(cfg.BENCH_PORT_BASE + 11),
      '--host',
      '127.0.0.1',
      '--fork',
      '1',
      '--jit',
    ],
    env: quiet,
  });
}
if (wanted.has('tradegraph')) {
  for (const [i, workers] of cfg.BENCH_WORKERS.map(Number).entries()) {
    const port = cfg.BENCH_PORT_BASE + 12 + i;
    const profile = cfg.BENCH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${cfg.BENCH_CPU_PROF}`] : [];
    contenders.push({
      id: `tradegraph-${workers}`,
      label: `tradegraph (${workers} worker${workers > 1 ? 's' : ''})`,
      port,
      command: [...profile, join(repo, 'router/src/main.ts')],
      env: {
        ...quiet,
        PORT: String(port),
        HOST: '127.0.0.1',
        SUPERGRAPH_PATH: supergraphPath,
        INTERNAL_TOKEN_PRIVATE_KEY: keys.privateKey,
        ROUTER_WORKERS: String(workers),
        ROUTER_METRICS: 'true',
        // The public benchmark measures the gateway, not its protections: one load
        // generator on one address, and a TestQuery (cost ~24,000) far above the default limit.
        ROUTER_RATE_LIMIT: 'false',
        ROUTER_MAX_COST: '1000000',
      },
    });
  }
}

async function post(port: number): Promise<{ status: number; text: string }> {
  const res = await fetch(`http://127.0.0.1:${port}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body,
  });
  return { status: res.status, text: await res.text() };
}

async function waitFor(port: number, what: string, child?: ChildProcess): Promise<string> {
  const until = Date.now() + 60_000;
  for (;;) {
    if (child && child.exitCode !== null) throw new Error(`${what} exited with ${child.exitCode}`);
    try {
      const r = await post(port);
      if (r.status === 200) return r.text;
    } catch {
      // not listening yet
    }
    if (Date.now() > until) throw new Error(`${what} did not answer on port ${port}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

const children: ChildProcess[] = [];
function start(args: string[], extraEnv: Record<string, string>, name: string): ChildProcess {
  const child = spawn(node, args, {
    cwd: repo,
    env: { ...process.env, ...extraEnv },
    // Own process group: stopped as a group, with any workers it forked.
    detached: true,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-4000);
  });
  child.on('exit', (code, signal) => {
    if (!stopping && code !== 0) console.error(`${name} exited (${code ?? signal}):\n${stderr}`);
  });
  children.push(child);
  return child;
}

let stopping = false;
async function stopAll() {
  stopping = true;
  await Promise.all(
    children.map(
      (c) =>
        new Promise<void>((resolve) => {
          if (c.exitCode !== null || c.signalCode !== null) return resolve();
          const force = setTimeout(() => {
            try {
              process.kill(-c.pid!, 'SIGKILL');
            } catch {}
            resolve();
          }, 10_000);
          c.once('exit', () => {
            clearTimeout(force);
            resolve();
          });
          try {
            process.kill(-c.pid!, 'SIGTERM');
          } catch {
            resolve();
          }
        }),
    ),
  );
  rmSync(tmp, { recursive: true, force: true });
}
process.once('SIGINT', () => void stopAll().then(() => process.exit(130)));

/** Resident memory of a process and all its descendants, in bytes. */
function treeRss(pid: number): number {
  let total = 0;
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    total += Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) * 1024;
    const kids = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim();
    for (const kid of kids ? kids.split(' ') : []) total += treeRss(Number(kid));
  } catch {
    // exited meanwhile
  }
  return total;
}

interface Tally {
  requests: number;
  errors: number;
  seconds: number;
  rounds: number[];
  latencies: Float64Array[];
  peakRss: number;
}

async function measure(c: Contender, seconds: number, tally?: Tally) {
  let peak = 0;
  const sampler = setInterval(() => {
    peak = Math.max(peak, treeRss(c.child!.pid!));
  }, 200);
  const r = await runLoad({
    origin: `http://127.0.0.1:${c.port}`,
    path: '/graphql',
    body,
    connections: cfg.BENCH_CONNECTIONS,
    durationMs: seconds * 1000,
    expectedBytes: expectedBytes.get(c.id)!,
  });
  clearInterval(sampler);
  if (!tally) return;
  tally.requests += r.requests;
  tally.errors += r.errors;
  tally.seconds += r.seconds;
  tally.rounds.push(r.requests / r.seconds);
  tally.latencies.push(r.latencies);
  tally.peakRss = Math.max(tally.peakRss, peak);
}

/** Each router's own answer length: a response of another length counts as an error. */
const expectedBytes = new Map<string, number>();
try {
  const subgraphs = start([here('./subgraphs.ts'), String(subgraphPort)], {}, 'subgraphs');
  for (const c of contenders) c.child = start(c.command, c.env, c.label);
  await new Promise((r) => setTimeout(r, 500));
  if (subgraphs.exitCode !== null) throw new Error('the subgraphs did not start');

  const answers = new Map<string, string>();
  for (const c of contenders) answers.set(c.id, await waitFor(c.port, c.label, c.child));
  const reference = answers.get('stock') ?? [...answers.values()][0]!;
  for (const [id, text] of answers) expectedBytes.set(id, Buffer.byteLength(text));
  const header = `bench:router — TestQuery (${Buffer.byteLength(reference)} bytes), ${cfg.BENCH_CONNECTIONS} connections, ${cfg.BENCH_ROUNDS} interleaved rounds × ${cfg.BENCH_DURATION} s, Node ${process.version}, ${cores} cores`;
  console.log(header);
  let identical = true;
  for (const c of contenders) {
    if (c.id === 'stock' || !answers.has('stock')) continue;
    const same = answers.get(c.id) === reference;
    const sameData =
      same || JSON.stringify(JSON.parse(answers.get(c.id)!)) === JSON.stringify(JSON.parse(reference));
    if (c.id.startsWith('tradegraph') && !same) identical = false;
    console.log(
      `check: ${c.label} response ${same ? 'byte-identical to' : sameData ? 'same JSON as (bytes differ from)' : 'DIFFERS from'} stock's`,
    );
  }
  if (!identical && answers.has('stock')) {
    console.error("this router's response differs from stock @apollo/gateway's: not measuring");
    process.exitCode = 1;
  } else {
    for (const c of contenders) if (cfg.BENCH_WARMUP) await measure(c, cfg.BENCH_WARMUP);
    const tallies = new Map<string, Tally>(
      contenders.map((c) => [
        c.id,
        { requests: 0, errors: 0, seconds: 0, rounds: [], latencies: [], peakRss: 0 },
      ]),
    );
    for (let round = 0; round < cfg.BENCH_ROUNDS; round++) {
      const order = contenders.map((_, i) => contenders[(i + round) % contenders.length]!);
      for (const c of order) await measure(c, cfg.BENCH_DURATION, tallies.get(c.id));
      process.stderr.write(`round ${round + 1}/${cfg.BENCH_ROUNDS} done\n`);
    }
    report(tallies);
  }
} catch (err) {
  console.error(err);
  process.exitCode = 1;
} finally {
  await stopAll();
}

function report(tallies: Map<string, Tally>) {
  const rows = contenders.map((c) => {
    const t = tallies.get(c.id)!;
    const all = new Float64Array(t.latencies.reduce((n, l) => n + l.length, 0));
    let at = 0;
    for (const l of t.latencies) {
      all.set(l, at);
      at += l.length;
    }
    all.sort();
    return {
      c,
      rps: t.requests / t.seconds,
      min: Math.min(...t.rounds),
      max: Math.max(...t.rounds),
      p50: quantile(all, 0.5),
      p99: quantile(all, 0.99),
      rss: t.peakRss / 2 ** 20,
      errors: t.errors,
    };
  });
  const stock = rows.find((r) => r.c.id === 'stock');
  const hive = rows.find((r) => r.c.id === 'hive');
  const pad = (s: string, n: number) => s.padEnd(n);
  const num = (x: number, d = 0) => x.toFixed(d).padStart(7);
  console.log(
    `${pad('router', 26)}  req/s  (rounds)          p50 ms  p99 ms  RSS MiB  errors   ×stock req/s  p99   RSS`,
  );
  for (const r of rows) {
    const ratio = (a: number, b: number | undefined) => (b ? (a / b).toFixed(2).padStart(5) : '    -');
    console.log(
      `${pad(r.c.label, 26)}${num(r.rps)}  (${num(r.min).trim()}–${num(r.max).trim()})`.padEnd(52) +
        `${num(r.p50, 1)} ${num(r.p99, 1)} ${num(r.rss)} ${String(r.errors).padStart(7)}    ` +
        `${ratio(r.rps, stock?.rps)}       ${ratio(r.p99, stock?.p99)} ${ratio(r.rss, stock?.rss)}`,
    );
  }
  const ours = rows.filter((r) => r.c.id.startsWith('tradegraph'));
  const parts = ours.map((r) => {
    const vs = [
      stock ? `${(r.rps / stock.rps).toFixed(2)}× stock` : '',
      hive ? `${(r.rps / hive.rps).toFixed(2)}× hive` : '',
      stock ? `p99 ${(r.p99 / stock.p99).toFixed(2)}× stock` : '',
      stock ? `RSS ${(r.rss / stock.rss).toFixed(2)}× stock` : '',
    ].filter(Boolean);
    return `${r.c.label}: ${Math.round(r.rps)} req/s, ${vs.join(', ')}`;
  });
  const errors = rows.reduce((n, r) => n + r.errors, 0);
  console.log(`summary: ${parts.join('; ')}${errors ? `; ${errors} errors` : ''}`);
}
