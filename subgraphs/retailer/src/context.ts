import { DeadlockException, LockWaitTimeoutException } from '@mikro-orm/core';
import type {
  EntityManager,
  Kernel,
  Orm,
  RequestContext,
  TenantInfo,
  TenantRegistry,
} from '@tradegraph/shared';
import type { RetailerConfig } from './config.ts';
import type { StorefrontDirectory } from './domain/directory.ts';

/** Long-lived collaborators of the retailer service, shared by all requests and event handlers. */
export interface RetailerServices {
  config: RetailerConfig;
  orm: Orm;
  registry: TenantRegistry;
  /** Name of the service database, for statements that join tenant tables with it. */
  serviceDb: string;
  directory: StorefrontDirectory;
  /** Wakes the outbox relay after a transaction that wrote events committed. */
  afterCommit: () => void;
}

export interface RetailerContext extends RequestContext {
  /** This request's EntityManager: a fork on the service database, or inside a transaction the transaction's. */
  em: EntityManager;
  services: RetailerServices;
  kernel: Kernel;
  /** One fork per tenant per request. */
  tenantEms: Map<string, EntityManager>;
}

/** The request's EntityManager on a tenant database (one fork per tenant per request). */
export function tenantEm(ctx: RetailerContext, tenant: TenantInfo): EntityManager {
  let em = ctx.tenantEms.get(tenant.dbName);
  if (!em) {
    em = ctx.services.registry.em(tenant);
    ctx.tenantEms.set(tenant.dbName, em);
  }
  return em;
}

/**
 * Runs `fn` in one transaction on the tenant database. Its `em` may also write
 * service-database tables (directory, listing index, outbox: both live on one
 * server), so the tenant change, the read index and the events commit together.
 * Wakes the relay after the commit.
 */
export async function inTenantTransaction<T>(
  ctx: RetailerContext,
  tenant: TenantInfo,
  fn: (tx: RetailerContext) => Promise<T>,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      const result = await tenantEm(ctx, tenant)
        .fork()
        .transactional((em) => fn({ ...ctx, em: em as EntityManager }));
      ctx.services.afterCommit();
      return result;
    } catch (err) {
      // a listing write and a consumer refreshing the same variant may deadlock (see loadFacts)
      if (!(err instanceof DeadlockException || err instanceof LockWaitTimeoutException) || attempt >= 3)
        throw err;
    }
  }
}

export function eventContext(ctx: Pick<RetailerContext, 'requestId' | 'traceparent'>) {
  return {
    source: 'retailer',
    requestId: ctx.requestId,
    ...(ctx.traceparent ? { traceparent: ctx.traceparent } : {}),
  };
}

/** `db`.`table`, for raw statements that address a database explicitly. */
export function qualified(db: string, table: string): string {
  if (!/^[A-Za-z0-9_]{1,64}$/.test(db) || !/^[a-z_]+$/.test(table)) throw new Error('invalid identifier');
  return `\`${db}\`.\`${table}\``;
}
