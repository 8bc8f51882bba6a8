/**
 * npm run audit:federation -- --suite <checkout of graphql-hive/federation-gateway-audit>
 *
 * Runs the public federation-gateway-audit suite against this router and, side
 * by side, stock @apollo/server + @apollo/gateway (the reference the issue
 * compares with). Nothing is fetched from outside: the suite's subgraphs,
 * supergraphs and tests are served from the given checkout on this machine
 * (suite-server.ts), each test case's supergraph is loaded into a fresh
 * instance of both routers, every test query is sent to both, and the answer
 * is judged as the suite's own test.ts judges it: `data` deep-equal to the
 * expected data, and — when the test says whether errors are expected —
 * whether the response has errors.
 *
 * Prints one line per test (pass/FAIL per router), the failures with a diff,
 * and a summary line. Exits non-zero when this router fails more than
 * AUDIT_MAX_FAILURES tests (2: at least 197 of the suite's 199) or fails a
 * test that stock passes.
 *
 * Options: --suite <path> (or AUDIT_SUITE), --only <id,id> (or AUDIT_ONLY: test cases to run),
 * AUDIT_PORT_BASE (4700; uses base..base+3), AUDIT_MAX_FAILURES (2).
 */

import { deepStrictEqual } from 'node:assert';
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { ApolloGateway } from '@apollo/gateway';
import { ApolloServer } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';
import { createLogger, env, generateInternalKeyPair, loadConfig } from '@tradegraph/shared/edge';
import { startRouter } from '../src/router.ts';

const cfg = loadConfig({
  AUDIT_SUITE: env.string({ optional: true }),
  AUDIT_ONLY: env.list({ default: [] }),
  AUDIT_PORT_BASE: env.int({ default: 4700, min: 1024, max: 65000 }),
  AUDIT_MAX_FAILURES: env.int({ default: 2, min: 0 }),
});
const { values: args } = parseArgs({
  options: { suite: { type: 'string' }, only: { type: 'string' } },
  allowPositionals: false,
});
const suitePath = args.suite ?? cfg.AUDIT_SUITE;
if (!suitePath) {
  console.error(
    'audit: give the path of a federation-gateway-audit checkout: npm run audit:federation -- --suite <path> (or AUDIT_SUITE)',
  );
  process.exit(2);
}
const suite = resolve(suitePath);
if (!existsSync(`${suite}/src/index.ts`) || !existsSync(`${suite}/node_modules`)) {
  console.error(
    `audit: ${suite} is not a federation-gateway-audit checkout with its dependencies (src/index.ts and node_modules; run npm ci --omit=dev in it)`,
  );
  process.exit(2);
}
const only = new Set(args.only ? args.only.split(',').filter(Boolean) : cfg.AUDIT_ONLY);
const suitePort = cfg.AUDIT_PORT_BASE;
const tradegraphPort = cfg.AUDIT_PORT_BASE + 1;
const stockPort = cfg.AUDIT_PORT_BASE + 2;
// Nothing listens there: the router's revocation feed fails fast instead of reaching a real identity.
const noIdentity = `http://127.0.0.1:${cfg.AUDIT_PORT_BASE + 3}`;
const suiteOrigin = `http://localhost:${suitePort}`;

interface SuiteTest {
  query: string;
  expected: { data?: unknown; errors?: boolean };
}
type Verdict = { pass: true } | { pass: false; diff: string };
interface Outcome {
  id: string;
  index: number;
  query: string;
  tradegraph: Verdict;
  stock: Verdict;
}

/** The suite's test.ts: `data` compared strictly, and `errors` as a boolean when the test states one. */
function judge(expected: SuiteTest['expected'], response: unknown): Verdict {
  const body = (response ?? {}) as { data?: unknown; errors?: unknown[] };
  const errorsOptional = typeof expected.errors !== 'boolean';
  const received = {
    data: body.data ?? null,
    errors: errorsOptional ? null : Boolean(body.errors?.length),
  };
  const wanted = { data: expected.data ?? null, errors: errorsOptional ? null : (expected.errors ?? false) };
  try {
    deepStrictEqual(received, wanted);
    return { pass: true };
  } catch (error) {
    return { pass: false, diff: `${(error as Error).message}\nresponse: ${JSON.stringify(response)}` };
  }
}

async function ask(url: string, query: string): Promise<unknown> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { accept: 'application/json', 'content-type': 'application/json' },
    body: JSON.stringify({ query }),
    signal: AbortSignal.timeout(10_000),
  });
  const text = await res.text();
  try {
    return JSON.parse(text);
  } catch {
    return { status: res.status, text };
  }
}

async function getJson<T>(path: string): Promise<T> {
  const res = await fetch(`${suiteOrigin}${path}`, { headers: { accept: 'application/json' } });
  if (!res.ok) throw new Error(`suite answered HTTP ${res.status} for ${path}`);
  return (await res.json()) as T;
}

async function getText(path: string): Promise<string> {
  const res = await fetch(`${suiteOrigin}${path}`);
  if (!res.ok) throw new Error(`suite answered HTTP ${res.status} for ${path}: ${await res.text()}`);
  return res.text();
}

