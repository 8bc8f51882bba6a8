import type { EntityManager, RequestContext, TenantInfo, TenantRegistry } from '@tradegraph/shared';
import type { CatalogConfig } from './config.ts';

/** Long-lived collaborators of the catalog service, shared by all requests. */
export interface CatalogServices {
  config: CatalogConfig;
  registry: TenantRegistry;
  /** Name of the service database (`${DB_PREFIX}catalog`), for queries joining tenant and service tables. */
  serviceDb: string;
  /** Wakes the outbox relay after a transaction that wrote events committed. */
  afterCommit: () => void;
}

export interface CatalogContext extends RequestContext {
  /** This request's EntityManager on the service database (a fork; inside a transaction, the transaction's). */
  em: EntityManager;
  services: CatalogServices;
  /** One EntityManager fork per tenant database for this request. */
  tenantEms: Map<string, EntityManager>;
}

/** A context whose `em` is a transaction on one brand's database (which may also write the service database). */
export interface TenantContext extends CatalogContext {
  tenant: TenantInfo;
}

/** The request's EntityManager on a tenant database (one fork per tenant per request). */
export function tenantEm(ctx: CatalogContext, tenant: TenantInfo): EntityManager {
  let em = ctx.tenantEms.get(tenant.tenantKey);
  if (!em) {
    em = ctx.services.registry.em(tenant);
    ctx.tenantEms.set(tenant.tenantKey, em);
  }
  return em;
}

/**
 * Runs `fn` in one transaction on the tenant's database. The tenant rows and
 * the events `fn` publishes (outbox in the service database, same server)
 * commit together; then the relay is woken. The request's tenant fork is
 * cleared afterwards so later reads see the committed state.
 */
export async function inTenantTransaction<T>(
  ctx: CatalogContext,
  tenant: TenantInfo,
  fn: (tx: TenantContext) => Promise<T>,
): Promise<T> {
  const em = tenantEm(ctx, tenant);
  try {
    const result = await em.transactional((txEm) => fn({ ...ctx, tenant, em: txEm as EntityManager }));
    ctx.services.afterCommit();
    return result;
  } finally {
    em.clear();
  }
}

export function eventContext(ctx: CatalogContext) {
  return {
    source: 'catalog',
    requestId: ctx.requestId,
    ...(ctx.traceparent ? { traceparent: ctx.traceparent } : {}),
  };
}
