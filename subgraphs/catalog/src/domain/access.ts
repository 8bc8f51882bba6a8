import { hasPermission, type OrganizationKind } from '@tradegraph/shared';
import type { CatalogContext } from '../context.ts';
import type { AccessLevel } from './nodes.ts';

/**
 * Who sees what (docs/network.md): a brand's own members with catalog:read see
 * everything of their brand (OWNER); an organisation with an ACTIVE connection
 * to the brand carrying CATALOG_READ sees its ACTIVE products (PARTNER);
 * anonymous shoppers and customers see ACTIVE variants that are publicly
 * listed — on a published storefront of a retailer whose connection to the
 * brand is ACTIVE with SELL_PRODUCTS — and their products (PUBLIC); anyone
 * else (an organisation without such a connection) sees nothing of the brand.
 * Decided from this service's projections of identity and retailer events,
 * never by calling them.
 */

export interface Viewer {
  organizationId: string | null;
  organizationKind: OrganizationKind | null;
  /** Holds catalog:read for its organisation (members and API keys). */
  canRead: boolean;
}

export function viewerOf(ctx: CatalogContext): Viewer {
  const p = ctx.principal;
  if (p.kind === 'user' || p.kind === 'apiKey') {
    return {
      organizationId: p.organizationId,
      organizationKind: p.organizationKind,
      canRead: hasPermission(p, 'catalog:read'),
    };
  }
  return { organizationId: null, organizationKind: null, canRead: false };
}

const q = (name: string) => `\`${name}\``;

/**
 * Brands the viewer's organisation may read as a partner (ACTIVE connection with
 * CATALOG_READ). One query per request at most (a per-request loader).
 */
export async function partnerBrandIds(ctx: CatalogContext): Promise<Set<string>> {
  const viewer = viewerOf(ctx);
  if (!viewer.organizationId || !viewer.canRead) return new Set();
  const orgId = viewer.organizationId;
  const loader = ctx.loaders.get<string, Set<string>>('partnerBrands', async (keys) => {
    const rows = await ctx.em.execute<{ brand_id: string }[]>(
      `select distinct brand_id from partner_access
        where partner_id = ? and status = 'ACTIVE' and catalog_read = 1`,
      [orgId],
    );
    const set = new Set(rows.map((r) => r.brand_id));
    return keys.map(() => set);
  });
  return loader.load(orgId);
}

/** Principals that act for no organisation (anonymous, customers): the shoppers. */
export function isShopper(viewer: Viewer): boolean {
  return viewer.organizationId === null;
}

/** The viewer's access level to one brand, given the partner brands (see partnerBrandIds); null: nothing. */
export function levelFor(viewer: Viewer, brandId: string, partners: Set<string>): AccessLevel | null {
  if (viewer.canRead && viewer.organizationId === brandId) return 'OWNER';
  if (partners.has(brandId)) return 'PARTNER';
  return isShopper(viewer) ? 'PUBLIC' : null;
}

/** The viewer's access level to each brand (one query at most). */
export async function levelsFor(
  ctx: CatalogContext,
  brandIds: Iterable<string>,
): Promise<Map<string, AccessLevel | null>> {
  const viewer = viewerOf(ctx);
  const ids = [...new Set(brandIds)];
  const needsPartners = ids.some((b) => !(viewer.canRead && viewer.organizationId === b));
  const partners = needsPartners ? await partnerBrandIds(ctx) : new Set<string>();
  return new Map(ids.map((b) => [b, levelFor(viewer, b, partners)] as const));
}

/**
 * SQL condition "variant `alias` is publicly listed": some visible, not
 * removed listing of it on a storefront not known to be unpublished, by a
 * retailer whose connection to the brand is ACTIVE with SELL_PRODUCTS. Takes
 * one parameter, the brand id.
 */
export function publicVariantSql(serviceDb: string, alias: string): string {
  const s = q(serviceDb);
  return `exists (select 1 from ${s}.listing_projection l
      join ${s}.partner_access a
        on a.partner_id = l.retailer_id and a.brand_id = l.brand_id and a.status = 'ACTIVE' and a.sell_products = 1
      left join ${s}.storefront_projection sf on sf.storefront_id = l.storefront_id
      where l.variant_id = ${alias}.id and l.brand_id = ? and l.visible = 1 and l.removed = 0
        and (sf.published is null or sf.published = 1))`;
}

/** Brands that have at least one publicly listed variant (the anonymous browsing scope). */
export async function publicBrandIds(ctx: CatalogContext, limit: number): Promise<string[]> {
  const rows = await ctx.em.execute<{ brand_id: string }[]>(
    `select distinct l.brand_id from listing_projection l
       join partner_access a
         on a.partner_id = l.retailer_id and a.brand_id = l.brand_id and a.status = 'ACTIVE' and a.sell_products = 1
       left join storefront_projection sf on sf.storefront_id = l.storefront_id
      where l.visible = 1 and l.removed = 0 and (sf.published is null or sf.published = 1)
      order by l.brand_id limit ?`,
    [limit],
  );
  return rows.map((r) => r.brand_id);
}

/** Whether the brand has any publicly listed variant. */
export async function brandIsPublic(ctx: CatalogContext, brandId: string): Promise<boolean> {
  const rows = await ctx.em.execute<{ n: number }[]>(
    `select 1 as n from listing_projection l
       join partner_access a
         on a.partner_id = l.retailer_id and a.brand_id = l.brand_id and a.status = 'ACTIVE' and a.sell_products = 1
       left join storefront_projection sf on sf.storefront_id = l.storefront_id
      where l.brand_id = ? and l.visible = 1 and l.removed = 0 and (sf.published is null or sf.published = 1)
      limit 1`,
    [brandId],
  );
  return rows.length > 0;
}
