import { parse } from 'graphql';
import { loadInternalPublicKey } from '../auth/internal-token.ts';
import {
  createTenantProvisioner,
  type DatabaseConfig,
  databaseName,
  forkEm,
  type MigrationClass,
  type OpenDatabaseOptions,
  type Orm,
  openDatabase,
} from '../db/orm.ts';
import { TenantRegistry } from '../db/tenancy.ts';
import { createEventBus, type EventBus, type Subscription } from '../events/bus.ts';
import type { HandlerMap } from '../events/consumer.ts';
import { type OutboxRelay, startOutboxRelay } from '../events/relay.ts';
import {
  type CacheInvalidationFeed,
  type CacheInvalidationRules,
  cacheInvalidationsRoute,
  enableCacheInvalidations,
} from '../kernel/cache-invalidations.ts';
import { createConsistency } from '../kernel/consistency.ts';
import { createServiceContext, type Kernel, type ServiceContext } from '../kernel/context.ts';
import type { Logger } from '../logger.ts';
import { flushTracing, startTracing } from '../telemetry/tracing.ts';
import {
  type Route,
  type RunningServer,
  type SubgraphResolverMap,
  startSubgraphServer,
} from './subgraph-server.ts';

/** The validated settings every service process has (each subgraph's config.ts extends them). */
export interface ServiceConfig extends DatabaseConfig {
  PORT: number;
  HOST: string;
  INTERNAL_TOKEN_PUBLIC_KEY: string;
  NODE_ENV: string;
}

/** Entities and migrations of the per-tenant databases of a tenant-owning service. */
export interface TenantSchema {
  entities: OpenDatabaseOptions['entities'];
  migrations: MigrationClass[];
}

/** Work a service runs beside its server (sweeper, timer); stopped first on shutdown. */
export interface BackgroundTask {
  stop(): Promise<void>;
}

/** The infrastructure a service's own wiring is built on. `registry` is set for tenant-owning services. */
export interface ServiceRuntime<R extends TenantRegistry | undefined = TenantRegistry | undefined> {
  orm: Orm;
  registry: R;
  bus: EventBus;
  relay: OutboxRelay;
  logger: Logger;
  /** What requests and handlers reach through `ctx.kernel` (unit of work, tenants, consistency). */
  kernel: Kernel;
}

type RegistryOf<T extends TenantSchema | undefined> = T extends TenantSchema ? TenantRegistry : undefined;

export interface ServiceOptions<S, T extends TenantSchema | undefined> {
  /** Subgraph name: database (`${DB_PREFIX}<name>`), bus client, outbox relay and consumer group. */
  name: string;
  config: ServiceConfig;
  logger: Logger;
  /** Environment the event-bus settings are read from (EVENTS_*, KAFKA_*). */
  env: Record<string, string | undefined>;
  /** Entities and migrations of the service database. */
  entities: OpenDatabaseOptions['entities'];
  migrations: MigrationClass[];
  /** Given for a service with one database per tenant: creates the provisioner and the TenantRegistry. */
  tenants?: T;
  sdl: string;
  resolvers: SubgraphResolverMap;
  /** Builds the service's long-lived collaborators (may run start-up work such as bootstrapping data). */
  services: (runtime: ServiceRuntime<RegistryOf<T>>) => S | Promise<S>;
  /** Event handlers of the consumer group named like the service. */
  handlers?: (services: S, runtime: ServiceRuntime<RegistryOf<T>>) => HandlerMap;
  /** Started after the consumer; stopped, in reverse, before it on shutdown. */
  background?: (services: S, runtime: ServiceRuntime<RegistryOf<T>>) => BackgroundTask[];
  /** Extra non-GraphQL routes. */
  routes?: (services: S, runtime: ServiceRuntime<RegistryOf<T>>) => Route[];
  /**
   * What the service's events make stale in the router's entity cache: rows of
   * `cache_invalidations` (CACHE_INVALIDATIONS_TABLE_SQL in its migrations)
   * written in the transaction of each event published or handled, served to
   * routers at CACHE_INVALIDATIONS_PATH (kernel/cache-invalidations.ts).
   */
  cacheInvalidations?: CacheInvalidationRules;
}

/** A started service: its server plus the handles tests and tools use. */
export interface RunningService<S, R extends TenantRegistry | undefined>
  extends RunningServer,
    Omit<ServiceRuntime<R>, 'logger'> {
  services: S;
  /** The consumer group's subscription; undefined for a service without `handlers`. */
  subscription: Subscription | undefined;
  /** The cache-invalidation feed; undefined for a service without `cacheInvalidations`. */
  cacheInvalidations: CacheInvalidationFeed | undefined;
}

interface Closer {
  name: string;
  close: () => Promise<unknown>;
}

/** Runs the closers newest first, every one even when some fail; returns the failures. */
async function closeAll(closers: Closer[]): Promise<{ name: string; err: unknown }[]> {
  const failures: { name: string; err: unknown }[] = [];
  for (const { name, close } of closers.toReversed()) {
    try {
      await close();
    } catch (err) {
      failures.push({ name, err });
    }
  }
  return failures;
}

