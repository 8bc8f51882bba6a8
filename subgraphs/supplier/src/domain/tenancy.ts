import { actingOrganizationId, parseId, tenantKeyOf } from '@tradegraph/shared';
import { type SupplierContext, type TenantContext, tenantContext } from '../context.ts';

/**
 * Batch loading of tenant rows by id for DataLoaders. Ids embed their tenant
 * key; only ids of the caller's own tenant are looked up (one query), any
 * other id answers null without touching a database.
 */
export async function loadTenantRows<T extends { id: string }>(
  ctx: SupplierContext,
  ids: readonly string[],
  prefix: string,
  query: (tctx: TenantContext, ids: string[]) => Promise<T[]>,
): Promise<(T | null)[]> {
  const orgId = actingOrganizationId(ctx.principal);
  const key = orgId ? tenantKeyOf(orgId) : null;
  const own = key ? ids.filter((id) => parseId(id, prefix)?.tenantKey === key) : [];
  if (!own.length) return ids.map(() => null);
  const tenant = await ctx.services.registry.byKey(key!);
  if (!tenant) return ids.map(() => null);
  const rows = await query(tenantContext(ctx, tenant), [...new Set(own)]);
  const map = new Map(rows.map((r) => [r.id, r]));
  return ids.map((id) => map.get(id) ?? null);
}

/** The caller's tenant context if `id` belongs to it, else null. */
export async function ownTenantOf(
  ctx: SupplierContext,
  id: string,
  prefix: string,
): Promise<TenantContext | null> {
  const orgId = actingOrganizationId(ctx.principal);
  const key = parseId(id, prefix)?.tenantKey;
  if (!orgId || !key || key !== tenantKeyOf(orgId)) return null;
  const tenant = await ctx.services.registry.byKey(key);
  return tenant ? tenantContext(ctx, tenant) : null;
}
