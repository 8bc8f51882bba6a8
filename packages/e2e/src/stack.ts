import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { startRouter } from '@tradegraph/router/router.ts';
import { discoverSubgraphs, repoRoot } from '@tradegraph/schema/subgraphs.ts';
import {
  createLogger,
  type DatabaseConfig,
  generateInternalKeyPair,
  graphqlRequest,
  type RunningServer,
} from '@tradegraph/shared';
import { dropTestDatabases, testDatabaseConfig } from '@tradegraph/shared/testing';

export interface StackOptions {
  /**
   * Give each subgraph its own spelling of the database host (an IPv4 address
   * has several: `127.0.0.1`, `127.1`, `2130706433`, …). The MySQL event log
   * wakes consumers of the same process and database at once when a record is
   * written; with distinct spellings, a subgraph learns of another's events
   * only by polling the log, as it would in a process of its own.
   */
  processLikeEventWakeups?: boolean;
  /** Extra environment for one subgraph only, by name (e.g. a supplier that answers late). */
  subgraphEnv?: Record<string, Record<string, string>>;
}

/**
 * Subgraphs to leave out (comma-separated names in E2E_SKIP_SUBGRAPHS): for working
 * on one flow while another subgraph's folder is mid-change in a shared tree.
 */
const skipped = new Set((process.env.E2E_SKIP_SUBGRAPHS ?? '').split(',').filter(Boolean));

/** Other spellings of a dotted-quad IPv4 address (the resolver accepts them all); just the host otherwise. */
function hostSpellings(host: string): string[] {
  const m = /^(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(host);
  if (!m) return [host];
  const [a, b, c, d] = m.slice(1).map(Number) as [number, number, number, number];
  return [
    host,
    `${a}.${b}.${c * 256 + d}`,
    `${a}.${(b << 16) + c * 256 + d}`,
    String(((a << 24) >>> 0) + (b << 16) + c * 256 + d),
  ];
}

/**
 * The whole graph in one process for end-to-end tests: every subgraph found
 * under subgraphs/ (via its `./service` export `start(env)`) on a random port
 * and a fresh database prefix, and the router serving the committed supergraph
 * with each routing URL overridden to the test ports.
 */
export async function startStack(extraEnv: Record<string, string> = {}, opts: StackOptions = {}) {
  const db: DatabaseConfig = testDatabaseConfig();
  const keys = generateInternalKeyPair();
  const dbEnv = Object.fromEntries(Object.entries(db).map(([k, v]) => [k, String(v)]));
  /** Services with a consumer group expose their kernel (settle: see `settled` below). */
  type Subgraph = RunningServer & {
    name: string;
    kernel?: { settle: (timeoutMs?: number) => Promise<boolean> };
  };
  const subgraphs: Subgraph[] = [];
  const common = {
    ...dbEnv,
    INTERNAL_TOKEN_PUBLIC_KEY: keys.publicKey,
    PORT: '0',
    HOST: '127.0.0.1',
    LOG_LEVEL: 'silent',
    NODE_ENV: 'test',
    // Flows here accept connections and create keys right after signing up; the
    // verification itself is tested in password.e2e and identity's tests (which set it to false).
    IDENTITY_AUTO_VERIFY_EMAILS: 'true',
    ...extraEnv,
  };
  const hosts = opts.processLikeEventWakeups ? hostSpellings(db.DB_HOST) : [db.DB_HOST];
  for (const [i, info] of discoverSubgraphs()
    .filter((x) => !skipped.has(x.name))
    .entries()) {
    const mod = (await import(`${info.dir}/src/service.ts`)) as {
      start: (env: Record<string, string>) => Promise<Omit<Subgraph, 'name'>>;
    };
    const env = { ...common, ...opts.subgraphEnv?.[info.name], DB_HOST: hosts[i % hosts.length]! };
    subgraphs.push({ ...(await mod.start(env)), name: info.name });
  }
  const identity = subgraphs.find((s) => s.name === 'identity')!;
  const identityOrigin = identity.url.replace('/graphql', '');
  const router = await startRouter({
    supergraphSdl: readFileSync(`${repoRoot}schema/supergraph.graphql`, 'utf8'),
    port: 0,
    host: '127.0.0.1',
    logger: createLogger('router', 'silent'),
    env: {
      NODE_ENV: 'test',
      LOG_LEVEL: 'silent',
      INTERNAL_TOKEN_PRIVATE_KEY: keys.privateKey,
      // Tests sign up many organisations from one address; the limits themselves
      // are tested in router/test. Shared state (Redis, when a test sets
      // REDIS_URL) gets a prefix of its own, so stacks and runs never share buckets.
      ROUTER_RATE_LIMIT_FIELDS: 'signUp=10000/1h,registerCustomer=10000/1h,login=10000/10m',
      REDIS_KEY_PREFIX: `tradegraph:test:${randomBytes(6).toString('hex')}:`,
      IDENTITY_URL: identityOrigin,
      IDENTITY_JWKS_URL: `${identityOrigin}/.well-known/jwks.json`,
      ...Object.fromEntries(subgraphs.map((s) => [`SUBGRAPH_${s.name.toUpperCase()}_URL`, s.url])),
      ...extraEnv,
    },
  });

  return {
    db,
    router,
    subgraphs,
    subgraph: (name: string) => subgraphs.find((s) => s.name === name)!,
    /**
     * Waits until every subgraph's consumer group has applied the events the log
     * holds now (kernel.settle), e.g. so that a test measures a quiet graph and not
     * the tail of its own set-up. False when one did not within `timeoutMs`.
     */
    async settled(timeoutMs = 30_000): Promise<boolean> {
      const done = await Promise.all(subgraphs.map((sg) => sg.kernel?.settle(timeoutMs) ?? true));
      return done.every(Boolean);
    },
    /** A GraphQL request through the router, as a client would send it. */
    gql: (
      query: string,
      variables: Record<string, unknown> = {},
      token?: string,
      headers: Record<string, string> = {},
    ) => graphqlRequest(router.url, query, variables, { ...(token ? { token } : {}), headers }),
    async stop() {
      await router.stop();
      for (const s of subgraphs.reverse()) await s.stop();
      await dropTestDatabases(db);
    },
  };
}

export type Stack = Awaited<ReturnType<typeof startStack>>;
