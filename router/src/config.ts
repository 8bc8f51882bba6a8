import { fileURLToPath } from 'node:url';
import {
  type ConfigOf,
  commonEnv,
  DEFAULT_ACCESS_TOKEN_AUDIENCE,
  DEFAULT_ACCESS_TOKEN_ISSUER,
  env,
  loadConfig,
} from '@tradegraph/shared/edge';
import { parseFieldQuotas, parseQuota, type Quota } from './rate-limit.ts';
import { TRUSTED_DOCUMENT_MODES } from './trusted-documents.ts';

/** <repo>/schema/supergraph.graphql, resolved from this file so the cwd does not matter. */
export const DEFAULT_SUPERGRAPH_PATH = fileURLToPath(
  new URL('../../schema/supergraph.graphql', import.meta.url),
);

/** A `<quota>/<window>` setting, e.g. `30000/1m` (units s, m, h, d). */
const quota = (fallback: string) => ({
  describe: 'a quota such as 300/1m',
  parse(raw: string | undefined, name: string): Quota {
    try {
      return parseQuota(raw || fallback);
    } catch (err) {
      throw new Error(`${name}: ${(err as Error).message}`);
    }
  },
});

const fieldQuotas = (fallback: string) => ({
  describe: 'field=quota pairs such as login=20/10m,signUp=10/1h',
  parse(raw: string | undefined, name: string): Record<string, Quota> {
    try {
      return parseFieldQuotas(raw ?? fallback);
    } catch (err) {
      throw new Error(`${name}: ${(err as Error).message}`);
    }
  },
});

/**
 * Every setting of the router. `SUBGRAPH_<NAME>_URL` overrides are read
 * separately (see supergraph.ts) because their names depend on the supergraph.
 */
