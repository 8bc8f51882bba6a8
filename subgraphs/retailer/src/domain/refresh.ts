import {
  type EntityManager,
  type Logger,
  recordCacheInvalidations,
  type TenantRegistry,
} from '@tradegraph/shared';
import { listingsRefreshed } from '../events/cache-invalidations.ts';
import { announceListings, type Publisher } from '../events/publish.ts';
import {
  activeListingEvents,
  type DerivedColumns,
  listedVariantsOfBrand,
  lockListingsToRefresh,
  retailersListing,
  updateDerivedColumns,
} from '../store/listings.ts';
import { loadFacts, type ProjectionFacts } from '../store/projections.ts';
import { deriveListing } from './projections.ts';

/**
 * Keeps the derived columns of listings (title, price, priced, variant_active,
 * available) in step with the projections. Called in the transaction that
 * changed a projection (event handlers) or a pricing input (storefront default
 * markup), so browsing reads them from the listing row with one indexed query.
 * A listing whose price or title changed is announced (retailer.listing.changed)
 * in the same transaction: orders checks cart prices against the latest one.
 */

const sameColumns = (a: DerivedColumns, b: DerivedColumns) =>
  a.title === b.title &&
  a.priceMinor === b.priceMinor &&
  a.priced === b.priced &&
  a.variantActive === b.variantActive &&
  a.available === b.available;

/**
 * Recomputes the active listings of one tenant database matching `filter`.
 * `facts` may be given when the caller already loaded them for these variants.
 * Returns how many rows changed.
 */
export async function refreshTenantListings(
  em: EntityManager,
  out: Publisher,
  target: { serviceDb: string; tenantDb: string; retailerId: string },
  filter: { variantIds: readonly string[] } | { storefrontId: string },
  given?: ProjectionFacts,
): Promise<number> {
  if ('variantIds' in filter && !filter.variantIds.length) return 0;
  const found = await lockListingsToRefresh(em, target.tenantDb, filter);
  if (!found.length) return 0;
  const facts =
    given ??
    (await loadFacts(
      em,
      target.serviceDb,
      found.map((r) => r.rule.variantId),
      true,
    ));
  const changes: ({ id: string } & DerivedColumns)[] = [];
  const repriced: string[] = [];
  for (const r of found) {
    const d = deriveListing(r.rule, r.defaultMarkupBp, facts);
    // a listing that cannot be priced now keeps its last price, unpriced (hidden from shoppers)
    const next: DerivedColumns = {
      title: d.title,
      priceMinor: d.priceMinor ?? r.stored.priceMinor,
      priced: d.priceMinor !== null,
      variantActive: d.variantActive,
      available: d.available,
    };
    if (!sameColumns(next, r.stored)) changes.push({ id: r.id, ...next });
    if (next.priceMinor !== r.stored.priceMinor || next.title !== r.stored.title) repriced.push(r.id);
  }
  await updateDerivedColumns(em, target.tenantDb, changes);
  // what shoppers see of these listings changed (an event follows only for a new price or title)
  recordCacheInvalidations(em, listingsRefreshed(changes.map((c) => c.id)));
  announceListings(out, await activeListingEvents(em, { ...target, where: { listingIds: repriced } }));
  return changes.length;
}

/**
 * After projections of `variantIds` changed: refreshes the listings of those
 * variants in every retailer database that lists them (found through the
 * service database's listing index; projections are loaded once).
 */
export async function refreshVariantListings(
  em: EntityManager,
  out: Publisher,
  deps: { serviceDb: string; registry: TenantRegistry; logger: Logger },
  variantIds: readonly string[],
): Promise<number> {
  const ids = [...new Set(variantIds)];
  if (!ids.length) return 0;
  const retailers = await retailersListing(em, deps.serviceDb, ids);
  if (!retailers.length) return 0;
  const facts = await loadFacts(em, deps.serviceDb, ids, true);
  let changed = 0;
  for (const retailerId of retailers) {
    const tenant = await deps.registry.byOrganization(retailerId);
    if (!tenant) {
      deps.logger.warn({ retailerId }, 'listing index names a retailer without a tenant database');
      continue;
    }
    changed += await refreshTenantListings(
      em,
      out,
      { serviceDb: deps.serviceDb, tenantDb: tenant.dbName, retailerId },
      { variantIds: ids },
      facts,
    );
  }
  return changed;
}

const BRAND_CHUNK = 500;

/**
 * After a supplier's fulfilment access to `brandId` changed: refreshes every
 * active listing of the brand's variants in every retailer database (found
 * through `listing_index`, in chunks of variants).
 */
export async function refreshBrandListings(
  em: EntityManager,
  out: Publisher,
  deps: { serviceDb: string; registry: TenantRegistry; logger: Logger },
  brandId: string,
): Promise<number> {
  const ids = await listedVariantsOfBrand(em, deps.serviceDb, brandId);
  let changed = 0;
  for (let i = 0; i < ids.length; i += BRAND_CHUNK) {
    changed += await refreshVariantListings(em, out, deps, ids.slice(i, i + BRAND_CHUNK));
  }
  return changed;
}
