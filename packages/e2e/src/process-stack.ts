import { randomBytes } from 'node:crypto';
import {
  cpuSecondsOf,
  type ManagedProcess,
  startProcess,
  stopAll,
  waitReady,
} from '@tradegraph/runner/processes.ts';
import { discoverSubgraphs, repoRoot } from '@tradegraph/schema/subgraphs.ts';
import {
  type DatabaseConfig,
  databaseEnv,
  generateInternalKeyPair,
  graphqlRequest,
  loadConfig,
} from '@tradegraph/shared';
import { dropTestDatabases } from '@tradegraph/shared/testing';

/**
 * The whole graph as separate processes, as `npm start` runs it (one Node
 * process per subgraph and the router), on a throw-away database prefix and
 * ports from `portBase`: for benchmarks and for fault tests that kill a
 * subgraph with SIGKILL and start it again on the same databases.
 */
export interface ProcessStackOptions {
  portBase: number;
  /** Environment of every subgraph process. */
  env?: Record<string, string>;
  /** Extra environment of one subgraph, by name. */
  subgraphEnv?: Record<string, Record<string, string>>;
  /** Extra environment of the router. */
  routerEnv?: Record<string, string>;
  /** Print the processes' log lines (prefixed with their names); default only warnings and errors. */
  logLevel?: string;
}

export async function startProcessStack(opts: ProcessStackOptions) {
  const base = loadConfig(databaseEnv);
  // A prefix the test-database cleanup accepts, so everything is dropped afterwards.
  const db: DatabaseConfig = { ...base, DB_PREFIX: `tg_t${randomBytes(4).toString('hex')}_` };
  const keys = generateInternalKeyPair();
  const skipped = new Set((process.env.E2E_SKIP_SUBGRAPHS ?? '').split(',').filter(Boolean));
  const subgraphs = discoverSubgraphs().filter((s) => !skipped.has(s.name));
  const port = (i: number) => opts.portBase + 1 + i;
  const routerUrl = `http://127.0.0.1:${opts.portBase}/graphql`;
  const dbEnv = Object.fromEntries(Object.entries(db).map(([k, v]) => [k, String(v)]));
  const quiet = { LOG_LEVEL: opts.logLevel ?? 'warn', NODE_ENV: 'production' };
  const running = new Map<string, ManagedProcess>();
  const all: ManagedProcess[] = [];

  const envOf = (name: string, i: number) => ({
    ...dbEnv,
    ...quiet,
    PORT: String(port(i)),
    INTERNAL_TOKEN_PUBLIC_KEY: keys.publicKey,
    KEY_ENCRYPTION_SECRET: 'test-only-secret',
    ...opts.env,
    ...opts.subgraphEnv?.[name],
  });
  const launch = (name: string) => {
    const i = subgraphs.findIndex((s) => s.name === name);
    const s = subgraphs[i]!;
    const p = startProcess(s.name, `${s.dir}/src/main.ts`, envOf(s.name, i), i);
    running.set(name, p);
    all.push(p);
    return { p, ready: () => waitReady(p, `http://127.0.0.1:${port(i)}/ready`, 120_000) };
  };

  const stop = async () => {
    await stopAll(all);
    await dropTestDatabases(db);
  };
  try {
    // One first, alone: it creates the shared event-log database, which several processes creating it
    // at once can fail on ("database exists"); then the rest in parallel.
    const [first, ...rest] = subgraphs;
    await launch(first!.name).ready();
    await Promise.all(rest.map((s) => launch(s.name)).map((l) => l.ready()));
    const identity = subgraphs.findIndex((s) => s.name === 'identity');
    const router = startProcess(
      'router',
      `${repoRoot}router/src/main.ts`,
      {
        ...quiet,
        PORT: String(opts.portBase),
        INTERNAL_TOKEN_PRIVATE_KEY: keys.privateKey,
        IDENTITY_URL: `http://127.0.0.1:${port(identity)}`,
        IDENTITY_JWKS_URL: `http://127.0.0.1:${port(identity)}/.well-known/jwks.json`,
        // the benchmarks and fault tests drive far more requests from one address than a shopper would
        ROUTER_RATE_LIMIT: 'false',
        ...Object.fromEntries(
          subgraphs.map((s, i) => [
            `SUBGRAPH_${s.name.toUpperCase()}_URL`,
            `http://127.0.0.1:${port(i)}/graphql`,
          ]),
        ),
        ...opts.routerEnv,
      },
      subgraphs.length,
    );
    all.push(router);
    await waitReady(router, `http://127.0.0.1:${opts.portBase}/ready`);
    // ready can come before the router serves its first query ("The router is starting")
    const deadline = Date.now() + 60_000;
    for (;;) {
      const r = await graphqlRequest(routerUrl, '{ __typename }').catch(() => null);
      if (r?.data?.__typename) break;
      if (Date.now() > deadline) throw new Error('the router did not answer a query within 60 s');
      await new Promise((res) => setTimeout(res, 200));
    }
  } catch (err) {
    await stop();
    throw err;
  }

  return {
    db,
    routerUrl,
    names: subgraphs.map((s) => s.name),
    url: (name: string) => `http://127.0.0.1:${port(subgraphs.findIndex((s) => s.name === name))}`,
    /** CPU seconds (user + system) each running process has used so far, by name (Linux /proc). */
    cpuSeconds(): Record<string, number> {
      const out: Record<string, number> = {};
      for (const p of all) {
        if (p.child.exitCode !== null || p.child.signalCode !== null) continue;
        const seconds = cpuSecondsOf(p.child.pid);
        if (seconds !== undefined) out[p.name] = seconds;
      }
      return out;
    },
    /** SIGKILL: no shutdown hook runs, open transactions die with the connection. */
    async kill(name: string) {
      const p = running.get(name)!;
      p.child.kill('SIGKILL');
      await p.exited;
    },
    /** Starts the subgraph again on the same databases and port; resolves when it is ready. */
    async restart(name: string) {
      await launch(name).ready();
    },
    stop,
  };
}

export type ProcessStack = Awaited<ReturnType<typeof startProcessStack>>;