export const routerEnv = {
  ...commonEnv,
  PORT: env.int({ default: 4000, min: 0, max: 65535 }),
  HOST: env.string({ default: '0.0.0.0' }),
  SUPERGRAPH_PATH: env.string({ default: DEFAULT_SUPERGRAPH_PATH }),

  // Caller authentication
  IDENTITY_URL: env.url({ default: 'http://127.0.0.1:4001' }),
  IDENTITY_JWKS_URL: env.url({ default: 'http://127.0.0.1:4001/.well-known/jwks.json' }),
  IDENTITY_TIMEOUT_MS: env.int({ default: 5000, min: 100 }),
  ACCESS_TOKEN_ISSUER: env.string({ default: DEFAULT_ACCESS_TOKEN_ISSUER }),
  ACCESS_TOKEN_AUDIENCE: env.string({ default: DEFAULT_ACCESS_TOKEN_AUDIENCE }),
  /** Minimum time between two JWKS refetches triggered by an unknown `kid`. */
  JWKS_COOLDOWN_MS: env.int({ default: 30_000, min: 0 }),
  /** The JWKS is refetched at the latest after this long even when every `kid` is known. */
  JWKS_CACHE_MAX_AGE_MS: env.int({ default: 600_000, min: 0 }),
  API_KEY_CACHE_SECONDS: env.int({ default: 30, min: 0 }),
  API_KEY_CACHE_MAX_ENTRIES: env.int({ default: 10_000, min: 1 }),

  // Router → subgraph calls
  INTERNAL_TOKEN_PRIVATE_KEY: env.string({ doc: 'the Ed25519 private key (PEM, or base64 of the PEM)' }),
  SUBGRAPH_MAX_CONNECTIONS: env.int({
    default: 128,
    min: 1,
    doc: 'keep-alive connections per subgraph origin',
  }),
  SUBGRAPH_TIMEOUT_MS: env.int({ default: 30_000, min: 100 }),

  // GraphQL hardening
  ROUTER_INTROSPECTION: env.bool({
    optional: true,
    doc: 'defaults to false when NODE_ENV=production, else true',
  }),
  ROUTER_MAX_DEPTH: env.int({ default: 12, min: 1 }),
  ROUTER_MAX_ALIASES: env.int({ default: 30, min: 0 }),
  ROUTER_MAX_ROOT_FIELDS: env.int({ default: 20, min: 1 }),
  ROUTER_MAX_FIELDS: env.int({ default: 1000, min: 1 }),
  ROUTER_MAX_BODY_BYTES: env.int({ default: 1_048_576, min: 1024 }),
  ROUTER_QUERY_PLAN_CACHE_MIB: env.int({ default: 30, min: 1 }),
  ROUTER_CORS_ORIGINS: env.list({ default: [] }),
  ROUTER_METRICS: env.bool({ default: true }),
  ROUTER_SHUTDOWN_TIMEOUT_MS: env.int({ default: 10_000, min: 0 }),
  ROUTER_WORKERS: env.int({
    optional: true,
    min: 1,
    max: 256,
    doc: 'router processes on one port; defaults to the number of cores when NODE_ENV=production, else 1',
  }),

  // Shared state (rate-limit buckets, persisted queries, trusted documents); in-process without it
  REDIS_URL: env.url({ optional: true }),
  REDIS_KEY_PREFIX: env.string({ default: 'tradegraph:router:' }),

  // Abuse protection (docs/security.md)
  ROUTER_RATE_LIMIT: env.bool({ default: true }),
  ROUTER_RATE_LIMIT_ANONYMOUS: quota('30000/1m'),
  ROUTER_RATE_LIMIT_ORGANIZATION: quota('120000/1m'),
  ROUTER_RATE_LIMIT_API_KEY: quota('60000/1m'),
  ROUTER_RATE_LIMIT_USER: quota('30000/1m'),
  ROUTER_RATE_LIMIT_FIELDS: fieldQuotas(
    'signUp=10/1h,registerCustomer=10/1h,login=30/10m,requestPasswordReset=5/1h,resetPassword=10/1h',
  ),
  ROUTER_TRUSTED_PROXY_HOPS: env.int({ default: 0, min: 0, max: 10 }),
  ROUTER_MAX_COST: env.int({ default: 5000, min: 1 }),
  ROUTER_COST_DEFAULT_LIST_SIZE: env.int({ default: 10, min: 0 }),
  ROUTER_COST_DEFAULT_PAGE_SIZE: env.int({ default: 20, min: 0 }),
  ROUTER_COST_MAX_LIST_SIZE: env.int({ default: 100, min: 1 }),
  ROUTER_COST_MUTATION_WEIGHT: env.int({ default: 10, min: 0 }),
  TRUSTED_DOCUMENTS: env.oneOf(TRUSTED_DOCUMENT_MODES, { default: 'off' }),
  TRUSTED_DOCUMENTS_FILE: env.string({ optional: true }),
  ROUTER_APQ_TTL_SECONDS: env.int({ default: 86_400, min: 1 }),
  ROUTER_APQ_MAX_ENTRIES: env.int({ default: 10_000, min: 1 }),
  // Entity cache (docs/router.md#entity-cache): fetches the subgraphs mark @cacheControl, for anonymous shoppers and customers.
  ROUTER_ENTITY_CACHE: env.bool({ default: true }),
  ROUTER_ENTITY_CACHE_MAX_MIB: env.int({ default: 64, min: 1 }),
  ROUTER_ENTITY_CACHE_MAX_TTL_SECONDS: env.int({ default: 300, min: 1, max: 1800 }),
};

export type RouterConfig = ConfigOf<typeof routerEnv>;

/** Reads and validates the router's settings; throws ConfigError listing every problem. */
export function loadRouterConfig(source: Record<string, string | undefined> = process.env): RouterConfig {
  return loadConfig(routerEnv, source);
}

export function introspectionEnabled(config: RouterConfig): boolean {
  const explicit = config.ROUTER_INTROSPECTION as boolean | undefined;
  return explicit ?? config.NODE_ENV !== 'production';
}

/** ROUTER_WORKERS, or its default: every core in production, one process otherwise. */
export function routerWorkers(config: RouterConfig, cores: number): number {
  const explicit = config.ROUTER_WORKERS as number | undefined;
  return explicit ?? (config.NODE_ENV === 'production' ? cores : 1);
}
