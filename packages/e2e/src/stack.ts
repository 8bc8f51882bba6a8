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

/**
 * The whole graph in one process for end-to-end tests: every subgraph found
 * under subgraphs/ (via its `./service` export `start(env)`) on a random port
 * and a fresh database prefix, and the router serving the committed supergraph
 * with each routing URL overridden to the test ports.
 */
export async function startStack(extraEnv: Record<string, string> = {}) {
  const db: DatabaseConfig = testDatabaseConfig();
  const keys = generateInternalKeyPair();
  const dbEnv = Object.fromEntries(Object.entries(db).map(([k, v]) => [k, String(v)]));
  const subgraphs: (RunningServer & { name: string })[] = [];
  const common = {
    ...dbEnv,
    INTERNAL_TOKEN_PUBLIC_KEY: keys.publicKey,
    PORT: '0',
    HOST: '127.0.0.1',
    LOG_LEVEL: 'silent',
    NODE_ENV: 'test',
    ...extraEnv,
  };
  for (const info of discoverSubgraphs()) {
    const mod = (await import(`${info.dir}/src/service.ts`)) as {
      start: (env: Record<string, string>) => Promise<RunningServer>;
    };
    subgraphs.push({ ...(await mod.start(common)), name: info.name });
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