let suiteServer: ChildProcess | undefined;
let suiteLog = '';
async function startSuite(): Promise<void> {
  suiteServer = spawn(
    process.execPath,
    [fileURLToPath(new URL('./suite-server.ts', import.meta.url)), suite, String(suitePort)],
    { detached: true, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const keep = (d: Buffer) => {
    suiteLog = (suiteLog + d.toString()).slice(-8000);
  };
  suiteServer.stdout?.on('data', keep);
  suiteServer.stderr?.on('data', keep);
  const until = Date.now() + 60_000;
  for (;;) {
    if (suiteServer.exitCode !== null) throw new Error(`the suite's server exited:\n${suiteLog}`);
    try {
      if ((await fetch(`${suiteOrigin}/_health`)).ok) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > until)
      throw new Error(`the suite's server did not answer on ${suitePort}:\n${suiteLog}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

function stopSuite(): void {
  if (suiteServer?.pid && suiteServer.exitCode === null) {
    try {
      process.kill(-suiteServer.pid, 'SIGTERM');
    } catch {
      // already gone
    }
  }
}
process.once('SIGINT', () => {
  stopSuite();
  process.exit(130);
});

const keys = generateInternalKeyPair();
const quiet = createLogger('audit', 'silent');
const routerEnv: Record<string, string | undefined> = {
  NODE_ENV: 'production',
  LOG_LEVEL: 'silent',
  INTERNAL_TOKEN_PRIVATE_KEY: keys.privateKey,
  IDENTITY_URL: noIdentity,
  IDENTITY_JWKS_URL: `${noIdentity}/.well-known/jwks.json`,
  REDIS_URL: undefined,
  // The audit measures federation semantics, not the router's protections.
  ROUTER_RATE_LIMIT: 'false',
  ROUTER_MAX_COST: '1000000000',
  ROUTER_METRICS: 'false',
  ROUTER_WORKERS: '1',
};

async function withRouters<T>(
  supergraphSdl: string,
  use: (urls: { tradegraph: string; stock: string }) => Promise<T>,
): Promise<T> {
  const tradegraph = await startRouter({
    supergraphSdl,
    port: tradegraphPort,
    host: '127.0.0.1',
    env: routerEnv,
    logger: quiet,
  });
  const stock = new ApolloServer({
    gateway: new ApolloGateway({ supergraphSdl, logger: quiet }),
    logger: quiet,
  });
  try {
    const { url } = await startStandaloneServer(stock, { listen: { port: stockPort, host: '127.0.0.1' } });
    return await use({ tradegraph: tradegraph.url, stock: url });
  } finally {
    await Promise.all([tradegraph.stop(), stock.stop()]);
  }
}

async function main(): Promise<number> {
  await startSuite();
  const ids = (await getJson<string[]>('/ids')).filter((id) => only.size === 0 || only.has(id));
  const unknown = [...only].filter((id) => !ids.includes(id));
  if (unknown.length) throw new Error(`no such test case: ${unknown.join(', ')}`);
  console.log(`audit: ${ids.length} test cases from ${suite}`);
  const outcomes: Outcome[] = [];
  for (const id of ids) {
    const supergraphSdl = await getText(`/${id}/supergraph`);
    await withRouters(supergraphSdl, async (urls) => {
      // One router after the other, each with its own copy of the tests: some cases (mutations)
      // keep state in their subgraphs under ids the test list makes fresh each time it is asked for.
      const verdicts = { tradegraph: [] as Verdict[], stock: [] as Verdict[] };
      let tests: SuiteTest[] = [];
      for (const router of ['tradegraph', 'stock'] as const) {
        tests = await getJson<SuiteTest[]>(`/${id}/tests`);
        for (const test of tests)
          verdicts[router].push(judge(test.expected, await ask(urls[router], test.query)));
      }
      for (const [index, test] of tests.entries()) {
        const outcome: Outcome = {
          id,
          index,
          query: test.query,
          tradegraph: verdicts.tradegraph[index]!,
          stock: verdicts.stock[index]!,
        };
        outcomes.push(outcome);
        const mark = (v: Verdict) => (v.pass ? 'pass' : 'FAIL');
        console.log(
          `${`${id}_${index}`.padEnd(44)} tradegraph ${mark(outcome.tradegraph)}  stock ${mark(outcome.stock)}`,
        );
      }
    });
  }

  const failures = outcomes.flatMap((o) =>
    (['tradegraph', 'stock'] as const).flatMap((router) => {
      const verdict = o[router];
      return verdict.pass ? [] : [{ router, outcome: o, diff: verdict.diff }];
    }),
  );
  if (failures.length) {
    console.log('\nfailures:');
    for (const { router, outcome, diff } of failures) {
      console.log(
        `\n--- ${router}: ${outcome.id}_${outcome.index}\nquery:${outcome.query.replace(/\s+$/, '')}\n${diff}`,
      );
    }
  }
  const total = outcomes.length;
  const passed = (router: 'tradegraph' | 'stock') => outcomes.filter((o) => o[router].pass).length;
  const regressions = outcomes
    .filter((o) => o.stock.pass && !o.tradegraph.pass)
    .map((o) => `${o.id}_${o.index}`);
  const ours = passed('tradegraph');
  console.log(
    `\naudit: tradegraph ${ours}/${total}, stock ${passed('stock')}/${total}; stock-passing tests failed by tradegraph: ${
      regressions.length ? regressions.join(', ') : 'none'
    }`,
  );
  if (total - ours > cfg.AUDIT_MAX_FAILURES) {
    console.log(`audit: tradegraph fails ${total - ours} tests, more than ${cfg.AUDIT_MAX_FAILURES}`);
    return 1;
  }
  return regressions.length ? 1 : 0;
}

let code = 1;
try {
  code = await main();
} catch (error) {
  console.error(`audit: ${(error as Error).stack ?? error}`);
} finally {
  stopSuite();
}
process.exit(code);
