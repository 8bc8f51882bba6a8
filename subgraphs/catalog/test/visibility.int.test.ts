import { randomBytes } from 'node:crypto';
import { newId, type Principal, tenantKeyOf } from '@tradegraph/shared';
import { waitFor } from '@tradegraph/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ANON,
  ARCHIVE,
  CREATE,
  CUSTOMER,
  type Harness,
  type Org,
  PUBLISH,
  startHarness,
  tee,
  UPDATE,
} from './harness.ts';

/**
 * Who sees what (docs/network.md) and tenant isolation. Two brands A and B; a
 * retailer R connected to A (CATALOG_READ + SELL_PRODUCTS), a supplier S
 * connected to B (CATALOG_READ), a retailer R2 with no connection. Every path
 * that takes an id is tried with the other tenant's ids and with forged ids:
 * the answer is null / NOT_FOUND, never the other tenant's data, and nothing changes.
 */

let h: Harness;
let A: Org;
let B: Org;
let R: Org;
let R2: Org;
let S: Org;
let rConnection: Awaited<ReturnType<Harness['connect']>>;

type P = { id: string; variants: { id: string; sku: string }[] };
let pA: P; // ACTIVE
let dA: P; // DRAFT
let xA: P; // ARCHIVED
let pB: P; // ACTIVE
let dB: P; // DRAFT

const PRODUCT = `query($id: ID!) { product(id: $id) { id name status brand { id } variants { id sku } } }`;
const VARIANT = `query($id: ID!) { productVariant(id: $id) { id sku title product { id } } }`;
const LIST = `query($f: ProductFilter) { products(filter: $f, first: 50) { nodes { id status } totalCount } }`;
const ENTITIES = `query($r: [_Any!]!) { _entities(representations: $r) {
  ... on Product { id name status }
  ... on ProductVariant { id sku title msrp { amount currencyCode } product { id name brand { id } } }
} }`;

async function create(brand: Org, input: Record<string, unknown>, status: 'DRAFT' | 'ACTIVE' | 'ARCHIVED') {
  const res = await h.call(CREATE, { i: input }, brand.principal);
  const p = res.data?.createProduct.product as P;
  if (!p) throw new Error(JSON.stringify(res));
  if (status !== 'DRAFT') await h.call(PUBLISH, { i: { id: p.id } }, brand.principal);
  if (status === 'ARCHIVED') await h.call(ARCHIVE, { i: { id: p.id } }, brand.principal);
  return p;
}

const ids = (res: Awaited<ReturnType<Harness['call']>>) =>
  (res.data?.products.nodes ?? []).map((n: { id: string }) => n.id).sort();
const entities = (reps: { __typename: string; id: string }[], as: Principal) =>
  h.call(ENTITIES, { r: reps }, as);
const ref = (__typename: 'Product' | 'ProductVariant', id: string) => ({ __typename, id });

beforeAll(async () => {
  h = await startHarness();
  [A, B, R, R2, S] = await Promise.all([
    h.org('BRAND', 'Brand A'),
    h.org('BRAND', 'Brand B'),
    h.org('RETAILER'),
    h.org('RETAILER'),
    h.org('SUPPLIER'),
  ]);
  pA = await create(A, tee('A1', { name: 'Alpha Hoodie' }), 'ACTIVE');
  dA = await create(A, tee('A2', { name: 'Alpha Draft' }), 'DRAFT');
  xA = await create(A, tee('A3', { name: 'Alpha Old' }), 'ARCHIVED');
  pB = await create(B, tee('B1', { name: 'Beta Hoodie' }), 'ACTIVE');
  dB = await create(B, tee('B2', { name: 'Beta Draft' }), 'DRAFT');
  rConnection = await h.connect(A, R, ['CATALOG_READ', 'SELL_PRODUCTS']);
  await h.connect(B, S, ['CATALOG_READ', 'FULFILL_ORDERS']);
});
afterAll(async () => h?.stop());

