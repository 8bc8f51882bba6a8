import {
  createLogger,
  databaseName,
  forkEm,
  type Logger,
  type Orm,
  type RunningServer,
  type TenantRegistry,
} from '@tradegraph/shared';
import type { EventBus, OutboxRelay } from '@tradegraph/shared/events';
import { startService } from '@tradegraph/shared/service';
import { type CatalogConfig, loadCatalogConfig } from './config.ts';
import type { CatalogServices } from './context.ts';
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
  return startService({
    name: 'catalog',
    config,
    logger,
    env,
    entities,
    migrations,
    tenants: { entities: tenantEntities, migrations: tenantMigrations },
    sdl,
    resolvers,
    services: ({ registry, relay }): CatalogServices => ({
      config,
      registry,
      serviceDb: databaseName(config, 'catalog'),
      afterCommit: () => relay.notify(),
    }),
    handlers: ({ registry }) => catalogEventHandlers(registry, logger),
    context: (base, services, { orm }) => ({ ...base, em: forkEm(orm), services, tenantEms: new Map() }),
  });
}

/** Uniform entry point every subgraph exports, used by tests that boot the whole graph in-process. */
export function start(source: Record<string, string | undefined>, logger?: Logger): Promise<CatalogService> {
  const config = loadCatalogConfig(source);
  return startCatalog(config, logger ?? createLogger('catalog', config.LOG_LEVEL), source);
}
