import { onService, quoteDb } from '@tradegraph/shared';
import type { CatalogContext } from '../services.ts';

/**
 * The projections that decide visibility (service database): partner_access
 * (identity connections with a brand on one side), listing_projection and
 * storefront_projection (retailer listings and storefronts). See domain/access.ts.
 */

/**
 * Brands the organisation may read as a partner (ACTIVE connection with
 * CATALOG_READ). One query per request at most (a per-request loader).
 */
export async function partnerBrandIdsOf(ctx: CatalogContext, orgId: string): Promise<Set<string>> {
  const loader = ctx.loaders.get<string, Set<string>>('partnerBrands', async (keys) => {
    const rows = await onService(ctx).em.execute<{ brand_id: string }[]>(
      `select distinct brand_id from partner_access
        where partner_id = ? and status = 'ACTIVE' and catalog_read = 1`,
      [orgId],
    );
    const set = new Set(rows.map((r) => r.brand_id));
    return keys.map(() => set);
  });
  return loader.load(orgId);
}

/**
 * SQL condition "variant `alias` is publicly listed": some visible, not
 * removed listing of it on a storefront not known to be unpublished, by a
 * retailer whose connection to the brand is ACTIVE with SELL_PRODUCTS. Takes
 * one parameter, the brand id.
 *
 * Written as a scalar subquery (`(select 1 … limit 1) is not null`), which
 * MariaDB runs per candidate variant through listing_projection's variant
 * index, rather than `exists`, which it may turn into a semi-join whose
 * strategy (duplicate weedout, materialisation) depends on the statistics of
 * the moment: same rows, no plan that starts from the projections.
 */
export function publicVariantSql(serviceDb: string, alias: string): string {
  const s = quoteDb(serviceDb);
  return `(select 1 from ${s}.listing_projection l
      join ${s}.partner_access a
        on a.partner_id = l.retailer_id and a.brand_id = l.brand_id and a.status = 'ACTIVE' and a.sell_products = 1
      left join ${s}.storefront_projection sf on sf.storefront_id = l.storefront_id
      where l.variant_id = ${alias}.id and l.brand_id = ? and l.visible = 1 and l.removed = 0
        and (sf.published is null or sf.published = 1)
      limit 1) is not null`;
}

/** Brands that have at least one publicly listed variant (the anonymous browsing scope). */
export async function publicBrandIds(ctx: CatalogContext, limit: number): Promise<string[]> {
  const rows = await onService(ctx).em.execute<{ brand_id: string }[]>(
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

/** Whether the brand has at least one publicly listed variant. */
export async function brandIsPublic(ctx: CatalogContext, brandId: string): Promise<boolean> {
  const rows = await onService(ctx).em.execute<{ n: number }[]>(
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
