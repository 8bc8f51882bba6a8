import { afterAll, beforeAll, expect, it } from 'vitest';
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
 * Many shoppers filling carts at once on a small connection pool: each cart
 * change holds its transaction's connection, so everything it reads must go
 * through that transaction. A read on a second pooled connection (the listing
 * loader did) deadlocks the pool as soon as as many carts change at once as
 * there are connections, and every request then times out.
 */

let h: Harness;
let listingId: string;
const brand = orgId();
const supplier = orgId();

beforeAll(async () => {
  h = await startHarness({ DB_POOL_MAX: '2' });
  const net = network(h);
  const r = await net.retailer();
  await net.connect(brand, r.id);
  await net.fulfil(supplier, brand);
  const p = await net.product(brand, {
    name: 'Mug',
    variants: [{ sku: 'M1', options: [{ name: 'Color', value: 'White' }], msrp: ['1250', 'EUR'] }],
  });
  await net.stock({ supplierId: supplier, brandId: brand, variantId: p.variantIds[0]!, totalAvailable: 100 });
  const sf = await h.call(
    CREATE_STOREFRONT,
    { i: { name: 'Mugs', slug: 'pool-mugs', currencyCode: 'EUR' } },
    r.user,
  );
  const sfId = sf.data!.createStorefront.storefront.id;
  const l = await h.call(CREATE_LISTING, { i: { storefrontId: sfId, variantId: p.variantIds[0] } }, r.user);
  listingId = l.data!.createListing.listing.id;
  await h.call(PUBLISH, { i: { id: sfId } }, r.user);
});
afterAll(async () => h?.stop());

it('12 carts filled at once with a pool of 2 connections all succeed', async () => {
  const carts: string[] = [];
  for (let i = 0; i < 12; i++) {
    const c = await h.call(`mutation { createCart(input: { storefrontSlug: "pool-mugs" }) { cart { id } } }`);
    carts.push(c.data!.createCart.cart.id);
  }
  const started = Date.now();
  const added = await Promise.all(
    carts.map((cartId) =>
      h.call(
        `mutation($i: AddCartLineInput!) { addCartLine(input: $i) { cart { itemCount } userErrors { code } } }`,
        { i: { cartId, listingId, quantity: 2 } },
      ),
    ),
  );
  expect(Date.now() - started).toBeLessThan(10_000);
  for (const r of added)
    expect(r.data?.addCartLine, JSON.stringify(r.errors)).toEqual({ cart: { itemCount: 2 }, userErrors: [] });
}, 30_000);
