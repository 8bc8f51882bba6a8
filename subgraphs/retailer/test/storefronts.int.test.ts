import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CREATE_STOREFRONT,
  envelopeOf,
  type Harness,
  network,
  orgId,
  PUBLISH,
  retailerUser,
  startHarness,
} from './harness.ts';

let h: Harness;
let net: ReturnType<typeof network>;

beforeAll(async () => {
  h = await startHarness();
  net = network(h);
});
afterAll(async () => h?.stop());

describe('storefronts', () => {
  it('provisions the tenant database on identity.organization.created', async () => {
    const r = await net.retailer();
    const [t] = await h.sql(
      `select db_name, kind from \`${h.serviceDb}\`.tenants where organization_id = ?`,
      [r.id],
    );
    expect(t).toMatchObject({ kind: 'RETAILER' });
    const tables = await h.sql(`show tables from \`${t!.db_name}\``);
    expect(tables.map((x) => Object.values(x)[0]).sort()).toEqual(
      expect.arrayContaining(['cart_lines', 'carts', 'listings', 'storefronts']),
    );
  });

  it('creates a storefront, keeps slugs globally unique and validates input', async () => {
    const a = await net.retailer();
    const res = await h.call(
      CREATE_STOREFRONT,
      { i: { name: ' Shoe Shop ', slug: 'Shoe-Shop', currencyCode: 'eur', defaultMarkupPercent: '25' } },
      a.user,
    );
    expect(res.errors).toBeUndefined();
    const sf = res.data!.createStorefront.storefront;
    expect(sf).toMatchObject({
      slug: 'shoe-shop',
      name: 'Shoe Shop',
      currencyCode: 'EUR',
      defaultMarkupPercent: '25.00',
      published: false,
    });
    expect(sf.id).toMatch(/^sfr_[a-z0-9]{12}_/);
    const [dir] = await h.sql(
      `select * from \`${h.serviceDb}\`.storefront_directory where slug = 'shoe-shop'`,
    );
    expect(dir).toMatchObject({ storefront_id: sf.id, retailer_id: a.id, published: 0 });

    // another retailer (whose tenant is provisioned lazily) cannot take the slug
    const b = retailerUser(orgId());
    const taken = await h.call(
      CREATE_STOREFRONT,
      { i: { name: 'X', slug: 'shoe-shop', currencyCode: 'EUR' } },
      b,
    );
    expect(taken.data!.createStorefront).toEqual({
      storefront: null,
      userErrors: [{ field: ['slug'], message: expect.any(String), code: 'SLUG_TAKEN' }],
    });
    for (const [input, code] of [
      [{ name: 'X', slug: 'a', currencyCode: 'EUR' }, 'INVALID_SLUG'],
      [{ name: 'X', slug: 'bad slug!', currencyCode: 'EUR' }, 'INVALID_SLUG'],
      [{ name: 'X', slug: 'admin', currencyCode: 'EUR' }, 'SLUG_RESERVED'],
      [{ name: 'X', slug: 'fine-slug', currencyCode: 'EURO' }, 'INVALID_CURRENCY'],
      [{ name: 'X', slug: 'fine-slug', currencyCode: 'XYZ' }, 'INVALID_CURRENCY'],
      [{ name: '  ', slug: 'fine-slug', currencyCode: 'EUR' }, 'REQUIRED'],
      [
        { name: 'X', slug: 'fine-slug', currencyCode: 'EUR', defaultMarkupPercent: '12.345' },
        'INVALID_MARKUP',
      ],
      [{ name: 'X', slug: 'fine-slug', currencyCode: 'EUR', defaultMarkupPercent: '-100' }, 'INVALID_MARKUP'],
    ] as const) {
      const bad = await h.call(CREATE_STOREFRONT, { i: input }, b);
      expect(bad.data!.createStorefront.userErrors[0]?.code, JSON.stringify(input)).toBe(code);
    }
    // nothing half-written
    const count = await h.sql(`select count(*) as n from \`${h.serviceDb}\`.storefront_directory`);
    expect(Number(count[0]!.n)).toBe(1);
  });

  it('refuses non-retailers and callers without storefronts:write', async () => {
    const anon = await h.call(CREATE_STOREFRONT, {
      i: { name: 'X', slug: 'anon-shop', currencyCode: 'EUR' },
    });
    expect(anon.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    const brand = { ...retailerUser(orgId()), organizationKind: 'BRAND' as const };
    const asBrand = await h.call(
      CREATE_STOREFRONT,
      { i: { name: 'X', slug: 'brand-shop', currencyCode: 'EUR' } },
      brand,
    );
    expect(asBrand.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const viewer = retailerUser(orgId(), ['storefronts:read']);
    const asViewer = await h.call(
      CREATE_STOREFRONT,
      { i: { name: 'X', slug: 'view-shop', currencyCode: 'EUR' } },
      viewer,
    );
    expect(asViewer.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });

  it('publishes, unpublishes and updates; drafts are visible only to their retailer', async () => {
    const r = await net.retailer();
    const created = await h.call(
      CREATE_STOREFRONT,
      { i: { name: 'Draft', slug: 'draft-shop', currencyCode: 'USD' } },
      r.user,
    );
    const id = created.data!.createStorefront.storefront.id;
    const BY_SLUG = `query($s: String!) { storefront(slug: $s) { id name slug published retailer { id } } }`;
    expect((await h.call(BY_SLUG, { s: 'draft-shop' })).data!.storefront).toBeNull();
    expect((await h.call(BY_SLUG, { s: 'draft-shop' }, retailerUser(orgId()))).data!.storefront).toBeNull();
    expect((await h.call(BY_SLUG, { s: 'draft-shop' }, r.user)).data!.storefront).toMatchObject({
      id,
      published: false,
      retailer: { id: r.id },
    });

    const pub = await h.call(PUBLISH, { i: { id } }, r.user);
    expect(pub.data!.publishStorefront).toEqual({ storefront: { id, published: true }, userErrors: [] });
    expect((await h.call(BY_SLUG, { s: 'DRAFT-SHOP' })).data!.storefront).toMatchObject({
      id,
      published: true,
    });

    const UPDATE = `mutation($i: UpdateStorefrontInput!) { updateStorefront(input: $i) {
      storefront { id name slug defaultMarkupPercent } userErrors { code field } } }`;
    const upd = await h.call(
      UPDATE,
      { i: { id, name: 'Renamed', slug: 'renamed-shop', defaultMarkupPercent: 10 } },
      r.user,
    );
    expect(upd.data!.updateStorefront).toEqual({
      storefront: { id, name: 'Renamed', slug: 'renamed-shop', defaultMarkupPercent: '10.00' },
      userErrors: [],
    });
    expect((await h.call(BY_SLUG, { s: 'draft-shop' })).data!.storefront).toBeNull();
    expect((await h.call(BY_SLUG, { s: 'renamed-shop' })).data!.storefront).toMatchObject({
      id,
      name: 'Renamed',
    });

    const UNPUBLISH = `mutation($i: UnpublishStorefrontInput!) { unpublishStorefront(input: $i) { storefront { published } userErrors { code } } }`;
    expect(
      (await h.call(UNPUBLISH, { i: { id } }, r.user)).data!.unpublishStorefront.storefront.published,
    ).toBe(false);
    expect((await h.call(BY_SLUG, { s: 'renamed-shop' })).data!.storefront).toBeNull();

    const events = await h.sql(
      `select type, envelope from \`${h.serviceDb}\`.outbox where aggregate_id = ? order by seq`,
      [id],
    );
    expect(events.map((e) => [e.type, envelopeOf(e).payload.published])).toEqual([
      ['retailer.storefront.changed', false],
      ['retailer.storefront.changed', true],
      ['retailer.storefront.changed', true],
      ['retailer.storefront.changed', false],
    ]);
  });

  it("lists an organisation's storefronts: published for anyone, all for the owner", async () => {
    const r = await net.retailer();
    const a = await h.call(
      CREATE_STOREFRONT,
      { i: { name: 'A', slug: 'org-shop-a', currencyCode: 'EUR' } },
      r.user,
    );
    await h.call(CREATE_STOREFRONT, { i: { name: 'B', slug: 'org-shop-b', currencyCode: 'EUR' } }, r.user);
    await h.call(PUBLISH, { i: { id: a.data!.createStorefront.storefront.id } }, r.user);
    const Q = `query($r: [_Any!]!) { _entities(representations: $r) { ... on Organization { id storefronts { slug published } } } }`;
    const reps = { r: [{ __typename: 'Organization', id: r.id }] };
    expect((await h.call(Q, reps)).data!._entities).toEqual([
      { id: r.id, storefronts: [{ slug: 'org-shop-a', published: true }] },
    ]);
    expect((await h.call(Q, reps, r.user)).data!._entities[0].storefronts).toEqual([
      { slug: 'org-shop-a', published: true },
      { slug: 'org-shop-b', published: false },
    ]);
    const mine = await h.call(
      `{ myStorefronts(first: 1) { nodes { slug } pageInfo { hasNextPage endCursor } totalCount } }`,
      {},
      r.user,
    );
    expect(mine.data!.myStorefronts).toMatchObject({
      nodes: [{ slug: 'org-shop-a' }],
      pageInfo: { hasNextPage: true },
      totalCount: 2,
    });
    const next = await h.call(
      `query($a: String) { myStorefronts(first: 5, after: $a) { nodes { slug } pageInfo { hasNextPage } } }`,
      { a: mine.data!.myStorefronts.pageInfo.endCursor },
      r.user,
    );
    expect(next.data!.myStorefronts).toEqual({
      nodes: [{ slug: 'org-shop-b' }],
      pageInfo: { hasNextPage: false },
    });
  });
});
