import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CREATE_LISTING,
  CREATE_STOREFRONT,
  type Harness,
  network,
  orgId,
  PUBLISH,
  startHarness,
} from './harness.ts';

/**
 * What retailer's writes and the events it consumes tell the router's entity
 * cache (events/cache-invalidations.ts), read from the feed as the router
 * reads it: storefront and listing writes by their ids, and listings whose
 * shopper-visible columns a projection changed, even without an event.
 */

let h: Harness;
let net: ReturnType<typeof network>;
let r: Awaited<ReturnType<ReturnType<typeof network>['retailer']>>;
const brand = orgId();
const supplier = orgId();
let productId: string;
let variants: string[];

beforeAll(async () => {
  h = await startHarness();
  net = network(h);
  r = await net.retailer();
  await net.connect(brand, r.id);
  await net.fulfil(supplier, brand);
  const p = await net.product(brand, {
    name: 'Kettle',
    variants: ['K1', 'K2'].map((sku) => ({ sku, msrp: ['3000', 'EUR'] as [string, string] })),
  });
  productId = p.productId;
  variants = p.variantIds;
  await net.stock({ supplierId: supplier, brandId: brand, variantId: variants[0]!, totalAvailable: 5 });
}, 60_000);
afterAll(async () => h?.stop());

describe('retailer cache invalidations', () => {
  let storefrontId: string;
  const listings: string[] = [];

  it('storefront and listing writes invalidate them by id; publishing covers every listing', async () => {
    const created = await h.invalidatedBy(async () => {
      const sf = await h.call(
        CREATE_STOREFRONT,
        { i: { name: 'Kettles', slug: 'kettles', currencyCode: 'EUR' } },
        r.user,
      );
      storefrontId = sf.data!.createStorefront.storefront.id;
    });
    expect(created).toEqual([`Storefront:${storefrontId}`]);

    for (const variantId of variants) {
      const listed = await h.invalidatedBy(async () => {
        const l = await h.call(CREATE_LISTING, { i: { storefrontId, variantId } }, r.user);
        expect(l.data!.createListing.userErrors).toEqual([]);
        listings.push(l.data!.createListing.listing.id);
      });
      expect(listed).toEqual([`Listing:${listings.at(-1)}`]);
    }

    const published = await h.invalidatedBy(() => h.call(PUBLISH, { i: { id: storefrontId } }, r.user));
    expect(published.sort()).toEqual(
      [`Storefront:${storefrontId}`, ...listings.map((id) => `Listing:${id}`)].sort(),
    );
  });

  it('a stock change invalidates the listings whose availability it flips, and nothing when it flips none', async () => {
    // variant 1 had no stock: it becomes available
    const flipped = await h.invalidatedBy(() =>
      net.stock({ supplierId: supplier, brandId: brand, variantId: variants[1]!, totalAvailable: 3 }),
    );
    expect(flipped).toEqual([`Listing:${listings[1]}`]);
    // variant 0 stays available (5 → 4)
    const same = await h.invalidatedBy(() =>
      net.stock({ supplierId: supplier, brandId: brand, variantId: variants[0]!, totalAvailable: 4 }),
    );
    expect(same).toEqual([]);
  });

  it('a renamed product invalidates each of its listings once (new title: refreshed and announced)', async () => {
    const renamed = await h.invalidatedBy(() =>
      h.emit(
        'catalog.product.changed',
        {
          productId,
          brandId: brand,
          name: 'Electric Kettle',
          status: 'ACTIVE',
          variants: variants.map((variantId, i) => ({
            variantId,
            sku: `K${i + 1}`,
            gtin: null,
            options: [],
            msrpMinor: '3000',
            currencyCode: 'EUR',
          })),
        },
        { aggregateId: productId, orgId: brand },
      ),
    );
    expect(renamed.sort()).toEqual(listings.map((id) => `Listing:${id}`).sort());
  });
});
