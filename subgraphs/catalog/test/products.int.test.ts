import { newId, tenantKeyOf } from '@tradegraph/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ARCHIVE,
  CREATE,
  type Harness,
  member,
  type Org,
  PUBLISH,
  startHarness,
  tee,
  UPDATE,
} from './harness.ts';

/**
 * Products, variants and categories of one brand: CRUD, validation with
 * nothing half-written, status rules, permissions, and the
 * catalog.product.changed snapshot written in the same transaction.
 */

let h: Harness;
let brand: Org;

beforeAll(async () => {
  h = await startHarness();
  brand = await h.org('BRAND', 'Acme');
});
afterAll(async () => h?.stop());

const errorsOf = (res: Awaited<ReturnType<Harness['call']>>, field: string) =>
  (res.data?.[field]?.userErrors ?? []) as { field: string[] | null; code: string; message: string }[];

/** Rows in the brand's database and its outbox: nothing may change on a failed write. */
async function counts() {
  const db = h.tenantDb(brand.id);
  const [t] = await h.sql(
    `select (select count(*) from \`${db}\`.products) p, (select count(*) from \`${db}\`.variants) v,
            (select count(*) from \`${db}\`.categories) c`,
  );
  const [o] = await h.sql('select count(*) n from outbox');
  return { products: Number(t!.p), variants: Number(t!.v), categories: Number(t!.c), outbox: Number(o!.n) };
}

async function snapshots(productId: string) {
  const rows = await h.sql(
    `select envelope from outbox where type = 'catalog.product.changed' and aggregate_id = ? order by seq`,
    [productId],
  );
  return rows.map((r) => (typeof r.envelope === 'string' ? JSON.parse(r.envelope) : r.envelope));
}