describe('the brand itself', () => {
  it('sees all its products in any status, by id, in lists and through _entities', async () => {
    expect(ids(await h.call(LIST, {}, A.principal))).toEqual([pA.id, dA.id, xA.id].sort());
    expect(ids(await h.call(LIST, { f: { status: 'DRAFT' } }, A.principal))).toEqual([dA.id]);
    expect((await h.call(PRODUCT, { id: xA.id }, A.principal)).data?.product.status).toBe('ARCHIVED');
    const e = await entities([ref('Product', dA.id), ref('ProductVariant', dA.variants[0]!.id)], A.principal);
    expect(e.data?._entities).toMatchObject([
      { id: dA.id, status: 'DRAFT' },
      { id: dA.variants[0]!.id, sku: 'A2-S' },
    ]);
  });
});

describe('provisioning', () => {
  it('creates a database for every new brand and none for other organisations', async () => {
    const tenants = await h.sql(
      'select organization_id, kind, db_name from tenants where organization_id in (?, ?)',
      [A.id, R.id],
    );
    expect(tenants).toEqual([{ organization_id: A.id, kind: 'BRAND', db_name: h.tenantDb(A.id) }]);
    const retailerCreated = await h.emit(
      'identity.organization.created',
      { organizationId: R2.id, name: 'R2', kind: 'RETAILER', slug: 'r2', createdByUserId: null },
      { aggregateId: R2.id, orgId: R2.id },
    );
    await h.handled(retailerCreated.id);
    expect(await h.sql('select 1 from tenants where organization_id = ?', [R2.id])).toEqual([]);
    const dbs = await h.sql('show databases like ?', [h.tenantDb(R2.id)]);
    expect(dbs).toEqual([]);
  });
});

