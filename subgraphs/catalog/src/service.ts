import { createLogger, type Logger } from '@tradegraph/shared';
// the event contracts: typed payloads, and the registry of versions the bus checks handlers against
import '@tradegraph/contracts';
import { startService } from '@tradegraph/shared/service';
import { type CatalogConfig, loadCatalogConfig } from './config.ts';
import { entities, tenantEntities } from './entities/index.ts';
import { catalogCacheInvalidations } from './events/cache-invalidations.ts';
import { catalogConsumers } from './events/consumers.ts';
import { migrations, tenantMigrations } from './migrations/0001-init.ts';
import { resolvers } from './resolvers/index.ts';
import { sdl } from './schema/index.ts';
import type { CatalogServices } from './services.ts';

/**
 * Wires the catalog subgraph: the service database (tenants, outbox,
 * projections), one database per brand through the tenant registry, the event
 * bus (outbox relay + consumer group `catalog`) and the GraphQL server.
 */
export function startCatalog(
  config: CatalogConfig = loadCatalogConfig(),
  logger: Logger = createLogger('catalog', config.LOG_LEVEL),
  env: Record<string, string | undefined> = process.env,
) {
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
    services: (): CatalogServices => ({ config }),
    handlers: (_services, { kernel }) => catalogConsumers(kernel),
    cacheInvalidations: catalogCacheInvalidations,
  });
}

export type CatalogService = Awaited<ReturnType<typeof startCatalog>>;

/** Uniform entry point every subgraph exports, used by tests that boot the whole graph in-process. */
export function start(source: Record<string, string | undefined>, logger?: Logger): Promise<CatalogService> {
  const config = loadCatalogConfig(source);
  return startCatalog(config, logger ?? createLogger('catalog', config.LOG_LEVEL), source);
}
