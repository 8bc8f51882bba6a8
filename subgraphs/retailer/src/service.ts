import {
  createLogger,
  createTenantProvisioner,
  databaseName,
  forkEm,
  type Logger,
  loadInternalPublicKey,
  type Orm,
  openDatabase,
  type RunningServer,
  startSubgraphServer,
  TenantRegistry,
} from '@tradegraph/shared';
import {
  createEventBus,
  type EventBus,
  type OutboxRelay,
  type Subscription,
  startOutboxRelay,
} from '@tradegraph/shared/events';
import { parse } from 'graphql';
import { loadRetailerConfig, type RetailerConfig } from './config.ts';
import type { RetailerContext, RetailerServices } from './context.ts';
import { purgeExpiredCarts } from './domain/carts.ts';
import { retailerHandlers } from './domain/consumers.ts';
import { StorefrontDirectory } from './domain/directory.ts';
import { entities, tenantEntities } from './entities/index.ts';
import { serviceMigrations } from './migrations/0001-service.ts';
import { tenantMigrations } from './migrations/tenant-0001.ts';
import { resolvers } from './resolvers/index.ts';
import { sdl } from './schema/index.ts';

export interface RetailerService extends RunningServer {
  services: RetailerServices;
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
  const orm = await openDatabase({
    db: config,
    name: 'retailer',
    entities,
    migrations: serviceMigrations,
    logger,
  });
  const serviceDb = databaseName(config, 'retailer');
  const provisioner = await createTenantProvisioner({
    db: config,
    name: 'retailer',
    entities: tenantEntities,
    tenantMigrations,
    logger,
  });
  const registry = new TenantRegistry({ orm, provisioner, service: 'retailer', db: config, logger });
  const bus = await createEventBus({ db: config, logger, serviceName: 'retailer', env: source });
  const relay = startOutboxRelay({ orm, bus, logger, serviceName: 'retailer' });
  const services: RetailerServices = {
    config,
    orm,
    registry,
    serviceDb,
    directory: new StorefrontDirectory(serviceDb, config.STOREFRONT_CACHE_TTL_MS),
    afterCommit: () => relay.notify(),
  };
  const subscription = await bus.subscribe({
    group: 'retailer',
    orm,
    handlers: retailerHandlers({ serviceDb, registry, logger }),
  });

  const purge = setInterval(() => {
    purgeExpiredCarts({ services })
      .then((n) => n && logger.info({ carts: n }, 'expired carts purged'))
      .catch((err) => logger.error({ err }, 'cart purge failed'));
  }, config.CART_PURGE_INTERVAL_MS);
  purge.unref();

  const running = await startSubgraphServer<RetailerContext>({
    name: 'retailer',
    port: config.PORT,
    host: config.HOST,
    typeDefs: parse(sdl),
    resolvers: resolvers as never,
    logger,
    internalPublicKey: loadInternalPublicKey(config.INTERNAL_TOKEN_PUBLIC_KEY),
    production: config.NODE_ENV === 'production',
    context: (base) => ({ ...base, em: forkEm(orm), services, tenantEms: new Map() }),
    readiness: [
      { name: 'database', check: async () => void (await forkEm(orm).execute('select 1')) },
      { name: 'event-bus', check: () => bus.ready() },
    ],
    onStop: async () => {
      clearInterval(purge);
      await subscription.close();
      await relay.stop();
      await bus.close();
      await registry.close();
      await orm.close();
    },
  });
  return { ...running, services, orm, registry, bus, relay, subscription };
}

/** Uniform entry point every subgraph exports, used by tests that boot the whole graph in-process. */
export function start(source: Record<string, string | undefined>, logger?: Logger): Promise<RetailerService> {
  const config = loadRetailerConfig(source);
  return startRetailer(config, logger ?? createLogger('retailer', config.LOG_LEVEL), source);
}
