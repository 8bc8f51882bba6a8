import {
  type AccessTokenClaims,
  type DatabaseConfig,
  graphqlRequest,
  type Principal,
  principalFromAccessClaims,
} from '@tradegraph/shared';
import { dropTestDatabases, testDatabaseConfig, testInternalKeys } from '@tradegraph/shared/testing';
import { decodeJwt } from 'jose';
import { type IdentityService, start } from '../src/service.ts';

/** Boots identity on a fresh database and calls it as the router would, with a signed internal token. */
export async function startHarness(env: Record<string, string> = {}) {
  const db: DatabaseConfig = testDatabaseConfig();
  const keys = testInternalKeys();
  const service: IdentityService = await start({
    ...Object.fromEntries(Object.entries(db).map(([k, v]) => [k, String(v)])),
    INTERNAL_TOKEN_PUBLIC_KEY: keys.publicKey,
    PORT: '0',
    HOST: '127.0.0.1',
    LOG_LEVEL: 'silent',
    NODE_ENV: 'test',
    ...env,
  });
  const base = service.url.replace('/graphql', '');

  /** The principal the router would derive from this access token. */
  const principalOf = (accessToken: string): Principal => {
    const claims = decodeJwt(accessToken) as unknown as AccessTokenClaims;
    return principalFromAccessClaims(claims);
  };

  const call = async (
    query: string,
    variables: Record<string, unknown> = {},
    as: Principal | string = { kind: 'anonymous' },
  ) => {
    const principal = typeof as === 'string' ? principalOf(as) : as;
    return graphqlRequest(service.url, query, variables, {
      headers: { 'x-tradegraph-internal-token': await keys.sign('identity', principal) },
    });
  };

  const signUp = async (
    email: string,
    kind: 'BRAND' | 'SUPPLIER' | 'RETAILER',
    orgName = `${kind} ${email}`,
  ) => {
    const res = await call(
      `mutation($i: SignUpInput!) { signUp(input: $i) { accessToken refreshToken expiresAt user { id email } organization { id kind } userErrors { field message code } } }`,
      {
        i: {
          email,
          password: 'correct horse battery',
          name: 'Test User',
          organization: { name: orgName, kind },
        },
      },
    );
    const p = res.data?.signUp;
    if (!p?.accessToken) throw new Error(`signUp failed: ${JSON.stringify(res)}`);
    return p as {
      accessToken: string;
      refreshToken: string;
      user: { id: string };
      organization: { id: string; kind: string };
    };
  };

  return {
    db,
    keys,
    service,
    base,
    call,
    signUp,
    principalOf,
    sql: async (query: string, params: unknown[] = []) => {
      const { createConnection } = await import('mysql2/promise');
      const conn = await createConnection({
        host: db.DB_HOST,
        port: db.DB_PORT,
        user: db.DB_USER,
        password: db.DB_PASSWORD,
        database: `${db.DB_PREFIX}identity`,
      });
      try {
        const [rows] = await conn.query(query, params);
        return rows as Record<string, any>[];
      } finally {
        await conn.end();
      }
    },
    async stop() {
      await service.stop();
      await dropTestDatabases(db);
    },
  };
}

export type Harness = Awaited<ReturnType<typeof startHarness>>;
