import {
  type CacheInvalidation,
  type CacheInvalidationRules,
  type EntityManager,
  type Kernel,
  parseId,
  qualified,
  rows,
} from '@tradegraph/shared';

/**
 * What catalog's changes make stale in the router's entity cache
 * (docs/events.md, "Cache invalidations"). The cached fields are what an
 * anonymous shopper sees: Product, the ProductVariant fields of this
 * subgraph, and (for `Organization.products`) the brands' product lists.
 * A shopper's view depends on the product itself and on whether its variants
 * are publicly listed (docs/network.md), so:
 *
 * - a product's snapshot (`catalog.product.changed`: create, update,
 *   publish, archive, variant changes) → that Product and its variants;
 *   variants removed by an update are not in the snapshot, so
 *   `updateProduct` records them itself;
 * - a category written → every Product and ProductVariant (a product shows
 *   its category with parent and children; category writes are rare);
 * - a listing whose public visibility flipped → that ProductVariant and its
 *   Product (the payload has no product id and only the projection knows
 *   the flip, so the handler records it: `listedVariantChanged`);
 * - a storefront or a brand↔retailer connection (which decide whether a
 *   brand's listings are public at all) → every ProductVariant, Product and
 *   Organization.
 */

const EVERYTHING_PUBLIC: CacheInvalidation[] = [
  { type: 'ProductVariant' },
  { type: 'Product' },
  { type: 'Organization' },
];

/** A category was created, changed or deleted. */
export const CATEGORY_CHANGED: CacheInvalidation[] = [{ type: 'Product' }, { type: 'ProductVariant' }];

export const catalogCacheInvalidations: CacheInvalidationRules = {
  published: (e) => {
    if (e.type !== 'catalog.product.changed') return [];
    return [
      { type: 'Product', ids: [e.payload.productId] },
      { type: 'ProductVariant', ids: e.payload.variants.map((v) => v.variantId) },
    ];
  },
  consumed: (e) => {
    switch (e.type) {
      case 'retailer.storefront.changed':
        return EVERYTHING_PUBLIC;
      case 'identity.connection.requested':
      case 'identity.connection.accepted':
      case 'identity.connection.declined':
      case 'identity.connection.revoked': {
        // only brand↔retailer connections (SELL_PRODUCTS) decide public visibility
        const kinds = [e.payload.requesterKind, e.payload.partnerKind].sort().join(':');
        return kinds === 'BRAND:RETAILER' ? EVERYTHING_PUBLIC : [];
      }
      default:
        return [];
    }
  },
};

/**
 * A listing of `variantId` became publicly visible or stopped being: the
 * variant and its product (looked up in the brand's database; only the
 * variant when the brand has none here).
 */
export async function listedVariantChanged(
  em: EntityManager,
  kernel: Pick<Kernel, 'registry'>,
  variantId: string,
): Promise<CacheInvalidation[]> {
  const out: CacheInvalidation[] = [{ type: 'ProductVariant', ids: [variantId] }];
  const key = parseId(variantId, 'var')?.tenantKey;
  const tenant = key ? await kernel.registry?.byKey(key) : null;
  if (!tenant) return out;
  const [row] = await rows<{ product_id: string }>(
    em,
    `select product_id from ${qualified(tenant.dbName, 'variants')} where id = ?`,
    [variantId],
  );
  if (row) out.push({ type: 'Product', ids: [row.product_id] });
  return out;
}
