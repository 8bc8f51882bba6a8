import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CREATE_LISTING,
  CREATE_STOREFRONT,
  type Harness,
  network,
  orgId,
  PUBLISH,
  retailerUser,
  startHarness,
} from './harness.ts';

/**
 * Anonymous browsing of a published storefront: filters, sorts, keyset
 * pagination, and a constant number of SQL statements per page.
 */

let h: Harness;
let r: { id: string; user: ReturnType<typeof retailerUser> };
const brandA = orgId();
const brandB = orgId();
const supplier = orgId();
let slug: string;
/** variant → expected price (minor units, fixed prices) */
const catalog: { variantId: string; brandId: string; price: number; title: string; stocked: boolean }[] = [];

const PAGE = `query($slug: String!, $first: Int, $after: String, $sort: ListingSort, $filter: ListingFilter) {
  storefront(slug: $slug) { id name currencyCode listings(first: $first, after: $after, sort: $sort, filter: $filter) {
    edges { cursor node { id title price { amount currencyCode } available variant { id } storefront { slug } } }
    pageInfo { hasNextPage endCursor } } } }`;

async function metric(): Promise<{ sum: number; count: number }> {
  const text = await (await fetch(h.service.url.replace('/graphql', '/metrics'))).text();
  const read = (name: string) =>
    Number(new RegExp(`^${name}\\{subgraph="retailer"\\} (\\S+)$`, 'm').exec(text)?.[1] ?? 0);
  return {
    sum: read('graphql_sql_statements_per_request_sum'),
    count: read('graphql_sql_statements_per_request_count'),
  };
}

/** SQL statements the one GraphQL request made by `fn` ran (from the per-request counter exported as a metric). */
async function statementsOf(fn: () => Promise<unknown>): Promise<number> {
  const before = await metric();
  await fn();
  const after = await metric();
  expect(after.count - before.count).toBe(1);
  return after.sum - before.sum;
}

async function allPages(variables: Record<string, unknown>, first: number) {
  const seen: { id: string; title: string; price: { amount: string } }[] = [];
  let after: string | null = null;
  for (let i = 0; i < 50; i++) {
    const res = await h.call(PAGE, { slug, first, after, ...variables });
    expect(res.errors).toBeUndefined();
    const conn = res.data!.storefront.listings;
    seen.push(...conn.edges.map((e: { node: any }) => e.node));
    if (!conn.pageInfo.hasNextPage) return seen;
    after = conn.pageInfo.endCursor;
  }
  throw new Error('too many pages');
}

beforeAll(async () => {
  h = await startHarness();
  const net = network(h);
  r = await net.retailer();
  await net.connect(brandA, r.id);
  await net.connect(brandB, r.id);
  await net.fulfil(supplier, brandA);
  await net.fulfil(supplier, brandB);
  const created = await h.call(
    CREATE_STOREFRONT,
    { i: { name: 'Big Shop', slug: 'big-shop', currencyCode: 'EUR', defaultMarkupPercent: '0' } },
    r.user,
  );
  slug = created.data!.createStorefront.storefront.slug;
  const sfId = created.data!.createStorefront.storefront.id;
  const words = ['Alpha', 'Bravo', 'Charlie', 'Delta', 'Echo', 'Foxtrot'];
  for (let p = 0; p < 6; p++) {
    const brandId = p % 2 === 0 ? brandA : brandB;
    const variants = Array.from({ length: 10 }, (_, i) => ({
      sku: `P${p}-${i}`,
      options: [{ name: 'N', value: String(i) }],
      msrp: ['1000', 'EUR'] as [string, string],
    }));
    const prod = await net.product(brandId, { name: `${words[p]} Jacket`, variants });
    for (const [i, variantId] of prod.variantIds.entries()) {
      // prices with ties (every price appears twice) to exercise the id tie-break
      const price = 1000 + ((p * 10 + i) % 30) * 100;
      const stocked = i % 3 === 0;
      catalog.push({ variantId, brandId, price, title: `${words[p]} Jacket — ${i}`, stocked });
    }
  }
  for (const c of catalog.filter((x) => x.stocked)) {
    await net.stock({ supplierId: supplier, brandId: c.brandId, variantId: c.variantId, totalAvailable: 3 });
  }
  for (const c of catalog) {
    const res = await h.call(
      CREATE_LISTING,
      {
        i: {
          storefrontId: sfId,
          variantId: c.variantId,
          price: { amount: (c.price / 100).toFixed(2), currencyCode: 'EUR' },
        },
      },
      r.user,
    );
    expect(res.data!.createListing.userErrors).toEqual([]);
  }
  await h.call(PUBLISH, { i: { id: sfId } }, r.user);
}, 120_000);
afterAll(async () => h?.stop());