describe('createProduct', () => {
  it('creates a draft with options, variants, typed attributes, media and a category, and publishes its snapshot', async () => {
    const cat = await h.call(
      `mutation($i: CreateCategoryInput!) { createCategory(input: $i) { category { id path depth } userErrors { code } } }`,
      { i: { name: 'Apparel' } },
      brand.principal,
    );
    const categoryId = cat.data?.createCategory.category.id;
    expect(cat.data?.createCategory.category).toMatchObject({ path: 'apparel', depth: 0 });

    const res = await h.call(
      CREATE,
      {
        i: {
          ...tee('ACME-1'),
          categoryId,
          options: [
            { name: 'Size', values: ['S', 'M'] },
            { name: 'Colour', values: ['Red', 'Blue'] },
          ],
          variants: [
            {
              sku: 'ACME-1-S-RED',
              gtin: '4006381333931',
              options: [
                { name: 'size', value: 's' },
                { name: 'Colour', value: 'Red' },
              ],
              msrp: { amount: '19.9', currencyCode: 'EUR' },
            },
            {
              sku: 'ACME-1-M-BLUE',
              options: [
                { name: 'Colour', value: 'Blue' },
                { name: 'Size', value: 'M' },
              ],
              msrp: { amount: '2500', currencyCode: 'JPY' },
            },
          ],
          attributes: [
            { name: 'Weight (g)', type: 'NUMBER', value: '180.50' },
            { name: 'Organic', type: 'BOOLEAN', value: 'TRUE' },
            { name: 'Material', type: 'STRING', value: 'Cotton' },
          ],
          media: [
            { url: 'https://cdn.example.com/b.jpg', position: 2 },
            { url: 'https://cdn.example.com/a.jpg', altText: 'Front', position: 1 },
          ],
        },
      },
      brand.principal,
    );
    expect(res.errors).toBeUndefined();
    const p = res.data?.createProduct.product;
    expect(errorsOf(res, 'createProduct')).toEqual([]);
    expect(p.id).toMatch(new RegExp(`^prd_${tenantKeyOf(brand.id)}_[0-9A-Z]+$`));
    expect(p).toMatchObject({
      name: 'ACME-1 Tee',
      status: 'DRAFT',
      brand: { id: brand.id },
      category: { id: categoryId, path: 'apparel' },
      attributes: [
        { name: 'Weight (g)', type: 'NUMBER', value: '180.5' },
        { name: 'Organic', type: 'BOOLEAN', value: 'true' },
        { name: 'Material', type: 'STRING', value: 'Cotton' },
      ],
      media: [
        { url: 'https://cdn.example.com/a.jpg', altText: 'Front', position: 0 },
        { url: 'https://cdn.example.com/b.jpg', altText: null, position: 1 },
      ],
    });
    expect(p.variants).toEqual([
      {
        id: expect.stringMatching(new RegExp(`^var_${tenantKeyOf(brand.id)}_`)),
        sku: 'ACME-1-S-RED',
        gtin: '4006381333931',
        title: 'ACME-1 Tee / S / Red',
        options: [
          { name: 'Size', value: 'S' },
          { name: 'Colour', value: 'Red' },
        ],
        msrp: { amount: '19.90', currencyCode: 'EUR' },
        archived: false,
      },
      {
        id: expect.any(String),
        sku: 'ACME-1-M-BLUE',
        gtin: null,
        title: 'ACME-1 Tee / M / Blue',
        options: [
          { name: 'Size', value: 'M' },
          { name: 'Colour', value: 'Blue' },
        ],
        msrp: { amount: '2500', currencyCode: 'JPY' },
        archived: false,
      },
    ]);
    // stored as integer minor units
    const stored = await h.sql(
      `select sku, msrp_minor, msrp_currency from \`${h.tenantDb(brand.id)}\`.variants
      where product_id = ? order by position`,
      [p.id],
    );
    expect(stored.map((r) => [r.sku, String(r.msrp_minor), r.msrp_currency])).toEqual([
      ['ACME-1-S-RED', '1990', 'EUR'],
      ['ACME-1-M-BLUE', '2500', 'JPY'],
    ]);
    // read back by id
    const read = await h.call(
      `query($id: ID!) { product(id: $id) { id name status variants { sku } } }`,
      { id: p.id },
      brand.principal,
    );
    expect(read.data?.product).toEqual({
      id: p.id,
      name: 'ACME-1 Tee',
      status: 'DRAFT',
      variants: [{ sku: 'ACME-1-S-RED' }, { sku: 'ACME-1-M-BLUE' }],
    });
    // the snapshot event, in the service database's outbox
    const [event] = await snapshots(p.id);
    expect(event).toMatchObject({
      type: 'catalog.product.changed',
      version: 1,
      orgId: brand.id,
      aggregateId: p.id,
      source: 'catalog',
      payload: {
        productId: p.id,
        brandId: brand.id,
        name: 'ACME-1 Tee',
        status: 'DRAFT',
        variants: [
          {
            variantId: p.variants[0].id,
            sku: 'ACME-1-S-RED',
            gtin: '4006381333931',
            options: [
              { name: 'Size', value: 'S' },
              { name: 'Colour', value: 'Red' },
            ],
            msrpMinor: '1990',
            currencyCode: 'EUR',
          },
          {
            variantId: p.variants[1].id,
            sku: 'ACME-1-M-BLUE',
            gtin: null,
            options: [
              { name: 'Size', value: 'M' },
              { name: 'Colour', value: 'Blue' },
            ],
            msrpMinor: '2500',
            currencyCode: 'JPY',
          },
        ],
      },
    });
    // the relay publishes it onto the bus
    await expect
      .poll(
        async () =>
          (await h.sql('select published_at from outbox where aggregate_id = ?', [p.id]))[0]?.published_at,
        {
          timeout: 5000,
        },
      )
      .not.toBeNull();
  });

  it.each([
    [
      'a duplicate SKU in the input',
      {
        variants: [
          { sku: 'DUP-1', options: [{ name: 'Size', value: 'S' }] },
          { sku: 'dup-1', options: [{ name: 'Size', value: 'M' }] },
        ],
      },
      [{ code: 'DUPLICATE_SKU', field: ['variants', '1', 'sku'] }],
    ],
    [
      'an SKU another product of the brand uses (case-insensitive)',
      { variants: [{ sku: 'acme-1-s-red' }], options: [] },
      [{ code: 'DUPLICATE_SKU', field: ['variants', '0', 'sku'] }],
    ],
    [
      'a GTIN with a wrong check digit',
      { variants: [{ sku: 'G-1', gtin: '4006381333932' }], options: [] },
      [{ code: 'INVALID_GTIN', field: ['variants', '0', 'gtin'] }],
    ],
    [
      'a GTIN of a wrong length',
      { variants: [{ sku: 'G-2', gtin: '123456789' }], options: [] },
      [{ code: 'INVALID_GTIN', field: ['variants', '0', 'gtin'] }],
    ],
    [
      'a GTIN another variant of the brand has',
      { variants: [{ sku: 'G-3', gtin: '4006381333931' }], options: [] },
      [{ code: 'DUPLICATE_GTIN', field: ['variants', '0', 'gtin'] }],
    ],
    [
      'an option the product does not have',
      {
        variants: [
          {
            sku: 'O-1',
            options: [
              { name: 'Size', value: 'S' },
              { name: 'Fit', value: 'Slim' },
            ],
          },
        ],
      },
      [{ code: 'UNKNOWN_OPTION', field: ['variants', '0', 'options', '1', 'name'] }],
    ],
    [
      'a value the option does not have',
      { variants: [{ sku: 'O-2', options: [{ name: 'Size', value: 'XXL' }] }] },
      [{ code: 'INVALID_OPTION_VALUE', field: ['variants', '0', 'options', '0', 'value'] }],
    ],
    [
      'a missing option value',
      { variants: [{ sku: 'O-3', options: [] }] },
      [{ code: 'MISSING_OPTION', field: ['variants', '0', 'options'] }],
    ],
    [
      'two variants with the same option values',
      {
        variants: [
          { sku: 'O-4', options: [{ name: 'Size', value: 'S' }] },
          { sku: 'O-5', options: [{ name: 'Size', value: 's' }] },
        ],
      },
      [{ code: 'DUPLICATE_OPTIONS', field: ['variants', '1', 'options'] }],
    ],
    [
      'an amount with more decimals than the currency has',
      {
        variants: [
          {
            sku: 'M-1',
            options: [{ name: 'Size', value: 'S' }],
            msrp: { amount: '1.999', currencyCode: 'EUR' },
          },
        ],
      },
      [{ code: 'INVALID_MONEY', field: ['variants', '0', 'msrp'] }],
    ],
    [
      'a negative MSRP',
      {
        variants: [
          {
            sku: 'M-2',
            options: [{ name: 'Size', value: 'S' }],
            msrp: { amount: '-1', currencyCode: 'EUR' },
          },
        ],
      },
      [{ code: 'INVALID_MONEY', field: ['variants', '0', 'msrp'] }],
    ],
    [
      'an invalid currency',
      {
        variants: [
          {
            sku: 'M-3',
            options: [{ name: 'Size', value: 'S' }],
            msrp: { amount: '1', currencyCode: 'euro' },
          },
        ],
      },
      [{ code: 'INVALID_MONEY', field: ['variants', '0', 'msrp'] }],
    ],
    [
      'an SKU with spaces',
      { variants: [{ sku: 'has space', options: [{ name: 'Size', value: 'S' }] }] },
      [{ code: 'INVALID_SKU', field: ['variants', '0', 'sku'] }],
    ],
    [
      'a NUMBER attribute that is not a number',
      { attributes: [{ name: 'Weight', type: 'NUMBER', value: 'heavy' }] },
      [{ code: 'INVALID_ATTRIBUTE_VALUE', field: ['attributes', '0', 'value'] }],
    ],
    [
      'a BOOLEAN attribute that is not true/false',
      { attributes: [{ name: 'Organic', type: 'BOOLEAN', value: 'yes' }] },
      [{ code: 'INVALID_ATTRIBUTE_VALUE', field: ['attributes', '0', 'value'] }],
    ],
    [
      'two attributes with one name',
      {
        attributes: [
          { name: 'Colour', type: 'STRING', value: 'red' },
          { name: 'colour', type: 'STRING', value: 'blue' },
        ],
      },
      [{ code: 'DUPLICATE_ATTRIBUTE', field: ['attributes', '1', 'name'] }],
    ],
    [
      'a media URL that is not http(s)',
      { media: [{ url: 'javascript:alert(1)' }] },
      [{ code: 'INVALID_URL', field: ['media', '0', 'url'] }],
    ],
    ['an empty name', { name: '   ' }, [{ code: 'REQUIRED', field: ['name'] }]],
    [
      'an option without values',
      { options: [{ name: 'Size', values: [] }], variants: [] },
      [{ code: 'OPTION_VALUES_REQUIRED', field: ['options', '0', 'values'] }],
    ],
    [
      'a category of another brand',
      { categoryId: `cat_${tenantKeyOf(newId('org'))}_01ABCDEF` },
      [{ code: 'CATEGORY_NOT_FOUND', field: ['categoryId'] }],
    ],
  ])('rejects %s with a coded user error and writes nothing', async (_what, change, expected) => {
    const before = await counts();
    const res = await h.call(
      CREATE,
      { i: { ...tee(`V${Math.random().toString(36).slice(2, 8)}`), ...change } },
      brand.principal,
    );
    expect(res.errors).toBeUndefined();
    expect(res.data?.createProduct.product).toBeNull();
    expect(errorsOf(res, 'createProduct').map(({ code, field }) => ({ code, field }))).toEqual(expected);
    expect(await counts()).toEqual(before);
  });

  it('reports every problem of an input at once', async () => {
    const res = await h.call(
      CREATE,
      {
        i: {
          name: '',
          variants: [
            { sku: 'X 1', gtin: '1', options: [{ name: 'Size', value: 'Q' }] },
            {
              sku: 'X-2',
              msrp: { amount: '1.234', currencyCode: 'EUR' },
              options: [{ name: 'Size', value: 'S' }],
            },
          ],
          options: [{ name: 'Size', values: ['S', 'M'] }],
        },
      },
      brand.principal,
    );
    expect(res.errors).toBeUndefined();
    expect(
      errorsOf(res, 'createProduct')
        .map((e) => e.code)
        .sort(),
    ).toEqual(['INVALID_GTIN', 'INVALID_MONEY', 'INVALID_OPTION_VALUE', 'INVALID_SKU', 'REQUIRED'].sort());
  });

  it('allows a product without options to have exactly one variant', async () => {
    const one = await h.call(
      CREATE,
      { i: { name: 'Poster', variants: [{ sku: 'POSTER-1' }] } },
      brand.principal,
    );
    expect(one.data?.createProduct.product.variants).toMatchObject([
      { sku: 'POSTER-1', title: 'Poster', options: [] },
    ]);
    const two = await h.call(
      CREATE,
      { i: { name: 'Poster 2', variants: [{ sku: 'POSTER-2' }, { sku: 'POSTER-3' }] } },
      brand.principal,
    );
    expect(errorsOf(two, 'createProduct').map((e) => e.code)).toEqual(['DUPLICATE_OPTIONS']);
  });
});

