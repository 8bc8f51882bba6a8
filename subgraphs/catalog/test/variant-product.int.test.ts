import type { Principal } from '@tradegraph/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ANON, CREATE, type Harness, type Org, PUBLISH, startHarness, tee } from './harness.ts';

/**
 * A variant's product is read by the variant's own statement and primes the
 * product loader (store/reads.ts variantLoader): `variant { product { … } }`
 * must answer exactly what `product(id:)`, which reads the product row by
 * itself, answers — every field, JSON columns and dates included — for every
 * kind of viewer.
 */

const FIELDS = `id name description status brand { id } options { name values }
  attributes { name type value } media { url altText position } createdAt updatedAt publishedAt archivedAt`;
const BY_VARIANT = `query($r: [_Any!]!) { _entities(representations: $r) { ... on ProductVariant { id product { ${FIELDS} } } } }`;
const BY_ID = `query($id: ID!) { product(id: $id) { ${FIELDS} } }`;

let h: Harness;
let brand: Org;
let partner: Org;
let product: { id: string; variants: { id: string }[] };

beforeAll(async () => {
  h = await startHarness();
  [brand, partner] = await Promise.all([h.org('BRAND', 'Brand V'), h.org('RETAILER')]);
  const res = await h.call(
    CREATE,
    {
      i: tee('V1', {
        name: 'Vee Jacket',
        attributes: [
          { name: 'Weight (g)', type: 'NUMBER', value: '180.5' },
          { name: 'Organic', type: 'BOOLEAN', value: 'true' },
          { name: 'Material', type: 'STRING', value: 'Cotton, "organic" ✓' },
        ],
        media: [
          { url: 'https://cdn.example.com/a.jpg', altText: 'Front', position: 0 },
          { url: 'https://cdn.example.com/b.jpg', position: 1 },
        ],
      }),
    },
    brand.principal,
  );
  product = res.data?.createProduct.product;
  if (!product) throw new Error(JSON.stringify(res));
  await h.call(PUBLISH, { i: { id: product.id } }, brand.principal);
  await h.connect(brand, partner, ['CATALOG_READ', 'SELL_PRODUCTS']);
  for (const v of product.variants) await h.listing(partner, brand, v.id);
});
afterAll(async () => {
  await h?.stop();
});

describe("a variant's product", () => {
  it.each<[string, () => Principal]>([
    ['the brand', () => brand.principal],
    ['a partner', () => partner.principal],
    ['an anonymous shopper', () => ANON],
  ])('is the product itself for %s', async (_who, as) => {
    const direct = await h.call(BY_ID, { id: product.id }, as());
    expect(direct.errors).toBeUndefined();
    expect(direct.data?.product.attributes).toHaveLength(3);
    expect(direct.data?.product.media).toHaveLength(2);
    const refs = product.variants.map((v) => ({ __typename: 'ProductVariant', id: v.id }));
    const viaVariants = await h.call(BY_VARIANT, { r: refs }, as());
    expect(viaVariants.errors).toBeUndefined();
    for (const entity of viaVariants.data?._entities ?? [])
      expect(entity.product).toEqual(direct.data?.product);
    expect(viaVariants.data?._entities).toHaveLength(2);
  });
});
