import { type EntityManager, onService, placeholders, quoteDb } from '@tradegraph/shared';
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

/** The rule "variant listed publicly", on listing_projection `l` (public_variants holds its outcome). */
const PUBLIC_LISTING_SQL = `listing_projection l
       join partner_access a
         on a.partner_id = l.retailer_id and a.brand_id = l.brand_id and a.status = 'ACTIVE' and a.sell_products = 1
       left join storefront_projection sf on sf.storefront_id = l.storefront_id
      where l.visible = 1 and l.removed = 0 and (sf.published is null or sf.published = 1)`;

/**
 * SQL condition "variant `alias` is publicly listed": some visible, not
 * removed listing of it on a storefront not known to be unpublished, by a
 * retailer whose connection to the brand is ACTIVE with SELL_PRODUCTS. Takes
 * one parameter, the brand id. Read from public_variants, the projection of
 * that rule (refreshPublicVariants): one primary-key lookup per variant.
 */
export function publicVariantSql(serviceDb: string, alias: string): string {
  const s = quoteDb(serviceDb);
  return `(select 1 from ${s}.public_variants pv where pv.variant_id = ${alias}.id and pv.brand_id = ?) is not null`;
}

/** Brands that have at least one publicly listed variant (the anonymous browsing scope). */
export async function publicBrandIds(ctx: CatalogContext, limit: number): Promise<string[]> {
  const rows = await onService(ctx).em.execute<{ brand_id: string }[]>(
    'select distinct brand_id from public_variants order by brand_id limit ?',
    [limit],
  );
  return rows.map((r) => r.brand_id);
}

/** Whether the brand has at least one publicly listed variant. */
export async function brandIsPublic(ctx: CatalogContext, brandId: string): Promise<boolean> {
  const rows = await onService(ctx).em.execute<{ n: number }[]>(
    'select 1 as n from public_variants where brand_id = ? limit 1',
    [brandId],
  );
  return rows.length > 0;
}

/** The listings a projection change can make public or not: of these variants, on a storefront, or of a retailer for a brand. */
export type PublicScope =
  | { variantIds: string[] }
  | { storefrontId: string }
  | { retailerId: string; brandId: string };

function scopeSql(scope: PublicScope): [string, unknown[]] {
  if ('variantIds' in scope)
    return [`variant_id in (${placeholders(scope.variantIds.length)})`, scope.variantIds];
  if ('storefrontId' in scope) return ['storefront_id = ?', [scope.storefrontId]];
  return ['retailer_id = ? and brand_id = ?', [scope.retailerId, scope.brandId]];
}

/**
 * Decides public_variants again for the variants of `scope`, in the consumer's
 * transaction that just changed a listing, storefront or connection row
 * (flushed first). The rows the rule reads are read with shared locks: two
 * events that change rows of the same decision (say a listing shown while its
 * retailer's connection is revoked) cannot both decide from a snapshot that
 * misses the other's change. One waits for the other, or they deadlock and one
 * is retried, and the later decision sees both changes.
 */
export async function refreshPublicVariants(em: EntityManager, scope: PublicScope): Promise<void> {
  await em.flush();
  const [where, params] = scopeSql(scope);
  if (!params.length) return;
  const candidates = await em.execute<{ variant_id: string }[]>(
    `select distinct variant_id from listing_projection where ${where} lock in share mode`,
    params,
  );
  const ids = candidates.map((r) => r.variant_id);
  if (!ids.length) return;
  const shown = await em.execute<{ variant_id: string; brand_id: string }[]>(
    `select l.variant_id, min(l.brand_id) as brand_id from ${PUBLIC_LISTING_SQL}
        and l.variant_id in (${placeholders(ids.length)})
      group by l.variant_id lock in share mode`,
    ids,
  );
  await em.execute(`delete from public_variants where variant_id in (${placeholders(ids.length)})`, ids);
  if (shown.length) {
    await em.execute(
      `insert into public_variants (variant_id, brand_id) values ${shown.map(() => '(?, ?)').join(', ')}`,
      shown.flatMap((r) => [r.variant_id, r.brand_id]),
    );
  }
}