describe('concurrency', () => {
  it('turns concurrent duplicate SKUs into a user error: one product wins, nothing else is written', async () => {
    const before = await counts();
    const results = await Promise.all(
      [1, 2, 3, 4].map((i) =>
        h.call(CREATE, { i: { name: `Race ${i}`, variants: [{ sku: 'RACE-1' }] } }, brand.principal),
      ),
    );
    expect(results.every((r) => r.errors === undefined)).toBe(true);
    const won = results.filter((r) => r.data?.createProduct.product);
    expect(won).toHaveLength(1);
    for (const r of results.filter((r) => !r.data?.createProduct.product)) {
      expect(errorsOf(r, 'createProduct').map((e) => e.code)).toEqual(['DUPLICATE_SKU']);
    }
    const after = await counts();
    expect(after).toEqual({
      ...before,
      products: before.products + 1,
      variants: before.variants + 1,
      outbox: before.outbox + 1,
    });
  });
});

describe('status: publish and archive', () => {
  it('publishes only with a variant, archives, and publishes again; each change is one snapshot event', async () => {
    const draft = await h.call(
      CREATE,
      { i: { name: 'Empty', options: [{ name: 'Size', values: ['S'] }] } },
      brand.principal,
    );
    const id = draft.data?.createProduct.product.id;
    const before = await counts();
    const noVariants = await h.call(PUBLISH, { i: { id } }, brand.principal);
    expect(errorsOf(noVariants, 'publishProduct')).toEqual([
      { code: 'NO_VARIANTS', field: ['id'], message: expect.any(String) },
    ]);
    expect(await counts()).toEqual(before);

    await h.call(
      UPDATE,
      { i: { id, addVariants: [{ sku: 'EMPTY-S', options: [{ name: 'Size', value: 'S' }] }] } },
      brand.principal,
    );
    const published = await h.call(PUBLISH, { i: { id } }, brand.principal);
    expect(published.data?.publishProduct.product).toMatchObject({
      id,
      status: 'ACTIVE',
      publishedAt: expect.any(String),
    });
    const again = await h.call(PUBLISH, { i: { id } }, brand.principal);
    expect(errorsOf(again, 'publishProduct')[0]?.code).toBe('ALREADY_ACTIVE');

    const archived = await h.call(ARCHIVE, { i: { id } }, brand.principal);
    expect(archived.data?.archiveProduct.product).toMatchObject({
      status: 'ARCHIVED',
      archivedAt: expect.any(String),
    });
    expect(errorsOf(await h.call(ARCHIVE, { i: { id } }, brand.principal), 'archiveProduct')[0]?.code).toBe(
      'ALREADY_ARCHIVED',
    );
    const republished = await h.call(PUBLISH, { i: { id } }, brand.principal);
    expect(republished.data?.publishProduct.product.status).toBe('ACTIVE');

    const events = await snapshots(id);
    expect(
      events.map((e) => [e.payload.status, e.payload.variants.map((v: { sku: string }) => v.sku)]),
    ).toEqual([
      ['DRAFT', []],
      ['DRAFT', ['EMPTY-S']],
      ['ACTIVE', ['EMPTY-S']],
      ['ARCHIVED', ['EMPTY-S']],
      ['ACTIVE', ['EMPTY-S']],
    ]);
  });

  it('answers NOT_FOUND for ids that are not this brand’s products', async () => {
    for (const id of [
      'prd_x',
      `prd_${tenantKeyOf(brand.id)}_NOPE`,
      `var_${tenantKeyOf(brand.id)}_NOPE`,
      'nonsense',
    ]) {
      const res = await h.call(PUBLISH, { i: { id } }, brand.principal);
      expect(res.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    }
  });
});

describe('updateProduct', () => {
  let id: string;
  let variants: { id: string; sku: string }[];

  it('changes fields and adds, changes and removes variants in one transaction', async () => {
    const created = await h.call(CREATE, { i: tee('UPD') }, brand.principal);
    id = created.data?.createProduct.product.id;
    variants = created.data?.createProduct.product.variants;
    const res = await h.call(
      UPDATE,
      {
        i: {
          id,
          name: 'Updated Tee',
          description: null,
          options: [{ name: 'Size', values: ['S', 'M', 'L'] }],
          addVariants: [
            {
              sku: 'UPD-L',
              options: [{ name: 'Size', value: 'L' }],
              msrp: { amount: '21', currencyCode: 'EUR' },
            },
          ],
          updateVariants: [{ id: variants[1]!.id, sku: 'UPD-M2', gtin: '012345678905', msrp: null }],
          removeVariantIds: [variants[0]!.id],
          attributes: [{ name: 'Fit', type: 'STRING', value: 'Regular' }],
        },
      },
      brand.principal,
    );
    expect(errorsOf(res, 'updateProduct')).toEqual([]);
    expect(res.data?.updateProduct.product).toMatchObject({
      name: 'Updated Tee',
      description: null,
      options: [{ name: 'Size', values: ['S', 'M', 'L'] }],
      attributes: [{ name: 'Fit', type: 'STRING', value: 'Regular' }],
      variants: [
        { id: variants[1]!.id, sku: 'UPD-M2', gtin: '012345678905', msrp: null, title: 'Updated Tee / M' },
        { sku: 'UPD-L', msrp: { amount: '21.00', currencyCode: 'EUR' } },
      ],
    });
    // never published: the removed variant is deleted and its SKU is free again
    const gone = await h.sql(`select count(*) n from \`${h.tenantDb(brand.id)}\`.variants where id = ?`, [
      variants[0]!.id,
    ]);
    expect(Number(gone[0]!.n)).toBe(0);
    const reuse = await h.call(
      UPDATE,
      { i: { id, addVariants: [{ sku: 'UPD-S', options: [{ name: 'Size', value: 'S' }] }] } },
      brand.principal,
    );
    expect(errorsOf(reuse, 'updateProduct')).toEqual([]);
    const last = (await snapshots(id)).at(-1);
    expect(last.payload.variants.map((v: { sku: string }) => v.sku)).toEqual(['UPD-M2', 'UPD-L', 'UPD-S']);
  });

  it('archives removed variants of a published product, keeps their SKU reserved, and keeps a live variant', async () => {
    await h.call(PUBLISH, { i: { id } }, brand.principal);
    const current = (
      await h.call(`query($id: ID!) { product(id: $id) { variants { id sku } } }`, { id }, brand.principal)
    ).data?.product.variants as { id: string; sku: string }[];
    const removed = current.find((v) => v.sku === 'UPD-S')!;
    const res = await h.call(UPDATE, { i: { id, removeVariantIds: [removed.id] } }, brand.principal);
    expect(res.data?.updateProduct.product.variants.map((v: { sku: string }) => v.sku)).toEqual([
      'UPD-M2',
      'UPD-L',
    ]);
    const all = await h.call(
      `query($id: ID!) { product(id: $id) { variants(includeArchived: true) { sku archived } } }`,
      { id },
      brand.principal,
    );
    expect(all.data?.product.variants).toContainEqual({ sku: 'UPD-S', archived: true });
    const byId = await h.call(
      `query($id: ID!) { productVariant(id: $id) { sku archived } }`,
      { id: removed.id },
      brand.principal,
    );
    expect(byId.data?.productVariant).toEqual({ sku: 'UPD-S', archived: true });
    // its SKU stays taken; its option combination is free again
    const taken = await h.call(
      UPDATE,
      { i: { id, addVariants: [{ sku: 'UPD-S', options: [{ name: 'Size', value: 'S' }] }] } },
      brand.principal,
    );
    expect(errorsOf(taken, 'updateProduct').map((e) => e.code)).toEqual(['DUPLICATE_SKU']);
    const combo = await h.call(
      UPDATE,
      { i: { id, addVariants: [{ sku: 'UPD-S2', options: [{ name: 'Size', value: 'S' }] }] } },
      brand.principal,
    );
    expect(errorsOf(combo, 'updateProduct')).toEqual([]);
    // an ACTIVE product cannot lose its last live variant
    const live = combo.data?.updateProduct.product.variants.map((v: { id: string }) => v.id);
    const before = await counts();
    const lastOne = await h.call(UPDATE, { i: { id, removeVariantIds: live } }, brand.principal);
    expect(errorsOf(lastOne, 'updateProduct').map((e) => e.code)).toEqual(['LAST_VARIANT']);
    expect(await counts()).toEqual(before);
  });

  it('rejects options that existing variants no longer match, unless they are changed in the same call', async () => {
    const created = await h.call(CREATE, { i: tee('OPT') }, brand.principal);
    const p = created.data?.createProduct.product;
    const before = await counts();
    const bad = await h.call(
      UPDATE,
      { i: { id: p.id, options: [{ name: 'Size', values: ['S', 'L'] }] } },
      brand.principal,
    );
    expect(errorsOf(bad, 'updateProduct').map((e) => e.code)).toEqual(['OPTION_IN_USE']);
    expect(await counts()).toEqual(before);
    const ok = await h.call(
      UPDATE,
      {
        i: {
          id: p.id,
          options: [{ name: 'Size', values: ['S', 'L'] }],
          updateVariants: [{ id: p.variants[1].id, options: [{ name: 'Size', value: 'L' }] }],
        },
      },
      brand.principal,
    );
    expect(ok.data?.updateProduct.product.variants.map((v: { title: string }) => v.title)).toEqual([
      'OPT Tee / S',
      'OPT Tee / L',
    ]);
  });

  it('rejects variant ids of other products and conflicting changes', async () => {
    const a = (await h.call(CREATE, { i: tee('VA') }, brand.principal)).data?.createProduct.product;
    const b = (await h.call(CREATE, { i: tee('VB') }, brand.principal)).data?.createProduct.product;
    const before = await counts();
    const res = await h.call(
      UPDATE,
      {
        i: {
          id: a.id,
          updateVariants: [
            { id: b.variants[0].id, sku: 'STOLEN' },
            { id: a.variants[0].id, sku: 'VA-X' },
            { id: a.variants[0].id, sku: 'VA-Y' },
          ],
          removeVariantIds: [a.variants[0].id, 'var_garbage'],
        },
      },
      brand.principal,
    );
    expect(errorsOf(res, 'updateProduct').map(({ code, field }) => ({ code, field }))).toEqual([
      { code: 'VARIANT_NOT_FOUND', field: ['removeVariantIds', '1'] },
      { code: 'VARIANT_NOT_FOUND', field: ['updateVariants', '0', 'id'] },
      { code: 'VARIANT_NOT_FOUND', field: ['updateVariants', '1', 'id'] },
      { code: 'DUPLICATE_VARIANT', field: ['updateVariants', '2', 'id'] },
    ]);
    expect(await counts()).toEqual(before);
  });
});

describe('permissions', () => {
  it('needs catalog:write to edit, catalog:publish to publish, and a brand to own a catalog', async () => {
    const viewer = member(brand.id, 'BRAND', 'VIEWER');
    const denied = await h.call(CREATE, { i: tee('PERM') }, viewer);
    expect(denied.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const anonymous = await h.call(CREATE, { i: tee('PERM') });
    expect(anonymous.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    const retailer = await h.org('RETAILER');
    const notBrand = await h.call(CREATE, { i: tee('PERM') }, retailer.principal);
    expect(notBrand.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');

    const created = await h.call(CREATE, { i: tee('PERM') }, brand.principal);
    const owner = member(brand.id, 'BRAND');
    const staff =
      owner.kind === 'user'
        ? {
            ...owner,
            role: 'STAFF' as const,
            permissions: owner.permissions.filter((p) => p !== 'catalog:publish'),
          }
        : owner;
    const publish = await h.call(PUBLISH, { i: { id: created.data?.createProduct.product.id } }, staff);
    expect(publish.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    // a VIEWER reads drafts of their own brand
    const read = await h.call(
      `query($id: ID!) { product(id: $id) { status } }`,
      { id: created.data?.createProduct.product.id },
      viewer,
    );
    expect(read.data?.product).toEqual({ status: 'DRAFT' });
  });

  it('provisions a brand database on its first write when organization.created has not arrived', async () => {
    const late = newId('org');
    const res = await h.call(CREATE, { i: tee('LATE') }, member(late, 'BRAND'));
    expect(res.data?.createProduct.product.status).toBe('DRAFT');
    const tenants = await h.sql('select db_name from tenants where organization_id = ?', [late]);
    expect(tenants).toEqual([{ db_name: h.tenantDb(late) }]);
  });
});

describe('categories', () => {
  const CREATE_CAT = `mutation($i: CreateCategoryInput!) { createCategory(input: $i) { category { id name slug path depth parent { id } } userErrors { code field } } }`;
  const UPDATE_CAT = `mutation($i: UpdateCategoryInput!) { updateCategory(input: $i) { category { id slug path depth parent { id } } userErrors { code field } } }`;

  it('builds a tree, moves subtrees, refuses cycles and duplicates, and filters products by subtree', async () => {
    const brand2 = await h.org('BRAND', 'Tree brand');
    const as = brand2.principal;
    const mk = async (i: Record<string, unknown>) =>
      (await h.call(CREATE_CAT, { i }, as)).data?.createCategory;
    const men = (await mk({ name: 'Men' })).category;
    const shirts = (await mk({ name: 'Shirts & Tops', parentId: men.id })).category;
    const polos = (await mk({ name: 'Polos', parentId: shirts.id })).category;
    const women = (await mk({ name: 'Women' })).category;
    expect(shirts).toMatchObject({
      slug: 'shirts-tops',
      path: 'men/shirts-tops',
      depth: 1,
      parent: { id: men.id },
    });
    expect(polos.path).toBe('men/shirts-tops/polos');
    expect((await mk({ name: 'Shirts', slug: 'shirts-tops', parentId: men.id })).userErrors).toEqual([
      { code: 'SLUG_TAKEN', field: ['slug'] },
    ]);
    expect((await mk({ name: 'Bad', slug: 'Not A Slug' })).userErrors[0].code).toBe('INVALID_SLUG');

    const cycle = await h.call(UPDATE_CAT, { i: { id: men.id, parentId: polos.id } }, as);
    expect(cycle.data?.updateCategory.userErrors).toEqual([{ code: 'CATEGORY_CYCLE', field: ['parentId'] }]);

    const polo = (await h.call(CREATE, { i: { ...tee('POLO'), categoryId: polos.id } }, as)).data
      ?.createProduct.product;
    const shirt = (await h.call(CREATE, { i: { ...tee('SHIRT'), categoryId: shirts.id } }, as)).data
      ?.createProduct.product;
    await h.call(CREATE, { i: { ...tee('DRESS'), categoryId: women.id } }, as);
    const inShirts = await h.call(
      `query($c: ID!) { products(filter: { categoryId: $c }) { nodes { id } totalCount } }`,
      { c: shirts.id },
      as,
    );
    expect(inShirts.data?.products.nodes.map((n: { id: string }) => n.id).sort()).toEqual(
      [polo.id, shirt.id].sort(),
    );
    expect(inShirts.data?.products.totalCount).toBe(2);

    // move "Shirts & Tops" (with Polos) under Women, re-slugged
    const moved = await h.call(UPDATE_CAT, { i: { id: shirts.id, parentId: women.id, slug: 'tops' } }, as);
    expect(moved.data?.updateCategory.category).toMatchObject({
      path: 'women/tops',
      depth: 1,
      parent: { id: women.id },
    });
    const tree = await h.call(
      `{ categories { nodes { name path depth children { name } } totalCount } }`,
      {},
      as,
    );
    expect(tree.data?.categories.nodes).toEqual([
      { name: 'Men', path: 'men', depth: 0, children: [] },
      { name: 'Women', path: 'women', depth: 0, children: [{ name: 'Shirts & Tops' }] },
      { name: 'Shirts & Tops', path: 'women/tops', depth: 1, children: [{ name: 'Polos' }] },
      { name: 'Polos', path: 'women/tops/polos', depth: 2, children: [] },
    ]);
    const toRoot = await h.call(UPDATE_CAT, { i: { id: polos.id, parentId: null } }, as);
    expect(toRoot.data?.updateCategory.category).toMatchObject({ path: 'polos', depth: 0, parent: null });

    const del = `mutation($i: DeleteCategoryInput!) { deleteCategory(input: $i) { category { id } userErrors { code } } }`;
    expect((await h.call(del, { i: { id: women.id } }, as)).data?.deleteCategory.userErrors[0].code).toBe(
      'CATEGORY_HAS_CHILDREN',
    );
    expect((await h.call(del, { i: { id: polos.id } }, as)).data?.deleteCategory.userErrors[0].code).toBe(
      'CATEGORY_IN_USE',
    );
    expect((await h.call(del, { i: { id: men.id } }, as)).data?.deleteCategory.category.id).toBe(men.id);
    // another brand cannot touch these categories
    const foreign = await h.call(UPDATE_CAT, { i: { id: women.id, name: 'Hacked' } }, brand.principal);
    expect(foreign.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    const foreignRead = await h.call(
      `query($id: ID!) { category(id: $id) { name } }`,
      { id: women.id },
      brand.principal,
    );
    expect(foreignRead.data?.category).toBeNull();
  });
});

describe('service', () => {
  it('is ready when database and bus are, and refuses GraphQL without an internal token', async () => {
    const base = h.service.url.replace('/graphql', '');
    const ready = await fetch(`${base}/ready`);
    expect(ready.status).toBe(200);
    const res = await fetch(h.service.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ products { totalCount } }' }),
    });
    expect(res.status).toBe(401);
    const entities = await fetch(h.service.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-tradegraph-internal-token': 'forged' },
      body: JSON.stringify({ query: '{ _service { sdl } }' }),
    });
    expect(entities.status).toBe(401);
  });
});
