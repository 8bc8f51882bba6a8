import {
  API_KEY_INTROSPECTION_PATH,
  createLogger,
  forkEm,
  type Logger,
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
import { migrations } from './migrations/0001-init.ts';
import { resolvers } from './resolvers/index.ts';
import { sdl } from './schema/index.ts';
import type { IdentityServices } from './services.ts';

/**
 * Wires the identity subgraph: the service database (no tenant databases:
 * identity is where organisations come from), signing keys, the outbox relay
 * (identity consumes no events), the GraphQL server, JWKS and API-key introspection.
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
      const services: IdentityServices = { config, keys };
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
    routes: ({ keys }, { orm }) => [
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
    ],
  });
}

export type IdentityService = Awaited<ReturnType<typeof startIdentity>>;

/** Uniform entry point every subgraph exports, used by tests that boot the whole graph in-process. */
export function start(source: Record<string, string | undefined>, logger?: Logger): Promise<IdentityService> {
  const config = loadIdentityConfig(source);
  return startIdentity(config, logger ?? createLogger('identity', config.LOG_LEVEL), source);
}
