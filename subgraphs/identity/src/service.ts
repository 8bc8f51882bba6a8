import {
  API_KEY_INTROSPECTION_PATH,
  createLogger,
  forkEm,
  type Logger,
  loadInternalPublicKey,
  openDatabase,
  type RunningServer,
  sendJson,
  startSubgraphServer,
} from '@tradegraph/shared';
import { createEventBus, type EventBus, startOutboxRelay } from '@tradegraph/shared/events';
import { parse } from 'graphql';
import { type IdentityConfig, loadIdentityConfig } from './config.ts';
import type { IdentityContext, IdentityServices } from './context.ts';
import { introspectApiKey } from './domain/api-keys.ts';
import { ensurePlatformAdmin } from './domain/platform.ts';
import { ensureActiveKey, KeyStore } from './domain/signing-keys.ts';
import { entities } from './entities/index.ts';
import { migrations } from './migrations/0001-init.ts';
import { resolvers } from './resolvers/index.ts';
import { sdl } from './schema/index.ts';

export interface IdentityService extends RunningServer {
  services: IdentityServices;
  bus: EventBus;
}

/** Wires the identity subgraph: database, signing keys, GraphQL server, JWKS and API-key introspection. */
export async function startIdentity(
  config: IdentityConfig = loadIdentityConfig(),
  logger: Logger = createLogger('identity', config.LOG_LEVEL),
  /** Environment the event-bus settings are read from (EVENTS_*, KAFKA_*). */
  source: Record<string, string | undefined> = process.env,
): Promise<IdentityService> {
  const orm = await openDatabase({ db: config, name: 'identity', entities, migrations, logger });
  await ensureActiveKey(orm, config.KEY_ENCRYPTION_SECRET);
  const keys = new KeyStore(orm, config.KEY_ENCRYPTION_SECRET, logger);
  await keys.reload();
  const bus = await createEventBus({ db: config, logger, serviceName: 'identity', env: source });
  const relay = startOutboxRelay({ orm, bus, logger, serviceName: 'identity' });
  const services: IdentityServices = { config, keys, afterCommit: () => relay.notify() };
  if (config.PLATFORM_ADMIN_EMAIL && config.PLATFORM_ADMIN_PASSWORD) {
    await ensurePlatformAdmin(orm, services, logger, {
      email: config.PLATFORM_ADMIN_EMAIL,
      password: config.PLATFORM_ADMIN_PASSWORD,
      name: config.PLATFORM_ADMIN_NAME,
      organizationName: config.PLATFORM_ORG_NAME,
    });
  }

  const running = await startSubgraphServer<IdentityContext>({
    name: 'identity',
    port: config.PORT,
    host: config.HOST,
    typeDefs: parse(sdl),
    resolvers: resolvers as never,
    logger,
    internalPublicKey: loadInternalPublicKey(config.INTERNAL_TOKEN_PUBLIC_KEY),
    production: config.NODE_ENV === 'production',
    context: (base) => ({ ...base, em: forkEm(orm), services }),
    readiness: [
      { name: 'database', check: async () => void (await forkEm(orm).execute('select 1')) },
      { name: 'event-bus', check: () => bus.ready() },
    ],
    routes: [
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
          } catch {
            return sendJson(res, 400, { error: 'body must be JSON {"key": "..."}' });
          }
          sendJson(res, 200, await introspectApiKey(forkEm(orm), key), { 'cache-control': 'no-store' });
        },
      },
    ],
    onStop: async () => {
      await relay.stop();
      await bus.close();
      await orm.close();
    },
  });
  return { ...running, services, bus };
}

/** Uniform entry point every subgraph exports, used by tests that boot the whole graph in-process. */
export function start(source: Record<string, string | undefined>, logger?: Logger): Promise<IdentityService> {
  const config = loadIdentityConfig(source);
  return startIdentity(config, logger ?? createLogger('identity', config.LOG_LEVEL), source);
}