describe('tenant isolation between brands', () => {
  it('brand A cannot read brand B’s products: by id, in lists, in search, through _entities', async () => {
    for (const id of [pB.id, dB.id])
      expect((await h.call(PRODUCT, { id }, A.principal)).data?.product).toBeNull();
    expect((await h.call(VARIANT, { id: dB.variants[0]!.id }, A.principal)).data?.productVariant).toBeNull();
    expect(ids(await h.call(LIST, { f: { brandId: B.id } }, A.principal))).toEqual([]);
    expect(ids(await h.call(LIST, { f: { search: 'Beta' } }, A.principal))).toEqual([]);
    expect(ids(await h.call(LIST, { f: { search: 'B1-S' } }, A.principal))).toEqual([]);
    const e = await entities(
      [ref('Product', pB.id), ref('Product', dB.id), ref('ProductVariant', pB.variants[0]!.id)],
      A.principal,
    );
    expect(e.errors).toBeUndefined();
    expect(e.data?._entities).toEqual([null, null, null]);
    const org = await h.call(
      `query($r: [_Any!]!) { _entities(representations: $r) { ... on Organization { id products { totalCount nodes { id } } } } }`,
      { r: [{ __typename: 'Organization', id: B.id }] },
      A.principal,
    );
    expect(org.data?._entities).toEqual([{ id: B.id, products: { totalCount: 0, nodes: [] } }]);
  });

  it('brand A cannot change brand B’s products, variants or categories, and B is unchanged', async () => {
    const before = await h.sql(`select * from \`${h.tenantDb(B.id)}\`.variants order by id`);
    const beforeProducts = await h.sql(`select * from \`${h.tenantDb(B.id)}\`.products order by id`);
    const outbox = await h.sql('select count(*) n from outbox');
    for (const [query, i] of [
      [UPDATE, { id: pB.id, name: 'Hacked' }],
      [PUBLISH, { id: dB.id }],
      [ARCHIVE, { id: pB.id }],
    ] as const) {
      const res = await h.call(query, { i }, A.principal);
      expect(res.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    }
    const viaOwn = await h.call(
      UPDATE,
      {
        i: {
          id: pA.id,
          updateVariants: [{ id: pB.variants[0]!.id, sku: 'HACKED' }],
          removeVariantIds: [pB.variants[1]!.id],
        },
      },
      A.principal,
    );
    expect(viaOwn.data?.updateProduct.userErrors.map((e: { code: string }) => e.code)).toEqual([
      'VARIANT_NOT_FOUND',
      'VARIANT_NOT_FOUND',
    ]);
    const cat = await h.call(
      `mutation($i: CreateCategoryInput!) { createCategory(input: $i) { category { id } } }`,
      { i: { name: 'B stuff' } },
      B.principal,
    );
    const bCategory = cat.data?.createCategory.category.id;
    const withForeignCategory = await h.call(
      CREATE,
      { i: tee('AX', { categoryId: bCategory }) },
      A.principal,
    );
    expect(withForeignCategory.data?.createProduct.userErrors[0].code).toBe('CATEGORY_NOT_FOUND');
    const moveUnder = await h.call(
      `mutation($i: CreateCategoryInput!) { createCategory(input: $i) { userErrors { code } } }`,
      { i: { name: 'Child', parentId: bCategory } },
      A.principal,
    );
    expect(moveUnder.data?.createCategory.userErrors[0].code).toBe('CATEGORY_NOT_FOUND');
    expect(await h.sql(`select * from \`${h.tenantDb(B.id)}\`.variants order by id`)).toEqual(before);
    expect(await h.sql(`select * from \`${h.tenantDb(B.id)}\`.products order by id`)).toEqual(beforeProducts);
    expect(await h.sql('select count(*) n from outbox')).toEqual(outbox);
  });

  it('forged, malformed and other-type ids are null / NOT_FOUND without touching a brand database', async () => {
    const unknownKey = tenantKeyOf(newId('org'));
    const forged = [
      `prd_${unknownKey}_01J00000000000000000000000`,
      `prd_${tenantKeyOf(A.id)}_01FORGED${randomBytes(4).toString('hex').toUpperCase()}`,
      'prd_malformed',
      `prd_${tenantKeyOf(A.id)}_x_y`,
      pA.variants[0]!.id, // a variant id where a product id is expected
      `prd_${'x'.repeat(200)}`,
      '',
    ];
    for (const id of forged) {
      const res = await h.call(PRODUCT, { id }, A.principal);
      expect(res.errors).toBeUndefined();
      expect(res.data?.product).toBeNull();
    }
    expect((await h.call(VARIANT, { id: pA.id }, A.principal)).data?.productVariant).toBeNull();
    const e = await entities(
      forged.map((id) => ref('Product', id)),
      A.principal,
    );
    expect(e.data?._entities).toEqual(forged.map(() => null));
    for (const id of forged.slice(0, 4)) {
      const res = await h.call(UPDATE, { i: { id, name: 'x' } }, A.principal);
      expect(res.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    }
    // an unknown tenant key is answered from the registry: no brand database is queried
    const counted = await h.callCounted(PRODUCT, { id: forged[0] }, A.principal);
    expect(counted.res.data?.product).toBeNull();
    expect(counted.sql).toBeLessThanOrEqual(1);
  });
});

describe('partners', () => {
  it('a retailer with an ACTIVE CATALOG_READ connection sees the brand’s ACTIVE products only', async () => {
    const res = await h.call(PRODUCT, { id: pA.id }, R.principal);
    expect(res.data?.product).toMatchObject({ id: pA.id, status: 'ACTIVE', brand: { id: A.id } });
    expect(res.data?.product.variants.map((v: { sku: string }) => v.sku)).toEqual(['A1-S', 'A1-M']);
    for (const id of [dA.id, xA.id])
      expect((await h.call(PRODUCT, { id }, R.principal)).data?.product).toBeNull();
    expect(ids(await h.call(LIST, {}, R.principal))).toEqual([pA.id]);
    expect(ids(await h.call(LIST, { f: { status: 'DRAFT', brandId: A.id } }, R.principal))).toEqual([]);
    const e = await entities([ref('ProductVariant', pA.variants[1]!.id), ref('Product', dA.id)], R.principal);
    expect(e.data?._entities).toEqual([
      {
        id: pA.variants[1]!.id,
        sku: 'A1-M',
        title: 'Alpha Hoodie / M',
        msrp: { amount: '19.90', currencyCode: 'EUR' },
        product: { id: pA.id, name: 'Alpha Hoodie', brand: { id: A.id } },
      },
      null,
    ]);
    // …and nothing of brand B
    expect((await h.call(PRODUCT, { id: pB.id }, R.principal)).data?.product).toBeNull();
    expect(ids(await h.call(LIST, { f: { brandId: B.id } }, R.principal))).toEqual([]);
    // the supplier connected to B sees B and not A
    expect(ids(await h.call(LIST, {}, S.principal))).toEqual([pB.id]);
    expect((await h.call(PRODUCT, { id: pA.id }, S.principal)).data?.product).toBeNull();
  });

  it('a retailer without an ACTIVE connection sees nothing, even with exact ids', async () => {
    const pending = await h.org('RETAILER');
    const conId = newId('con');
    await h.connectionEvent('identity.connection.requested', conId, pending, A, ['CATALOG_READ']);
    const declined = await h.org('RETAILER');
    const decId = newId('con');
    await h.connectionEvent('identity.connection.requested', decId, declined, A, ['CATALOG_READ']);
    await h.connectionEvent('identity.connection.declined', decId, declined, A, ['CATALOG_READ']);
    for (const viewer of [R2, pending, declined]) {
      expect((await h.call(PRODUCT, { id: pA.id }, viewer.principal)).data?.product).toBeNull();
      expect(
        (await h.call(VARIANT, { id: pA.variants[0]!.id }, viewer.principal)).data?.productVariant,
      ).toBeNull();
      expect(ids(await h.call(LIST, { f: { brandId: A.id } }, viewer.principal))).toEqual([]);
      expect(ids(await h.call(LIST, {}, viewer.principal))).toEqual([]);
      const e = await entities(
        [ref('Product', pA.id), ref('ProductVariant', pA.variants[0]!.id)],
        viewer.principal,
      );
      expect(e.data?._entities).toEqual([null, null]);
    }
  });

  it('a partner’s API key without catalog:read gets no partner access', async () => {
    const key: Principal = {
      kind: 'apiKey',
      apiKeyId: newId('apk'),
      organizationId: R.id,
      organizationKind: 'RETAILER',
      permissions: ['org:read', 'inventory:read'],
    };
    expect((await h.call(PRODUCT, { id: pA.id }, key)).data?.product).toBeNull();
    const withRead: Principal = { ...key, permissions: ['org:read', 'catalog:read'] };
    expect((await h.call(PRODUCT, { id: pA.id }, withRead)).data?.product.id).toBe(pA.id);
  });
});

describe('anonymous shoppers and customers', () => {
  it('see only ACTIVE variants listed by a retailer selling the brand, and their products', async () => {
    for (const viewer of [ANON, CUSTOMER]) {
      expect((await h.call(PRODUCT, { id: pA.id }, viewer)).data?.product).toBeNull();
      expect(ids(await h.call(LIST, {}, viewer))).toEqual([]);
    }
    const listed = await h.listing(R, A, pA.variants[0]!.id);
    // R2 has no connection to B: its listing does not make B's variant public
    await h.listing(R2, B, pB.variants[0]!.id);
    // a listing of a draft's variant does not make it public either
    await h.listing(R, A, dA.variants[0]!.id);
    // a hidden listing (e.g. unpublished storefront) does not count
    await h.listing(R, A, pA.variants[1]!.id, { visible: false });

    for (const viewer of [ANON, CUSTOMER]) {
      const product = await h.call(PRODUCT, { id: pA.id }, viewer);
      expect(product.data?.product).toMatchObject({
        id: pA.id,
        variants: [{ id: pA.variants[0]!.id, sku: 'A1-S' }],
      });
      expect((await h.call(VARIANT, { id: pA.variants[0]!.id }, viewer)).data?.productVariant.sku).toBe(
        'A1-S',
      );
      expect((await h.call(VARIANT, { id: pA.variants[1]!.id }, viewer)).data?.productVariant).toBeNull();
      expect((await h.call(VARIANT, { id: dA.variants[0]!.id }, viewer)).data?.productVariant).toBeNull();
      expect((await h.call(PRODUCT, { id: pB.id }, viewer)).data?.product).toBeNull();
      const list = await h.call(LIST, {}, viewer);
      expect(ids(list)).toEqual([pA.id]);
      expect(list.data?.products.totalCount).toBe(1);
      const e = await entities(
        [
          ref('ProductVariant', pA.variants[0]!.id),
          ref('ProductVariant', pA.variants[1]!.id),
          ref('ProductVariant', pB.variants[0]!.id),
        ],
        viewer,
      );
      expect(e.data?._entities.map((v: { sku: string } | null) => v?.sku ?? null)).toEqual([
        'A1-S',
        null,
        null,
      ]);
    }

    // public listings are for shoppers: organisations without a connection still see nothing
    for (const org of [R2, B, S]) {
      expect((await h.call(PRODUCT, { id: pA.id }, org.principal)).data?.product).toBeNull();
      expect(
        (await h.call(VARIANT, { id: pA.variants[0]!.id }, org.principal)).data?.productVariant,
      ).toBeNull();
      expect(ids(await h.call(LIST, { f: { brandId: A.id } }, org.principal))).toEqual([]);
    }
    expect(ids(await h.call(LIST, {}, R2.principal))).toEqual([]);

    // the storefront is unpublished: hidden; published again: visible
    await h.handled(
      (
        await h.emit(
          'retailer.storefront.changed',
          { storefrontId: listed.storefrontId, retailerId: R.id, slug: 'r', name: 'R', published: false },
          { aggregateId: listed.storefrontId, orgId: R.id },
        )
      ).id,
    );
    expect((await h.call(VARIANT, { id: pA.variants[0]!.id }, ANON)).data?.productVariant).toBeNull();
    await h.handled(
      (
        await h.emit(
          'retailer.storefront.changed',
          { storefrontId: listed.storefrontId, retailerId: R.id, slug: 'r', name: 'R', published: true },
          { aggregateId: listed.storefrontId, orgId: R.id },
        )
      ).id,
    );
    expect((await h.call(VARIANT, { id: pA.variants[0]!.id }, ANON)).data?.productVariant.sku).toBe('A1-S');

    // the brand archives the product: gone for shoppers although still listed
    const other = await create(A, tee('A4', { name: 'Alpha Tote' }), 'ACTIVE');
    await h.listing(R, A, other.variants[0]!.id);
    expect((await h.call(PRODUCT, { id: other.id }, ANON)).data?.product.id).toBe(other.id);
    await h.call(ARCHIVE, { i: { id: other.id } }, A.principal);
    expect((await h.call(PRODUCT, { id: other.id }, ANON)).data?.product).toBeNull();

    // the listing is removed: gone
    await h.listing(R, A, pA.variants[0]!.id, { listingId: listed.listingId, removed: true, visible: false });
    expect((await h.call(PRODUCT, { id: pA.id }, ANON)).data?.product).toBeNull();
    await h.listing(R, A, pA.variants[0]!.id, {
      listingId: listed.listingId,
      storefrontId: listed.storefrontId,
    });
    expect((await h.call(PRODUCT, { id: pA.id }, ANON)).data?.product.id).toBe(pA.id);
  });

  it('ignores a listing whose variant is not the named brand’s', async () => {
    const env = await h.emit(
      'retailer.listing.changed',
      {
        listingId: newId('lst'),
        retailerId: R.id,
        storefrontId: newId('sfr'),
        variantId: pB.variants[1]!.id,
        brandId: A.id, // R sells A, but the variant is B's
        visible: true,
        removed: false,
      },
      { aggregateId: 'lst-x', orgId: R.id },
    );
    await h.handled(env.id);
    expect((await h.call(VARIANT, { id: pB.variants[1]!.id }, ANON)).data?.productVariant).toBeNull();
  });
});

describe('categories and archived variants', () => {
  it('a brand’s categories are visible to the brand, its partners, and shoppers once it is publicly listed', async () => {
    const made = await h.call(
      `mutation($i: CreateCategoryInput!) { createCategory(input: $i) { category { id } } }`,
      { i: { name: 'Hoodies' } },
      A.principal,
    );
    const catId = made.data?.createCategory.category.id;
    await h.call(UPDATE, { i: { id: pA.id, categoryId: catId } }, A.principal);
    const CATS = `query($b: ID) { categories(brandId: $b) { nodes { id name } totalCount } }`;
    const names = async (as: Principal, brandId: string) =>
      (await h.call(CATS, { b: brandId }, as)).data?.categories.nodes.map((c: { name: string }) => c.name);
    expect(await names(A.principal, A.id)).toEqual(['Hoodies']);
    expect(await names(R.principal, A.id)).toEqual(['Hoodies']);
    expect(await names(ANON, A.id)).toEqual(['Hoodies']); // A has a publicly listed variant
    expect(await names(R2.principal, A.id)).toEqual([]);
    expect(await names(ANON, B.id)).toEqual([]);
    expect(
      (await h.call(`query($id: ID!) { category(id: $id) { name } }`, { id: catId }, R2.principal)).data
        ?.category,
    ).toBeNull();
    const viaProduct = await h.call(
      `query($id: ID!) { product(id: $id) { category { name path } } }`,
      { id: pA.id },
      ANON,
    );
    expect(viaProduct.data?.product.category).toEqual({ name: 'Hoodies', path: 'hoodies' });
  });

  it('an archived variant stays resolvable by id for the brand and its partners, not for shoppers', async () => {
    const p = await create(A, tee('A5', { name: 'Alpha Cap' }), 'ACTIVE');
    const gone = p.variants[1]!;
    await h.listing(R, A, gone.id);
    expect((await h.call(VARIANT, { id: gone.id }, ANON)).data?.productVariant?.id).toBe(gone.id);
    await h.call(UPDATE, { i: { id: p.id, removeVariantIds: [gone.id] } }, A.principal);
    expect((await h.call(VARIANT, { id: gone.id }, A.principal)).data?.productVariant?.id).toBe(gone.id);
    expect((await h.call(VARIANT, { id: gone.id }, R.principal)).data?.productVariant?.id).toBe(gone.id);
    expect((await h.call(VARIANT, { id: gone.id }, ANON)).data?.productVariant).toBeNull();
    const listed = await h.call(PRODUCT, { id: p.id }, R.principal);
    expect(listed.data?.product.variants.map((v: { sku: string }) => v.sku)).toEqual(['A5-S']);
  });
});

describe('revocation', () => {
  it('after identity.connection.revoked the partner and its shoppers no longer see the catalog', async () => {
    expect((await h.call(PRODUCT, { id: pA.id }, R.principal)).data?.product?.id).toBe(pA.id);
    expect((await h.call(VARIANT, { id: pA.variants[0]!.id }, ANON)).data?.productVariant?.id).toBe(
      pA.variants[0]!.id,
    );
    const started = Date.now();
    await h.emit(
      'identity.connection.revoked',
      {
        connectionId: rConnection.connectionId,
        requesterId: R.id,
        requesterKind: 'RETAILER',
        partnerId: A.id,
        partnerKind: 'BRAND',
        scopes: ['CATALOG_READ', 'SELL_PRODUCTS'],
        status: 'REVOKED',
        revokedByOrganizationId: A.id,
      },
      { aggregateId: rConnection.connectionId, orgId: R.id, source: 'identity' },
    );
    await waitFor(
      async () => (await h.call(PRODUCT, { id: pA.id }, R.principal)).data?.product === null,
      'catalog hidden after revocation',
      5000,
    );
    expect(Date.now() - started).toBeLessThan(5000);
    expect(ids(await h.call(LIST, {}, R.principal))).toEqual([]);
    expect((await h.call(VARIANT, { id: pA.variants[0]!.id }, ANON)).data?.productVariant).toBeNull();
    const e = await entities([ref('ProductVariant', pA.variants[0]!.id)], R.principal);
    expect(e.data?._entities).toEqual([null]);

    // a late replay of the older "accepted" event does not bring access back
    const replay = await h.emit(
      'identity.connection.accepted',
      {
        connectionId: rConnection.connectionId,
        requesterId: R.id,
        requesterKind: 'RETAILER',
        partnerId: A.id,
        partnerKind: 'BRAND',
        scopes: ['CATALOG_READ', 'SELL_PRODUCTS'],
        status: 'ACTIVE',
      },
      {
        aggregateId: rConnection.connectionId,
        orgId: R.id,
        source: 'identity',
        occurredAt: new Date(started - 60_000),
      },
    );
    await h.handled(replay.id);
    expect((await h.call(PRODUCT, { id: pA.id }, R.principal)).data?.product).toBeNull();
  });
});

describe('SQL statements per request', () => {
  it('resolving 10 or 50 variant references of two brands costs the same, small number of statements', async () => {
    const C = await h.org('BRAND', 'Brand C');
    const D = await h.org('BRAND', 'Brand D');
    const viewer = await h.org('RETAILER');
    await h.connect(C, viewer, ['CATALOG_READ']);
    await h.connect(D, viewer, ['CATALOG_READ']);
    const sizes = Array.from({ length: 25 }, (_, i) => `S${i}`);
    const big = (prefix: string) => ({
      name: `${prefix} Big`,
      options: [{ name: 'Size', values: sizes }],
      variants: sizes.map((s) => ({
        sku: `${prefix}-${s}`,
        options: [{ name: 'Size', value: s }],
        msrp: { amount: '10', currencyCode: 'EUR' },
      })),
    });
    const c = await create(C, big('C'), 'ACTIVE');
    const d = await create(D, big('D'), 'ACTIVE');
    const refs = (n: number) => [
      ...c.variants.slice(0, n / 2).map((v) => ref('ProductVariant', v.id)),
      ...d.variants.slice(0, n / 2).map((v) => ref('ProductVariant', v.id)),
    ];
    await entities(refs(2), viewer.principal); // warms the process-wide tenant cache
    const ten = await h.callCounted(ENTITIES, { r: refs(10) }, viewer.principal);
    const fifty = await h.callCounted(ENTITIES, { r: refs(50) }, viewer.principal);
    expect(ten.res.data?._entities).toHaveLength(10);
    expect(fifty.res.data?._entities).toHaveLength(50);
    expect(fifty.res.data?._entities.every((v: { product: { id: string } } | null) => v?.product?.id)).toBe(
      true,
    );
    expect(fifty.sql).toBe(ten.sql);
    // partner brands (1) + variants per brand (2); the products come with their variants
    expect(fifty.sql).toBeLessThanOrEqual(3);

    // anonymous shoppers: the visibility check (listings ⨝ partner access) is inside the same per-brand queries
    const seller = await h.org('RETAILER');
    await h.connect(C, seller, ['CATALOG_READ', 'SELL_PRODUCTS']);
    await h.connect(D, seller, ['CATALOG_READ', 'SELL_PRODUCTS']);
    for (const v of [...c.variants, ...d.variants])
      await h.listing(seller, v.id.includes(tenantKeyOf(C.id)) ? C : D, v.id);
    await entities(refs(2), ANON);
    const anon10 = await h.callCounted(ENTITIES, { r: refs(10) }, ANON);
    const anon50 = await h.callCounted(ENTITIES, { r: refs(50) }, ANON);
    expect(anon50.res.data?._entities.filter(Boolean)).toHaveLength(50);
    expect(anon50.sql).toBe(anon10.sql);
    expect(anon50.sql).toBeLessThanOrEqual(2);

    // a products page with its variants: 10 vs 50 products cost the same
    for (let i = 0; i < 50; i++) await h.call(CREATE, { i: tee(`L${i}`) }, C.principal);
    const page = `query($n: Int) { products(first: $n) { nodes { id variants { id sku msrp { amount } } category { id } } } }`;
    const p10 = await h.callCounted(page, { n: 10 }, C.principal);
    const p50 = await h.callCounted(page, { n: 50 }, C.principal);
    expect(p10.res.data?.products.nodes).toHaveLength(10);
    expect(p50.res.data?.products.nodes).toHaveLength(50);
    expect(p50.sql).toBe(p10.sql);
    console.log(
      `SQL statements: _entities 10/50 refs partner ${ten.sql}/${fifty.sql}, anonymous ${anon10.sql}/${anon50.sql}; products page 10/50 ${p10.sql}/${p50.sql}`,
    );
  });
});