/**
 * Starts a subgraph process's lifecycle: opens the service database (migrated),
 * the tenant registry (when `tenants` is given), the event bus, the outbox
 * relay, the service's collaborators, the consumer group `<name>`, background
 * tasks and the GraphQL server with `database` and `event-bus` readiness checks;
 * with `cacheInvalidations`, the invalidation rows and their feed.
 *
 * Stop (and a start-up that fails half-way) closes what was opened in reverse:
 * background tasks → subscription → relay → bus → registry → ORM. Waiting
 * invalidation long-polls are answered first, so they never hold the drain.
 */
export async function startService<S, T extends TenantSchema | undefined = undefined>(
  opts: ServiceOptions<S, T>,
): Promise<RunningService<S, RegistryOf<T>>> {
  const { name, config, logger } = opts;
  // Checked before anything is opened: a bad key or schema fails fast.
  const internalPublicKey = loadInternalPublicKey(config.INTERNAL_TOKEN_PUBLIC_KEY);
  const typeDefs = parse(opts.sdl);
  // OpenTelemetry when OTEL_EXPORTER_OTLP_ENDPOINT is set (docs/observability.md); a no-op otherwise.
  await startTracing(opts.env);
  const closers: Closer[] = [];
  try {
    const orm = await openDatabase({
      db: config,
      name,
      entities: opts.entities,
      migrations: opts.migrations,
      logger,
    });
    closers.push({ name: 'database', close: () => orm.close() });
    let invalidations: CacheInvalidationFeed | undefined;
    if (opts.cacheInvalidations) {
      // before anything writes: every transaction of this ORM records from here on
      invalidations = enableCacheInvalidations(orm, opts.cacheInvalidations, { service: name, logger });
      await invalidations.start();
      const feed = invalidations;
      closers.push({ name: 'cache invalidations', close: () => feed.stop() });
    }
    let registry: TenantRegistry | undefined;
    if (opts.tenants) {
      // The shared provisioner serialises tenant migrations itself.
      const provisioner = await createTenantProvisioner({
        db: config,
        name,
        entities: opts.tenants.entities,
        tenantMigrations: opts.tenants.migrations,
        logger,
      });
      const tenants = new TenantRegistry({ orm, provisioner, service: name, db: config, logger });
      closers.push({ name: 'tenant registry', close: () => tenants.close() });
      await tenants.upgradeAll();
      registry = tenants;
    }
    const bus = await createEventBus({ db: config, logger, serviceName: name, env: opts.env });
    closers.push({ name: 'event bus', close: () => bus.close() });
    const relay = startOutboxRelay({ orm, bus, logger, serviceName: name });
    closers.push({ name: 'outbox relay', close: () => relay.stop() });

    let subscription: Subscription | undefined;
    const consistency = createConsistency({
      group: name,
      bus,
      relay,
      logger,
      consumes: () => subscription !== undefined,
    });
    const kernel: Kernel = {
      name,
      orm,
      registry,
      serviceDb: databaseName(config, name),
      logger,
      bus,
      relay,
      afterCommit: (ids) => consistency.afterCommit(ids),
      settle: (timeoutMs) => consistency.settle(timeoutMs),
    };
    const runtime = { orm, registry, bus, relay, logger, kernel } as ServiceRuntime<RegistryOf<T>>;
    const services = await opts.services(runtime);
    if (opts.handlers) {
      const sub = await bus.subscribe({ group: name, orm, handlers: opts.handlers(services, runtime) });
      closers.push({ name: 'subscription', close: () => sub.close() });
      subscription = sub;
    }
    for (const task of opts.background?.(services, runtime) ?? []) {
      closers.push({ name: 'background task', close: () => task.stop() });
    }

    const running = await startSubgraphServer<ServiceContext<S>>({
      name,
      port: config.PORT,
      host: config.HOST,
      typeDefs,
      resolvers: opts.resolvers,
      logger,
      internalPublicKey,
      production: config.NODE_ENV === 'production',
      // every request's context is the kernel's: service-database fork, kernel, services
      context: (base) => createServiceContext(base, kernel, services),
      readiness: [
        { name: 'database', check: async () => void (await forkEm(orm).execute('select 1')) },
        { name: 'event-bus', check: () => bus.ready() },
      ],
      routes: [
        ...(opts.routes?.(services, runtime) ?? []),
        ...(invalidations ? [cacheInvalidationsRoute(invalidations)] : []),
      ],
      onStop: async () => {
        const failures = await closeAll(closers);
        await flushTracing().catch((err) => logger.warn({ err }, 'exporting the last spans failed'));
        for (const f of failures.slice(1)) logger.error({ err: f.err }, `closing ${f.name} failed`);
        if (failures[0]) throw failures[0].err;
      },
    });
    return {
      ...running,
      // long-polls end at once instead of holding the server's drain
      stop: () => {
        invalidations?.drain();
        return running.stop();
      },
      services,
      orm,
      registry: registry as RegistryOf<T>,
      bus,
      relay,
      subscription,
      kernel,
      cacheInvalidations: invalidations,
    };
  } catch (err) {
    for (const f of await closeAll(closers)) {
      logger.warn({ err: f.err }, `closing ${f.name} after a failed start failed`);
    }
    throw err;
  }
}
