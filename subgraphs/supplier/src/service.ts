import { createLogger, forkEm, type Logger } from '@tradegraph/shared';
// the event contracts: typed payloads, and the registry of versions the bus checks handlers against
import '@tradegraph/contracts';
import { loadEventsConfig } from '@tradegraph/shared/events';
import { startService } from '@tradegraph/shared/service';
import { loadSupplierConfig, type SupplierConfig } from './config.ts';
import { startReservationSweeper } from './domain/reservations.ts';
import { entities, tenantEntities } from './entities/index.ts';
import { supplierCacheInvalidations } from './events/cache-invalidations.ts';
import { supplierHandlers } from './events/consumers.ts';
import { migrations } from './migrations/0001-init.ts';
import { tenantMigrations } from './migrations/tenant-0001-init.ts';
import { resolvers } from './resolvers/index.ts';
import { sdl } from './schema/index.ts';
import type { SupplierServices } from './services.ts';

/**
 * Wires the supplier subgraph: service database and tenant registry, event bus
 * (outbox relay + consumers of identity and catalog events), reservation
 * sweeper and the GraphQL server (the kernel's request context).
 */
export async function startSupplier(
  config: SupplierConfig = loadSupplierConfig(),
  logger: Logger = createLogger('supplier', config.LOG_LEVEL),
  /** Environment the event-bus settings are read from (EVENTS_*, KAFKA_*). */
  source: Record<string, string | undefined> = process.env,
) {
  return startService({
    name: 'supplier',
    config: { ...config, DB_POOL_MAX: sagaSafePoolSize(config.DB_POOL_MAX, source) },
    logger,
    env: source,
    entities,
    migrations,
    tenants: { entities: tenantEntities, migrations: tenantMigrations },
    sdl,
    resolvers,
    // (existing tenant databases get newer tenant migrations at start: startService)
    services: (): SupplierServices => ({ config }),
    handlers: (services, { kernel }) => supplierHandlers(kernel, services),
    cacheInvalidations: supplierCacheInvalidations,
    background: (services, { kernel }) => [
      startReservationSweeper(kernel, services, config.RESERVATION_SWEEP_INTERVAL_MS),
    ],
  });
}

/**
 * The saga handlers (domain/fulfillment.ts) run their unit of work on a second
 * connection while the consumer's transaction holds the first. If every pooled
 * connection were held by such a handler (one per partition of the topics
 * `orders.order` and `orders.reservation`), none could get its second one: a
 * pool deadlock that stalls every reservation until the saga's deadline. The
 * pool is therefore always larger than the partitions of those topics.
 */
export function sagaSafePoolSize(configured: number, source: Record<string, string | undefined>): number {
  const sagaTopics = 2;
  return Math.max(configured, loadEventsConfig(source).EVENTS_PARTITIONS * sagaTopics + 2);
}

export type SupplierService = Awaited<ReturnType<typeof startSupplier>>;

/** Uniform entry point every subgraph exports, used by tests that boot the whole graph in-process. */
export function start(source: Record<string, string | undefined>, logger?: Logger): Promise<SupplierService> {
  const config = loadSupplierConfig(source);
  return startSupplier(config, logger ?? createLogger('supplier', config.LOG_LEVEL), source);
}
