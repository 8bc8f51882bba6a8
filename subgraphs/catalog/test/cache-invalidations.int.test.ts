import { newId, tenantKeyOf } from '@tradegraph/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CREATE, type Harness, type Org, PUBLISH, startHarness, tee, UPDATE } from './harness.ts';

/**
 * What catalog's writes and the events it consumes tell the router's entity
 * cache (events/cache-invalidations.ts), read from the feed as the router
 * reads it.
 */

let h: Harness;
let brand: Org;
let retailer: Org;

beforeAll(async () => {
  h = await startHarness();
  brand = await h.org('BRAND', 'Cached Brand');
  retailer = await h.org('RETAILER', 'Cached Retailer');
});
afterAll(async () => h?.stop());

async function createPublished(prefix: string) {
  const created = await h.call(CREATE, { i: tee(prefix) }, brand.principal);
  const product = created.data?.createProduct.product as { id: string; variants: { id: string }[] };
  await h.call(PUBLISH, { i: { id: product.id } }, brand.principal);
  return { id: product.id, variantIds: product.variants.map((v) => v.id) };
}

describe('catalog cache invalidations', () => {
  it('a product write invalidates the product and its variants; a removed variant too', async () => {
    let product = { id: '', variantIds: [] as string[] };
    const created = await h.invalidatedBy(async () => {
      product = await createPublished('INV');
    });
    // created, then published: one row per write, each naming the product and its variants
    const expected = [`Product:${product.id}`, ...product.variantIds.map((id) => `ProductVariant:${id}`)];
    expect(created).toEqual([...expected, ...expected]);

    const [kept, removed] = product.variantIds;
    const updated = await h.invalidatedBy(() =>
      h.call(
        UPDATE,
        { i: { id: product.id, name: 'Renamed Tee', removeVariantIds: [removed] } },
        brand.principal,
      ),
    );
    // Both sides sorted: the two variant ids are made in the same millisecond, so their order is random.
    expect(updated.sort()).toEqual(
      [`Product:${product.id}`, `ProductVariant:${kept}`, `ProductVariant:${removed}`].sort(),
    );
  });

  it('a category write invalidates every product and variant (they show their category)', async () => {
    const written = await h.invalidatedBy(() =>
      h.call(
        `mutation($i: CreateCategoryInput!) { createCategory(input: $i) { category { id } userErrors { code } } }`,
        { i: { name: 'Cached Things' } },
        brand.principal,
      ),
    );
    expect(written).toEqual(['Product:*', 'ProductVariant:*']);
  });

  it('a listing invalidates its variant and product when its public visibility flips, not for a new price', async () => {
    const product = await createPublished('LST');
    const variantId = product.variantIds[0]!;
    const listingId = newId('lst', tenantKeyOf(retailer.id));
    const expected = [`ProductVariant:${variantId}`, `Product:${product.id}`];

    expect(await h.invalidatedBy(() => h.listing(retailer, brand, variantId, { listingId }))).toEqual(
      expected,
    );
    // visible again (e.g. re-priced): nothing a shopper of the catalog sees changed
    expect(await h.invalidatedBy(() => h.listing(retailer, brand, variantId, { listingId }))).toEqual([]);
    expect(
      await h.invalidatedBy(() =>
        h.listing(retailer, brand, variantId, { listingId, removed: true, visible: false }),
      ),
    ).toEqual(expected);
  });

  it('storefronts and brand↔retailer connections invalidate everything public; a supplier connection nothing', async () => {
    const everything = ['ProductVariant:*', 'Product:*', 'Organization:*'];
    const storefrontId = newId('sfr', tenantKeyOf(retailer.id));
    const storefront = await h.invalidatedBy(() =>
      h.deliver(
        'retailer.storefront.changed',
        { storefrontId, retailerId: retailer.id, slug: 'cached', name: 'Cached', published: true },
        { aggregateId: storefrontId, orgId: retailer.id, source: 'retailer' },
      ),
    );
    expect(storefront).toEqual(everything);

    expect(await h.invalidatedBy(() => h.connect(brand, retailer, ['SELL_PRODUCTS']))).toEqual([
      ...everything,
      ...everything,
    ]);
    const supplier = await h.org('SUPPLIER', 'Cached Supplier');
    expect(await h.invalidatedBy(() => h.connect(brand, supplier, ['FULFILL_ORDERS']))).toEqual([]);
  });
});
