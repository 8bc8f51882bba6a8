import {
  type EntityManager,
  forbidden,
  forkEm,
  Loaders,
  type Logger,
  type Orm,
  type Permission,
  type Principal,
  type RequestContext,
  requirePermission,
  type TenantInfo,
  type TenantRegistry,
} from '@tradegraph/shared';
import type { SupplierConfig } from './config.ts';
import type { ActorKind } from './entities/index.ts';

/** Long-lived collaborators of the supplier service, shared by all requests. */
export interface SupplierServices {
  config: SupplierConfig;
  orm: Orm;
  registry: TenantRegistry;
  /** Name of the service database, to qualify its tables from a tenant transaction. */
  serviceDb: string;
  logger: Logger;
  /** Wakes the outbox relay after a transaction that wrote events committed. */
  afterCommit: () => void;
}

export interface SupplierContext extends RequestContext {
  /** This request's EntityManager on the service database. */
  em: EntityManager;
  services: SupplierServices;
  /** One fork per tenant per request, by tenant key. */
  tenantEms: Map<string, EntityManager>;
}

/** A context bound to one supplier's tenant database: `em` is a fork on it (inside a transaction, the transaction's). */
export interface TenantContext extends SupplierContext {
  tenant: TenantInfo;
}

export function createContext(base: RequestContext, services: SupplierServices): SupplierContext {
  return { ...base, em: forkEm(services.orm), services, tenantEms: new Map() };
}

/**
 * A context for work the process does on its own (reservation sweeper, event
 * handlers driving reservations): no caller, actor SYSTEM.
 */
export function systemContext(services: SupplierServices, requestId = 'system'): SupplierContext {
  return {
    principal: { kind: 'router' },
    requestId,
    logger: services.logger,
    loaders: new Loaders(),
    sql: { count: 0 },
    em: forkEm(services.orm),
    services,
    tenantEms: new Map(),
  };
}

/** The tenant's EntityManager of this request (forked once, then reused). */
export function tenantContext(ctx: SupplierContext, tenant: TenantInfo): TenantContext {
  let em = ctx.tenantEms.get(tenant.tenantKey);
  if (!em) {
    em = ctx.services.registry.em(tenant);
    ctx.tenantEms.set(tenant.tenantKey, em);
  }
  return { ...ctx, tenant, em };
}

/** The acting supplier organisation holding `permission`; UNAUTHENTICATED / FORBIDDEN otherwise. */
export function requireSupplier(ctx: SupplierContext, permission: Permission): string {
  const me = requirePermission(ctx.principal, permission);
  if (me.organizationKind !== 'SUPPLIER') throw forbidden('Only supplier organisations can do this');
  return me.organizationId;
}

/**
 * The caller's own tenant for a write: the tenant is always the principal's
 * organisation; its database is provisioned on first use.
 */
export async function writeTenant(ctx: SupplierContext, permission: Permission): Promise<TenantContext> {
  const orgId = requireSupplier(ctx, permission);
  const tenant = await ctx.services.registry.ensure(orgId, 'SUPPLIER');
  return tenantContext(ctx, tenant);
}

/** The caller's own tenant for a read, or null when the supplier has no database yet (nothing to read). */
export async function readTenant(
  ctx: SupplierContext,
  permission: Permission,
): Promise<TenantContext | null> {
  const orgId = requireSupplier(ctx, permission);
  const tenant = await ctx.services.registry.byOrganization(orgId);
  return tenant ? tenantContext(ctx, tenant) : null;
}

/**
 * Runs `fn` in one transaction on the tenant's database. Service-database
 * tables (read indexes, the outbox) written through `tx.em` commit with it.
 * Wakes the relay afterwards.
 */
export async function inTenantTransaction<T>(
  ctx: TenantContext,
  fn: (tx: TenantContext) => Promise<T>,
): Promise<T> {
  const result = await ctx.em.fork().transactional((em) => fn({ ...ctx, em: em as EntityManager }));
  ctx.services.afterCommit();
  return result;
}

export function eventContext(ctx: SupplierContext) {
  return {
    source: 'supplier',
    requestId: ctx.requestId,
    ...(ctx.traceparent ? { traceparent: ctx.traceparent } : {}),
  };
}

/** Who did it, for the movement log. */
export function actorOf(p: Principal): { kind: ActorKind; id: string | null } {
  if (p.kind === 'user') return { kind: 'USER', id: p.userId };
  if (p.kind === 'apiKey') return { kind: 'API_KEY', id: p.apiKeyId };
  return { kind: 'SYSTEM', id: null };
}

/** `db`.`table`, for raw SQL that crosses the tenant and service databases. */
export function serviceTable(ctx: SupplierContext, table: string): string {
  return `\`${ctx.services.serviceDb}\`.\`${table}\``;
}
export function tenantTable(ctx: TenantContext, table: string): string {
  return `\`${ctx.tenant.dbName}\`.\`${table}\``;
}
