import { fileURLToPath } from 'node:url';
import {
  type ConfigOf,
  commonEnv,
  DEFAULT_ACCESS_TOKEN_AUDIENCE,
  DEFAULT_ACCESS_TOKEN_ISSUER,
  env,
  loadConfig,
} from '@tradegraph/shared';

/** <repo>/schema/supergraph.graphql, resolved from this file so the cwd does not matter. */
export const DEFAULT_SUPERGRAPH_PATH = fileURLToPath(
  new URL('../../schema/supergraph.graphql', import.meta.url),
);

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
