import type { CacheInvalidation, CacheInvalidationRules } from '@tradegraph/shared';

/**
 * What retailer's changes make stale in the router's entity cache
 * (docs/events.md, "Cache invalidations"): Listing and Storefront as an
 * anonymous shopper sees them (the `storefront(slug)` pages are root-field
 * entries the router drops on any Listing invalidation).
 *
 * - retailer.storefront.changed (create, update, publish, unpublish) → that Storefront;
 * - retailer.listing.changed → that Listing: every write of a listing, a
 *   storefront published or unpublished, a brand's sellability changed, and
 *   a new price or title from a projection;
 * - a listing's other derived columns (`available`, priced, variant active)
 *   change in `refreshTenantListings` without an event: it records the
 *   listings it changed (`listingsRefreshed`), in the consumer's
 *   transaction, so a stock change that leaves availability alone
 *   invalidates nothing.
 *
 * Carts are never cached.
 */
export const retailerCacheInvalidations: CacheInvalidationRules = {
  published: (e) => {
    switch (e.type) {
      case 'retailer.listing.changed':
        return [{ type: 'Listing', ids: [e.payload.listingId] }];
      case 'retailer.storefront.changed':
        return [{ type: 'Storefront', ids: [e.payload.storefrontId] }];
      default:
        return [];
    }
  },
};

/** Listings whose derived columns a refresh changed. */
export function listingsRefreshed(ids: readonly string[]): CacheInvalidation[] {
  return ids.length ? [{ type: 'Listing', ids }] : [];
}
