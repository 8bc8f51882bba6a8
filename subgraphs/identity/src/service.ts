import {
  API_KEY_INTROSPECTION_PATH,
  createLogger,
  forkEm,
  type Logger,
  REVOCATIONS_PATH,
  sendJson,
  systemContext,
} from '@tradegraph/shared';
// the event contracts: typed payloads, and the registry of versions the bus checks handlers against
import '@tradegraph/contracts';
import { startService } from '@tradegraph/shared/service';
import { type IdentityConfig, loadIdentityConfig } from './config.ts';
import { introspectApiKey } from './domain/api-keys.ts';
import { ensurePlatformAdmin } from './domain/platform.ts';
import { ensureActiveKey, KeyStore } from './domain/signing-keys.ts';
import { entities } from './entities/index.ts';
import { identityCacheInvalidations } from './events/cache-invalidations.ts';
import { identityConsumers } from './events/consumers.ts';
import { RevocationFeed } from './events/revocation-feed.ts';
import { migrations } from './migrations/index.ts';
import { resolvers } from './resolvers/index.ts';
import { sdl } from './schema/index.ts';
import type { IdentityServices } from './services.ts';

/**
 * Wires the identity subgraph: the service database (no tenant databases:
 * identity is where organisations come from), signing keys, the outbox relay
 * and the consumer of the platform's suspensions, the GraphQL server, JWKS and API-key introspection.
 */
export function startIdentity(
  config: IdentityConfig = loadIdentityConfig(),
  logger: Logger = createLogger('identity', config.LOG_LEVEL),
  /** Environment the event-bus settings are read from (EVENTS_*, KAFKA_*). */
  source: Record<string, string | undefined> = process.env,
) {
  return startService({
    name: 'identity',
    config,
    logger,
    env: source,
    entities,
    migrations,
    sdl,
    resolvers,
    services: async ({ orm, kernel }): Promise<IdentityServices> => {
      await ensureActiveKey(orm, config.KEY_ENCRYPTION_SECRET);
      const keys = new KeyStore(orm, config.KEY_ENCRYPTION_SECRET, logger);
      await keys.reload();
      const revocations = new RevocationFeed(orm, {
        pollMs: config.REVOCATION_POLL_MS,
        retentionMs: (config.ACCESS_TOKEN_TTL_SECONDS + 60) * 1000,
        redisUrl: config.REDIS_URL,
        logger,
      });
      const services: IdentityServices = { config, keys, revocations };
      if (config.PLATFORM_ADMIN_EMAIL && config.PLATFORM_ADMIN_PASSWORD) {
        await ensurePlatformAdmin(systemContext(kernel, services, 'bootstrap'), logger, {
          email: config.PLATFORM_ADMIN_EMAIL,
          password: config.PLATFORM_ADMIN_PASSWORD,
          name: config.PLATFORM_ADMIN_NAME,
          organizationName: config.PLATFORM_ORG_NAME,
        });
      }
      return services;
    },
    handlers: (services, { kernel }) => identityConsumers(kernel, services),
    cacheInvalidations: identityCacheInvalidations,
    background: ({ revocations }) => {
      const started = revocations.start();
      return [{ stop: () => started.then(() => revocations.stop()) }];
    },
    routes: ({ keys, revocations }, { orm }) => [
      {
        method: 'GET',
        path: '/.well-known/jwks.json',
        handle: async (_req, res) =>
          sendJson(res, 200, await keys.jwks(), { 'cache-control': 'public, max-age=300' }),
      },
      {
        method: 'POST',
        path: API_KEY_INTROSPECTION_PATH,
        internal: true,
        handle: async (_req, res, { principal, body }) => {
          if (principal?.kind !== 'router') return sendJson(res, 403, { error: 'router only' });
          let key: unknown;
          try {
            key = (JSON.parse(body) as { key?: unknown }).key;
          } catch (err) {
            if (!(err instanceof SyntaxError)) throw err;
            return sendJson(res, 400, { error: 'body must be JSON {"key": "..."}' });
          }
          sendJson(res, 200, await introspectApiKey(forkEm(orm), key), { 'cache-control': 'no-store' });
        },
      },
      {
        // The routers' revocation feed: ?since=<ms, identity's clock>&wait=<ms, long-poll, at most 25 s>.
        method: 'GET',
        path: REVOCATIONS_PATH,
        internal: true,
        handle: async (req, res, { principal }) => {
          if (principal?.kind !== 'router') return sendJson(res, 403, { error: 'router only' });
          const url = new URL(req.url ?? '/', 'http://identity.invalid');
          const since = Number(url.searchParams.get('since') ?? 0);
          const wait = Math.min(Math.max(Number(url.searchParams.get('wait') ?? 0), 0), 25_000);
          if (!Number.isFinite(since) || !Number.isFinite(wait))
            return sendJson(res, 400, { error: 'since and wait are numbers of milliseconds' });
          sendJson(res, 200, await revocations.since(since, wait), { 'cache-control': 'no-store' });
        },
      },
    ],
  });
}

export type IdentityService = Awaited<ReturnType<typeof startIdentity>>;

/** Uniform entry point every subgraph exports, used by tests that boot the whole graph in-process. */
export function start(source: Record<string, string | undefined>, logger?: Logger): Promise<IdentityService> {
  const config = loadIdentityConfig(source);
  return startIdentity(config, logger ?? createLogger('identity', config.LOG_LEVEL), source);
}
