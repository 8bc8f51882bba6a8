import {
  createLogger,
  createTenantProvisioner,
  databaseName,
  forkEm,
  type Logger,
  loadInternalPublicKey,
  openDatabase,
  type RunningServer,
  startSubgraphServer,
  TenantRegistry,
} from '@tradegraph/shared';
import { createEventBus, type EventBus, startOutboxRelay } from '@tradegraph/shared/events';
import { parse } from 'graphql';
import { loadSupplierConfig, type SupplierConfig } from './config.ts';
import { createContext, type SupplierContext, type SupplierServices } from './context.ts';
import { startReservationSweeper } from './domain/reservations.ts';
import { entities, tenantEntities } from './entities/index.ts';
import { supplierHandlers } from './events/consumers.ts';
import { migrations } from './migrations/0001-init.ts';
import { tenantMigrations } from './migrations/tenant-0001-init.ts';
import { resolvers } from './resolvers/index.ts';
import { sdl } from './schema/index.ts';

export interface SupplierService extends RunningServer {
  services: SupplierServices;
  registry: TenantRegistry;
  bus: EventBus;
}

/**
 * Wires the supplier subgraph: service database and tenant registry, event bus
 * (outbox relay + consumers of identity and catalog events), reservation
 * sweeper and the GraphQL server.
 */
export async function startSupplier(
  config: SupplierConfig = loadSupplierConfig(),
  logger: Logger = createLogger('supplier', config.LOG_LEVEL),
  /** Environment the event-bus settings are read from (EVENTS_*, KAFKA_*). */
  source: Record<string, string | undefined> = process.env,
): Promise<SupplierService> {
  const orm = await openDatabase({ db: config, name: 'supplier', entities, migrations, logger });
  const provisioner = await createTenantProvisioner({
    db: config,
    name: 'supplier',
    entities: tenantEntities,
    tenantMigrations,
    logger,
  });
  const registry = new TenantRegistry({ orm, provisioner, service: 'supplier', db: config, logger });
  const bus = await createEventBus({ db: config, logger, serviceName: 'supplier', env: source });
  const relay = startOutboxRelay({ orm, bus, logger, serviceName: 'supplier' });
  const services: SupplierServices = {
    config,
    orm,
    registry,
    serviceDb: databaseName(config, 'supplier'),
    logger,
    afterCommit: () => relay.notify(),
  };
  const subscription = await bus.subscribe({ group: 'supplier', orm, handlers: supplierHandlers(services) });
  const sweeper = startReservationSweeper(services, config.RESERVATION_SWEEP_INTERVAL_MS);

  const running = await startSubgraphServer<SupplierContext>({
    name: 'supplier',
    port: config.PORT,
    host: config.HOST,
    typeDefs: parse(sdl),
    resolvers: resolvers as never,
    logger,
    internalPublicKey: loadInternalPublicKey(config.INTERNAL_TOKEN_PUBLIC_KEY),
    production: config.NODE_ENV === 'production',
    context: (base) => createContext(base, services),
    readiness: [
      { name: 'database', check: async () => void (await forkEm(orm).execute('select 1')) },
      { name: 'event-bus', check: () => bus.ready() },
    ],
    onStop: async () => {
      await sweeper.stop();
      await subscription.close();
      await relay.stop();
      await bus.close();
      await registry.close();
      await orm.close();
    },
  });
  return { ...running, services, registry, bus };
}

/** Uniform entry point every subgraph exports, used by tests that boot the whole graph in-process. */
export function start(source: Record<string, string | undefined>, logger?: Logger): Promise<SupplierService> {
  const config = loadSupplierConfig(source);
  return startSupplier(config, logger ?? createLogger('supplier', config.LOG_LEVEL), source);
}
