import type { CacheInvalidationRules } from '@tradegraph/shared';

/**
 * What supplier's changes make stale in the router's entity cache
 * (docs/events.md, "Cache invalidations"). An anonymous shopper sees one
 * field of this subgraph, `ProductVariant.availableQuantity`: the available
 * stock of the suppliers holding an ACTIVE FULFILL_ORDERS connection with the
 * variant's brand (stock_summary × partner_access). So:
 *
 * - supplier.stock.changed (receipts, adjustments, reservations, releases,
 *   shipments, expiries: every change of a level publishes it) → that ProductVariant;
 * - a connection event between a supplier and a brand → every ProductVariant
 *   (the brand's whole catalog changes its sum; connections are rare).
 *
 * Offers (`ProductVariant.offers`, `Organization.offers`) are [] for
 * shoppers, so offer changes invalidate nothing.
 */
export const supplierCacheInvalidations: CacheInvalidationRules = {
  published: (e) =>
    e.type === 'supplier.stock.changed' ? [{ type: 'ProductVariant', ids: [e.payload.variantId] }] : [],
  consumed: (e) => {
    switch (e.type) {
      case 'identity.connection.requested':
      case 'identity.connection.accepted':
      case 'identity.connection.declined':
      case 'identity.connection.revoked': {
        const kinds = [e.payload.requesterKind, e.payload.partnerKind].sort().join(':');
        return kinds === 'BRAND:SUPPLIER' ? [{ type: 'ProductVariant' }] : [];
      }
      default:
        return [];
    }
  },
};
