import {
  forbidden,
  notFound,
  type Permission,
  parseId,
  requirePermission,
  type TenantInfo,
  tenantKeyOf,
} from '@tradegraph/shared';
import type { CatalogContext } from '../context.ts';

/**
 * The brand the principal writes for: the tenant of a write is always the
 * principal's organisation (never an argument), which must be a BRAND. Its
 * database is provisioned on identity.organization.created, or here on its
 * first write if that event has not arrived yet.
 */
export async function writableTenant(ctx: CatalogContext, permission: Permission): Promise<TenantInfo> {
  const me = requirePermission(ctx.principal, permission);
  if (me.organizationKind !== 'BRAND') throw forbidden('Only brands have a catalog');
  return ctx.services.registry.ensure(me.organizationId, 'BRAND');
}

/**
 * Checks that an id of the given type belongs to the writing tenant; a
 * malformed, forged or other tenant's id is NOT_FOUND (nothing is read).
 */
export function requireOwnId(tenant: TenantInfo, id: unknown, prefix: string, what: string): string {
  const parsed = parseId(id, prefix);
  if (!parsed || parsed.tenantKey !== tenant.tenantKey) throw notFound(what);
  return id as string;
}

/** Whether the id is of this prefix and this tenant (no throw). */
export function isOwnId(tenant: TenantInfo, id: unknown, prefix: string): id is string {
  const parsed = parseId(id, prefix);
  return !!parsed && parsed.tenantKey === tenant.tenantKey;
}

/**
 * Tenants of the given ids (by their embedded key), in one registry lookup.
 * Ids that are malformed, of another type or name an unknown tenant are left out.
 */
export async function tenantsOfIds(
  ctx: CatalogContext,
  ids: readonly string[],
  prefix: string,
): Promise<Map<string, { tenant: TenantInfo; ids: string[] }>> {
  const byKey = new Map<string, string[]>();
  for (const id of ids) {
    const parsed = parseId(id, prefix);
    if (!parsed?.tenantKey) continue;
    const list = byKey.get(parsed.tenantKey);
    if (list) list.push(id);
    else byKey.set(parsed.tenantKey, [id]);
  }
  if (!byKey.size) return new Map();
  const tenants = await ctx.services.registry.byKeys([...byKey.keys()]);
  const out = new Map<string, { tenant: TenantInfo; ids: string[] }>();
  for (const [key, list] of byKey) {
    const tenant = tenants.get(key);
    if (tenant && tenant.kind === 'BRAND') out.set(key, { tenant, ids: [...new Set(list)] });
  }
  return out;
}

/** Tenants of brand organisation ids (unknown brands are left out). */
export async function tenantsOfBrands(ctx: CatalogContext, brandIds: readonly string[]) {
  const keys = brandIds.map((b) => tenantKeyOf(b));
  const tenants = await ctx.services.registry.byKeys(keys);
  const out: TenantInfo[] = [];
  for (const b of new Set(brandIds)) {
    const t = tenants.get(tenantKeyOf(b));
    if (t && t.organizationId === b && t.kind === 'BRAND') out.push(t);
  }
  return out;
}

export const qname = (name: string) => `\`${name}\``;