describe('anonymous browsing', () => {
  it('pages through every listing once, newest first, with stable cursors', async () => {
    const seen = await allPages({}, 7);
    expect(seen).toHaveLength(60);
    expect(new Set(seen.map((l) => l.id)).size).toBe(60);
    const first = (await h.call(PAGE, { slug, first: 3 })).data!.storefront.listings.edges.map(
      (e: any) => e.node.title,
    );
    expect(first).toEqual(['Foxtrot Jacket — 9', 'Foxtrot Jacket — 8', 'Foxtrot Jacket — 7']);
  });

  it('pages newest first the same when the process runs outside UTC (dates read as the UTC they store)', async () => {
    const zone = process.env.TZ;
    process.env.TZ = 'America/New_York'; // Node re-reads the zone; the service runs in this process
    try {
      const seen = await allPages({}, 7);
      expect(new Set(seen.map((l) => l.id)).size).toBe(60);
      expect(seen).toHaveLength(60);
    } finally {
      if (zone === undefined) delete process.env.TZ;
      else process.env.TZ = zone;
    }
  });

  it('sorts by price both ways and by title, breaking ties by id', async () => {
    const asc = await allPages({ sort: 'PRICE_ASC' }, 9);
    const prices = asc.map((l) => Number(l.price.amount));
    expect(prices).toEqual([...prices].sort((a, b) => a - b));
    expect(prices[0]).toBe(10);
    expect(prices.at(-1)).toBe(39);
    expect(
      asc.map((l) => l.id).filter((_, i) => prices[i] === prices[i + 1] && asc[i]!.id > asc[i + 1]!.id),
    ).toEqual([]);
    const desc = await allPages({ sort: 'PRICE_DESC' }, 11);
    expect(desc.map((l) => l.id)).toEqual(
      [...asc]
        .sort((a, b) => Number(b.price.amount) - Number(a.price.amount) || (a.id < b.id ? 1 : -1))
        .map((l) => l.id),
    );
    const byTitle = await allPages({ sort: 'TITLE' }, 13);
    expect(byTitle.map((l) => l.title)).toEqual(
      catalog.map((c) => c.title).sort((a, b) => a.localeCompare(b)),
    );
  });

  it('filters by search, brand, availability and price range', async () => {
    const search = await allPages({ filter: { search: 'echo jacket' } }, 50);
    expect(search.map((l) => l.title).sort()).toEqual(
      catalog
        .filter((c) => c.title.startsWith('Echo'))
        .map((c) => c.title)
        .sort(),
    );
    expect(await allPages({ filter: { search: '100%_' } }, 50)).toEqual([]);
    const brand = await allPages({ filter: { brandId: brandB } }, 50);
    expect(brand).toHaveLength(30);
    const inStock = await allPages({ filter: { available: true } }, 50);
    expect(inStock.map((l) => l.title).sort()).toEqual(
      catalog
        .filter((c) => c.stocked)
        .map((c) => c.title)
        .sort(),
    );
    const range = await allPages(
      { filter: { priceMin: '12.00', priceMax: '14.00', brandId: brandA, available: false } },
      4,
    );
    expect(range.map((l) => l.id).sort()).toHaveLength(
      catalog.filter((c) => c.brandId === brandA && !c.stocked && c.price >= 1200 && c.price <= 1400).length,
    );
    expect(range.every((l) => Number(l.price.amount) >= 12 && Number(l.price.amount) <= 14)).toBe(true);
    const bad = await h.call(PAGE, { slug, filter: { priceMin: '1.234' } });
    expect(bad.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    const wrongCursor = await h.call(PAGE, {
      slug,
      sort: 'TITLE',
      after: (await h.call(PAGE, { slug, first: 1, sort: 'PRICE_ASC' })).data!.storefront.listings.pageInfo
        .endCursor,
    });
    expect(wrongCursor.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    const tooMany = await h.call(PAGE, { slug, first: 101 });
    expect(tooMany.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });

  it('costs the same number of SQL statements for 10 and 50 listings', async () => {
    const q =
      (first: number, sort = 'PRICE_ASC') =>
      () =>
        h.call(PAGE, { slug, first, sort });
    await q(1)(); // warm the slug cache and the tenant registry
    const ten = await statementsOf(q(10));
    const fifty = await statementsOf(q(50));
    console.log(`SQL per page: 10 → ${ten}, 50 → ${fifty}`);
    expect(fifty).toBe(ten);
    expect(ten).toBe(1);
    const withCount = `query($slug: String!, $first: Int) { storefront(slug: $slug) { listings(first: $first) { totalCount nodes { id title } } } }`;
    const countTen = await statementsOf(() => h.call(withCount, { slug, first: 10 }));
    const countFifty = await statementsOf(() => h.call(withCount, { slug, first: 50 }));
    expect(countFifty).toBe(countTen);
    const res = await h.call(withCount, { slug, first: 50 });
    expect(res.data!.storefront.listings.totalCount).toBe(60);
    expect(res.data!.storefront.listings.nodes).toHaveLength(50);
    // listings by reference (the router's _entities) batch too: one statement for 10 or 50
    const ids = (await allPages({}, 50)).map((l) => l.id);
    const ENT = `query($r: [_Any!]!) { _entities(representations: $r) { ... on Listing { id title price { amount } storefront { slug } } } }`;
    const refs = (n: number) => ({ r: ids.slice(0, n).map((id) => ({ __typename: 'Listing', id })) });
    const e10 = await statementsOf(() => h.call(ENT, refs(10)));
    const e50 = await statementsOf(() => h.call(ENT, refs(50)));
    console.log(`SQL per _entities: 10 → ${e10}, 50 → ${e50}; with totalCount: ${countTen}, ${countFifty}`);
    expect(e50).toBe(e10);
    const resolved = await h.call(ENT, refs(50));
    expect(resolved.data!._entities).toHaveLength(50);
    expect(resolved.data!._entities.every((e: any) => e.storefront.slug === 'big-shop')).toBe(true);
  });

  it('keeps unpublished storefronts away from everyone but their retailer', async () => {
    const created = await h.call(
      CREATE_STOREFRONT,
      { i: { name: 'Hidden', slug: 'hidden-shop', currencyCode: 'EUR' } },
      r.user,
    );
    const id = created.data!.createStorefront.storefront.id;
    const listing = await h.call(
      CREATE_LISTING,
      { i: { storefrontId: id, variantId: catalog[0]!.variantId } },
      r.user,
    );
    const listingId = listing.data!.createListing.listing.id;
    for (const who of [
      undefined,
      retailerUser(orgId()),
      { kind: 'customer' as const, customerId: 'cus_X' },
    ]) {
      expect((await h.call(PAGE, { slug: 'hidden-shop' }, who)).data!.storefront).toBeNull();
      expect(
        (await h.call(`query($id: ID!) { listing(id: $id) { id } }`, { id: listingId }, who)).data!.listing,
      ).toBeNull();
      const ent = await h.call(
        `query($r: [_Any!]!) { _entities(representations: $r) { ... on Storefront { id } ... on Listing { id } } }`,
        {
          r: [
            { __typename: 'Storefront', id },
            { __typename: 'Listing', id: listingId },
          ],
        },
        who,
      );
      expect(ent.data!._entities).toEqual([null, null]);
    }
    const own = await h.call(PAGE, { slug: 'hidden-shop' }, r.user);
    expect(own.data!.storefront.listings.edges).toHaveLength(1);
  });
});
