import {
  type EntityManager,
  forbidden,
  hasPermission,
  notFound,
  type Permission,
  type Principal,
  requireId,
  requirePermission,
  type TenantInfo,
} from '@tradegraph/shared';
import type { RetailerContext } from '../context.ts';

/**
 * Who may do what in the retailer subgraph. The tenant of a write is always
 * the principal's organisation; an id of another tenant answers NOT_FOUND.
 */

/** The acting retailer organisation (holding `permission`), or UNAUTHENTICATED / FORBIDDEN. */
export function requireRetailer(ctx: RetailerContext, permission: Permission): string {
  const me = requirePermission(ctx.principal, permission);
  if (me.organizationKind !== 'RETAILER') throw forbidden('Only retailer organisations have storefronts');
  return me.organizationId;
}

/** The retailer's tenant, provisioning its database on the first write if the organisation event has not yet. */
export function ensureOwnTenant(ctx: RetailerContext, retailerId: string): Promise<TenantInfo> {
  return ctx.services.registry.ensure(retailerId, 'RETAILER');
}

/**
 * The tenant an id of the acting retailer routes to: the id must carry the
 * retailer's own tenant key, otherwise (malformed, foreign, unknown) NOT_FOUND.
 */
export async function ownTenantOfId(
  ctx: RetailerContext,
  retailerId: string,
  id: unknown,
  prefix: string,
  what: string,
): Promise<TenantInfo> {
  const parsed = requireId(id, prefix, what);
  const tenant = parsed.tenantKey ? await ctx.services.registry.byKey(parsed.tenantKey) : null;
  if (!tenant || tenant.organizationId !== retailerId) throw notFound(what);
  return tenant;
}

/** The tenant any id routes to (for public reads and carts), or NOT_FOUND without touching a tenant database. */
export async function tenantOfId(ctx: RetailerContext, id: unknown, prefix: string, what: string) {
  const parsed = requireId(id, prefix, what);
  const tenant = parsed.tenantKey ? await ctx.services.registry.byKey(parsed.tenantKey) : null;
  if (!tenant) throw notFound(what);
  return tenant;
}

/** True when the principal works for `retailerId` and may read its storefronts (drafts, hidden listings). */
export function isOwner(principal: Principal, retailerId: string): boolean {
  return (
    (principal.kind === 'user' || principal.kind === 'apiKey') &&
    principal.organizationId === retailerId &&
    hasPermission(principal, 'storefronts:read')
  );
}

export function placeholders(n: number): string {
  return new Array(n).fill('?').join(', ');
}

/** Runs a raw statement and returns its rows. */
export function rows<T>(em: EntityManager, sql: string, params: unknown[] = []): Promise<T[]> {
  return em.execute(sql, params) as Promise<T[]>;
}

export function isDuplicateKey(err: unknown): boolean {
  const e = err as { name?: string; code?: string; cause?: { code?: string } } | null;
  return (
    e?.name === 'UniqueConstraintViolationException' ||
    e?.code === 'ER_DUP_ENTRY' ||
    e?.cause?.code === 'ER_DUP_ENTRY'
  );
}
