import {
  createLogger,
  databaseName,
  forkEm,
  type Kernel,
  type Logger,
  type Orm,
  type RunningServer,
  systemContext,
  type TenantRegistry,
} from '@tradegraph/shared';
import type { EventBus, OutboxRelay, Subscription } from '@tradegraph/shared/events';
// the event contracts: typed payloads, and the registry of versions the bus checks handlers against
import '@tradegraph/contracts';
import { startService } from '@tradegraph/shared/service';
import { loadRetailerConfig, type RetailerConfig } from './config.ts';
import { purgeExpiredCarts } from './domain/carts.ts';
import { entities, tenantEntities } from './entities/index.ts';
import { retailerCacheInvalidations } from './events/cache-invalidations.ts';
import { retailerHandlers } from './events/consumers.ts';
import { serviceMigrations } from './migrations/0001-service.ts';
import { tenantMigrations } from './migrations/tenant-0001.ts';
import { resolvers } from './resolvers/index.ts';
import { sdl } from './schema/index.ts';
import type { RetailerServices } from './services.ts';
import { StorefrontDirectory } from './store/directory.ts';

export interface RetailerService extends RunningServer {
  services: RetailerServices;
  kernel: Kernel;
  orm: Orm;
  registry: TenantRegistry;
  bus: EventBus;
  relay: OutboxRelay;
  subscription: Subscription;
}

/**
 * Wires the retailer subgraph: service database (directory, listing index,
 * projections, outbox), tenant databases per retailer, the event bus (relay
 * and the `retailer` consumer group), the cart purge timer and the GraphQL server.
 */
export async function startRetailer(
  config: RetailerConfig = loadRetailerConfig(),
  logger: Logger = createLogger('retailer', config.LOG_LEVEL),
  /** Environment the event-bus settings are read from (EVENTS_*, KAFKA_*). */
  source: Record<string, string | undefined> = process.env,
): Promise<RetailerService> {
  const serviceDb = databaseName(config, 'retailer');
  const running = await startService({
    name: 'retailer',
    config,
    logger,
    env: source,
    entities,
    migrations: serviceMigrations,
    tenants: { entities: tenantEntities, migrations: tenantMigrations },
    sdl,
    resolvers,
    // (existing tenant databases get newer tenant migrations at start: startService)
    services: (): RetailerServices => ({
      config,
      directory: new StorefrontDirectory(serviceDb, config.STOREFRONT_CACHE_TTL_MS),
    }),
    handlers: (_services, { registry, kernel }) => retailerHandlers({ serviceDb, registry, logger, kernel }),
    cacheInvalidations: retailerCacheInvalidations,
    background: (services, { kernel }) => {
      const purge = setInterval(() => {
        purgeExpiredCarts(systemContext(kernel, services, 'cart-purge'))
          .then((n) => n && logger.info({ carts: n }, 'expired carts purged'))
          .catch((err) => logger.error({ err }, 'cart purge failed'));
      }, config.CART_PURGE_INTERVAL_MS);
      purge.unref();
      return [{ stop: async () => clearInterval(purge) }];
    },
  });
  // The `retailer` consumer group is always subscribed (handlers are given above).
  return { ...running, subscription: running.subscription! };
}

/** Uniform entry point every subgraph exports, used by tests that boot the whole graph in-process. */
export function start(source: Record<string, string | undefined>, logger?: Logger): Promise<RetailerService> {
  const config = loadRetailerConfig(source);
  return startRetailer(config, logger ?? createLogger('retailer', config.LOG_LEVEL), source);
}
