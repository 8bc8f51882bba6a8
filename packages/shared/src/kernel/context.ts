import type { OrganizationKind, Principal } from '../auth/principal.ts';
import { type EntityManager, forkEm, type Orm } from '../db/orm.ts';
import type { TenantInfo, TenantRegistry } from '../db/tenancy.ts';
import type { EventBus } from '../events/bus.ts';
import type { OutboxRelay } from '../events/relay.ts';
import { Loaders } from '../graphql/loaders.ts';
import type { RequestContext } from '../http/subgraph-server.ts';
import type { Logger } from '../logger.ts';

/**
 * The infrastructure every request and event handler of one service works
 * with, built once by `startService`. Domain code reaches it through the
 * context (`ctx.kernel`), never through module state.
 */
export interface Kernel {
  /** Service name: database (`${DB_PREFIX}<name>`), event source, consumer group. */
  name: string;
  orm: Orm;
  /** Set for services with one database per tenant. */
  registry: TenantRegistry | undefined;
  /** Name of the service database, for raw statements that join it from a tenant transaction. */
  serviceDb: string;
  logger: Logger;
  bus: EventBus;
  relay: OutboxRelay;
  /** Run after every committed unit of work that wrote events (wakes the relay; see kernel/consistency.ts). */
  afterCommit: (eventIds: readonly string[]) => Promise<void>;
  /** Waits, bounded, until this service's projections include every event already in the log (see consistency.ts). */
  settle: (timeoutMs?: number) => Promise<boolean>;
}

/**
 * What every resolver, domain function and event-driven task receives. `em`
 * is bound to exactly one database: the service database, or the tenant's
 * when `tenant` is set (inside a unit of work, the transaction's).
 */
export interface ServiceContext<S = unknown> extends RequestContext {
  kernel: Kernel;
  /** The service's own long-lived collaborators (config, caches, …). */
  services: S;
  em: EntityManager;
  /** The tenant `em` is bound to; null on the service database. */
  tenant: TenantInfo | null;
  /** This request's fork per database (one per tenant, plus the service database under ''). */
  readonly forks: Map<string, EntityManager>;
}

/** The acting organisation of a write (from the verified principal, never from an argument). */
export interface Actor {
  organizationId: string;
  organizationKind: OrganizationKind;
}

/** A request's context on the service database. */
export function createServiceContext<S>(
  base: RequestContext,
  kernel: Kernel,
  services: S,
): ServiceContext<S> {
  const em = forkEm(kernel.orm);
  return { ...base, kernel, services, em, tenant: null, forks: new Map([['', em]]) };
}

/**
 * A context for work the process does on its own (event handlers, sweepers,
 * start-up tasks): principal `router`, no caller.
 */
export function systemContext<S>(kernel: Kernel, services: S, requestId = 'system'): ServiceContext<S> {
  const principal: Principal = { kind: 'router' };
  return createServiceContext(
    { principal, requestId, logger: kernel.logger, loaders: new Loaders(), sql: { count: 0 } },
    kernel,
    services,
  );
}

/**
 * The same request bound to a tenant database: one fork per tenant per
 * request, so the identity map (and its reads) is shared by every resolver of
 * the request that touches that tenant.
 */
export function onTenant<C extends ServiceContext<unknown>>(ctx: C, tenant: TenantInfo): C {
  if (ctx.tenant?.dbName === tenant.dbName) return ctx;
  let em = ctx.forks.get(tenant.dbName);
  if (!em) {
    em = forkEm(ctx.kernel.orm, tenant.dbName);
    ctx.forks.set(tenant.dbName, em);
  }
  return { ...ctx, tenant, em };
}

/** The same request back on the service database. */
export function onService<C extends ServiceContext<unknown>>(ctx: C): C {
  if (!ctx.tenant) return ctx;
  const em = ctx.forks.get('') ?? forkEm(ctx.kernel.orm);
  ctx.forks.set('', em);
  return { ...ctx, tenant: null, em };
}

/** The registry of a tenant-owning service (a programming error to ask it of another). */
export function registryOf(ctx: ServiceContext<unknown>): TenantRegistry {
  const registry = ctx.kernel.registry;
  if (!registry) throw new Error(`service ${ctx.kernel.name} has no tenant databases`);
  return registry;
}
