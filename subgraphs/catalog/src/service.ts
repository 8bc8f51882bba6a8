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
import { createEventBus, type EventBus, type OutboxRelay, startOutboxRelay } from '@tradegraph/shared/events';
import { parse } from 'graphql';
import { type CatalogConfig, loadCatalogConfig } from './config.ts';
import type { CatalogContext, CatalogServices } from './context.ts';
import { catalogEventHandlers } from './domain/projections.ts';
import { entities, tenantEntities } from './entities/index.ts';
import { migrations, tenantMigrations } from './migrations/0001-init.ts';
import { resolvers } from './resolvers/index.ts';
import { sdl } from './schema/index.ts';

export interface CatalogService extends RunningServer {
  services: CatalogServices;
  orm: Orm;
  registry: TenantRegistry;
  bus: EventBus;
  relay: OutboxRelay;
}

/**
 * Wires the catalog subgraph: the service database (tenants, outbox,
 * projections), one database per brand through the tenant registry, the event
 * bus (outbox relay + consumer group `catalog`) and the GraphQL server.
 */
export async function startCatalog(
  config: CatalogConfig = loadCatalogConfig(),
  logger: Logger = createLogger('catalog', config.LOG_LEVEL),
  env: Record<string, string | undefined> = process.env,
): Promise<CatalogService> {
  const orm = await openDatabase({ db: config, name: 'catalog', entities, migrations, logger });
  const cleanup: (() => Promise<unknown>)[] = [() => orm.close()];
  const unwind = async () => {
    for (const fn of cleanup.reverse()) await fn().catch(() => {});
  };
  try {
    // The shared provisioner serialises migrations itself.
    const provisioner = await createTenantProvisioner({
      db: config,
      name: 'catalog',
      entities: tenantEntities,
      tenantMigrations,
      logger,
    });
    const registry = new TenantRegistry({ orm, provisioner, service: 'catalog', db: config, logger });
    cleanup.push(() => registry.close());
    const bus = await createEventBus({ db: config, logger, serviceName: 'catalog', env });
    cleanup.push(() => bus.close());
    const relay = startOutboxRelay({ orm, bus, logger, serviceName: 'catalog' });
    cleanup.push(() => relay.stop());
    const subscription = await bus.subscribe({
      group: 'catalog',
      orm,
      handlers: catalogEventHandlers(registry, logger),
    });
    cleanup.push(() => subscription.close());

    const services: CatalogServices = {
      config,
      registry,
      serviceDb: databaseName(config, 'catalog'),
      afterCommit: () => relay.notify(),
    };
    const running = await startSubgraphServer<CatalogContext>({
      name: 'catalog',
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
        { name: 'bus', check: () => bus.ready() },
      ],
      onStop: async () => {
        await subscription.close();
        await relay.stop();
        await bus.close();
        await registry.close();
        await orm.close();
      },
    });
    return { ...running, services, orm, registry, bus, relay };
  } catch (err) {
    await unwind();
    throw err;
  }
}

/** Uniform entry point every subgraph exports, used by tests that boot the whole graph in-process. */
export function start(source: Record<string, string | undefined>, logger?: Logger): Promise<CatalogService> {
  const config = loadCatalogConfig(source);
  return startCatalog(config, logger ?? createLogger('catalog', config.LOG_LEVEL), source);
}
