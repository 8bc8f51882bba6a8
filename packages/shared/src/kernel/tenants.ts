import { actingOrganizationId, type OrganizationKind } from '../auth/principal.ts';
import type { EntityManager } from '../db/orm.ts';
import { type TenantInfo, tenantKeyOf } from '../db/tenancy.ts';
import { notFound } from '../graphql/errors.ts';
import { parseId } from '../graphql/ids.ts';
import { onTenant, registryOf, type ServiceContext } from './context.ts';

/**
 * Routing ids to tenant databases, once for every service. Tenant-scoped ids
 * embed their tenant key (`prd_<key>_<…>`), so an id routes without a scan;
 * a malformed, forged or other tenant's id is NOT_FOUND before any tenant
 * database is touched.
 */

/** The caller's own tenant key, or null when the principal acts for no organisation. */
export function ownTenantKey(ctx: ServiceContext<unknown>): string | null {
  const org = actingOrganizationId(ctx.principal);
  return org ? tenantKeyOf(org) : null;
}

/** Whether `id` is of this type and of this tenant (no throw, nothing read). */
export function isOwnId(tenant: TenantInfo, id: unknown, prefix: string): id is string {
  const parsed = parseId(id, prefix);
  return !!parsed && parsed.tenantKey === tenant.tenantKey;
}

/** `id` when it is of this type and this tenant; NOT_FOUND (`what not found`) otherwise. */
export function requireOwnId(tenant: TenantInfo, id: unknown, prefix: string, what: string): string {
  if (!isOwnId(tenant, id, prefix)) throw notFound(what);
  return id;
}

/**
 * The caller's context on the tenant `id` belongs to, when that is the
 * caller's own organisation's tenant; null otherwise (foreign, forged,
 * malformed, or no database yet).
 */
export async function ownTenantOf<C extends ServiceContext<unknown>>(
  ctx: C,
  id: unknown,
  prefix: string,
): Promise<C | null> {
  const key = parseId(id, prefix)?.tenantKey;
  if (!key || key !== ownTenantKey(ctx)) return null;
  const tenant = await registryOf(ctx).byKey(key);
  return tenant ? onTenant(ctx, tenant) : null;
}

/** The tenant any id routes to (public reads, carts): NOT_FOUND when it names no tenant of this service. */
export async function tenantOfId(
  ctx: ServiceContext<unknown>,
  id: unknown,
  prefix: string,
  what: string,
  kinds?: readonly OrganizationKind[],
): Promise<TenantInfo> {
  const key = parseId(id, prefix)?.tenantKey;
  const tenant = key ? await registryOf(ctx).byKey(key) : null;
  if (!tenant || (kinds && !kinds.includes(tenant.kind))) throw notFound(what);
  return tenant;
}

/**
 * The ids grouped by the tenant they route to, in one registry lookup; ids
 * that are malformed, of another type or of an unknown tenant are left out.
 */
export async function groupIdsByTenant(
  ctx: ServiceContext<unknown>,
  ids: readonly string[],
  prefix: string,
  kinds?: readonly OrganizationKind[],
): Promise<{ tenant: TenantInfo; ids: string[] }[]> {
  const byKey = new Map<string, Set<string>>();
  for (const id of ids) {
    const key = parseId(id, prefix)?.tenantKey;
    if (!key) continue;
    const set = byKey.get(key) ?? new Set<string>();
    byKey.set(key, set);
    set.add(id);
  }
  if (!byKey.size) return [];
  const tenants = await registryOf(ctx).byKeys([...byKey.keys()]);
  const out: { tenant: TenantInfo; ids: string[] }[] = [];
  for (const [key, set] of byKey) {
    const tenant = tenants.get(key);
    if (tenant && (!kinds || kinds.includes(tenant.kind))) out.push({ tenant, ids: [...set] });
  }
  return out;
}

/**
 * A DataLoader batch over tenant rows that only the owning organisation may
 * read: ids of the caller's own tenant are looked up in one query, every
 * other id answers null without touching a database.
 */
export async function loadOwnRows<T extends { id: string }, C extends ServiceContext<unknown>>(
  ctx: C,
  ids: readonly string[],
  prefix: string,
  query: (tctx: C, ids: string[]) => Promise<T[]>,
): Promise<(T | null)[]> {
  const key = ownTenantKey(ctx);
  const own = key ? [...new Set(ids.filter((id) => parseId(id, prefix)?.tenantKey === key))] : [];
  if (!own.length) return ids.map(() => null);
  const tenant = await registryOf(ctx).byKey(key!);
  if (!tenant) return ids.map(() => null);
  const found = new Map((await query(onTenant(ctx, tenant), own)).map((r) => [r.id, r]));
  return ids.map((id) => found.get(id) ?? null);
}

/**
 * The consumer of `identity.organization.created` that every tenant-owning
 * service registers: the tenant database exists as soon as the organisation
 * does (idempotent; writes also provision lazily if this event is late).
 */
export function provisionTenantOn(
  ctx: { kernel: { registry: ServiceContext<unknown>['kernel']['registry'] } },
  kinds: readonly OrganizationKind[],
) {
  return async (_em: EntityManager, e: { payload: { organizationId: string; kind: OrganizationKind } }) => {
    if (!kinds.includes(e.payload.kind)) return;
    const registry = ctx.kernel.registry;
    if (!registry) throw new Error('provisionTenantOn: this service has no tenant databases');
    await registry.ensure(e.payload.organizationId, e.payload.kind);
  };
}
