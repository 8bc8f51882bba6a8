import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CREATE, type Harness, type Org, PUBLISH, startHarness, UPDATE } from './harness.ts';

/**
 * products(filter, sort, first, after): FULLTEXT search on name and
 * description plus SKU prefix, filters, sorting and keyset pagination, within
 * one brand and merged across the brands a partner may see.
 */

let h: Harness;
let E: Org;
let F: Org;
let partner: Org;
const created: Record<string, { id: string; brand: string }> = {};

const SEARCH = `query($f: ProductFilter, $s: ProductSort, $n: Int, $a: String) {
  products(filter: $f, sort: $s, first: $n, after: $a) {
    nodes { id name } totalCount pageInfo { hasNextPage endCursor }
  }
}`;

async function product(brand: Org, name: string, description: string, sku: string) {
  const res = await h.call(CREATE, { i: { name, description, variants: [{ sku }] } }, brand.principal);
  const id = res.data?.createProduct.product.id;
  if (!id) throw new Error(JSON.stringify(res));
  await h.call(PUBLISH, { i: { id } }, brand.principal);
  created[name] = { id, brand: brand.id };
  return id as string;
}

const names = (res: Awaited<ReturnType<Harness['call']>>) =>
  (res.data?.products.nodes ?? []).map((n: { name: string }) => n.name);

beforeAll(async () => {
  h = await startHarness({ CATALOG_MAX_BRANDS_PER_QUERY: '3' });
  [E, F, partner] = await Promise.all([h.org('BRAND', 'E'), h.org('BRAND', 'F'), h.org('RETAILER')]);
  await product(E, 'Merino Wool Sweater', 'A warm knit made from fine merino.', 'MER-001');
  await product(E, 'Cotton Sweater', 'Light and breathable.', 'COT-001');
  await product(E, 'Wool Socks', 'Knitted socks for hiking.', 'SOC-001');
  await product(E, 'Linen Shirt', 'Summer shirt.', 'LIN-001');
  await product(E, 'éclair Print', 'A poster.', 'ECL-001');
  await product(F, 'Alpaca Sweater', 'Soft alpaca wool.', 'ALP-001');
  await product(F, 'banana Tee', 'Yellow.', 'BAN-001');
  await product(F, 'Zebra Scarf', 'Striped wool scarf.', 'ZEB-001');
  await h.connect(E, partner, ['CATALOG_READ']);
  await h.connect(F, partner, ['CATALOG_READ']);
});
afterAll(async () => h?.stop());

describe('search', () => {
  it('matches all words of name and description with prefixes, or an SKU prefix', async () => {
    const q = async (search: string) => names(await h.call(SEARCH, { f: { search } }, E.principal)).sort();
    expect(await q('sweater')).toEqual(['Cotton Sweater', 'Merino Wool Sweater']);
    expect(await q('meri')).toEqual(['Merino Wool Sweater']);
    expect(await q('wool sweat')).toEqual(['Merino Wool Sweater']);
    expect(await q('knit')).toEqual(['Merino Wool Sweater', 'Wool Socks']);
    expect(await q('LIN-001')).toEqual(['Linen Shirt']);
    expect(await q('soc-')).toEqual(['Wool Socks']);
    // short words are not indexed: a name substring match instead
    expect(await q('co')).toEqual(['Cotton Sweater']);
    expect(await q('the wool')).toEqual(['Merino Wool Sweater', 'Wool Socks']);
    expect(await q('cashmere')).toEqual([]);
    // operators typed by a user are not interpreted: "-socks" is just another required word
    expect(await q('+wool -socks')).toEqual(['Wool Socks']);
    expect(await q('wool*) (')).toEqual(['Merino Wool Sweater', 'Wool Socks']);
  });

  it('searches across the brands a partner may see and merges them in order', async () => {
    const res = await h.call(SEARCH, { f: { search: 'sweater' } }, partner.principal);
    expect(names(res)).toEqual(['Alpaca Sweater', 'Cotton Sweater', 'Merino Wool Sweater']);
    expect(res.data?.products.totalCount).toBe(3);
    const onlyF = await h.call(SEARCH, { f: { search: 'wool', brandId: F.id } }, partner.principal);
    expect(names(onlyF).sort()).toEqual(['Alpaca Sweater', 'Zebra Scarf']);
  });

  it('bounds the number of brands one query reads', async () => {
    const more = await Promise.all([h.org('BRAND', 'G'), h.org('BRAND', 'H')]);
    const wide = await h.org('RETAILER');
    for (const b of [E, F, ...more]) await h.connect(b, wide, ['CATALOG_READ']);
    const res = await h.call(SEARCH, { f: { search: 'wool' } }, wide.principal);
    expect(res.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(res.errors?.[0]?.message).toMatch(/brandIds/);
    const narrowed = await h.call(SEARCH, { f: { search: 'wool', brandIds: [E.id, F.id] } }, wide.principal);
    expect(names(narrowed).sort()).toEqual([
      'Alpaca Sweater',
      'Merino Wool Sweater',
      'Wool Socks',
      'Zebra Scarf',
    ]);
  });
});

describe('sorting and pagination', () => {
  /** Walks all pages of `first` items and returns the names in order. */
  async function walk(as: Org, sort: Record<string, string>, first: number) {
    const out: string[] = [];
    let after: string | null = null;
    for (let i = 0; i < 20; i++) {
      const res: Awaited<ReturnType<Harness['call']>> = await h.call(
        SEARCH,
        { s: sort, n: first, a: after },
        as.principal,
      );
      expect(res.errors).toBeUndefined();
      out.push(...names(res));
      if (!res.data?.products.pageInfo.hasNextPage) return out;
      after = res.data?.products.pageInfo.endCursor;
    }
    throw new Error('pagination did not end');
  }

  const all = [
    'Alpaca Sweater',
    'banana Tee',
    'Cotton Sweater',
    'Linen Shirt',
    'Merino Wool Sweater',
    'Wool Socks',
    'Zebra Scarf',
    'éclair Print',
  ];

  it('sorts by name (case-insensitive, then by code point) across brands, in pages, both directions', async () => {
    expect(await walk(partner, { field: 'NAME', direction: 'ASC' }, 3)).toEqual(all);
    expect(await walk(partner, { field: 'NAME', direction: 'DESC' }, 3)).toEqual([...all].reverse());
    expect(await walk(partner, { field: 'NAME' }, 1)).toEqual(all);
    const first = await h.call(SEARCH, { n: 3 }, partner.principal);
    expect(first.data?.products).toMatchObject({ totalCount: 8, pageInfo: { hasNextPage: true } });
  });

  it('sorts by creation and update time', async () => {
    const order = Object.entries(created).map(([name]) => name);
    expect(await walk(partner, { field: 'CREATED_AT', direction: 'ASC' }, 3)).toEqual(order);
    expect(await walk(partner, { field: 'CREATED_AT', direction: 'DESC' }, 5)).toEqual([...order].reverse());
    await h.call(UPDATE, { i: { id: created['Cotton Sweater']!.id, description: 'Updated.' } }, E.principal);
    const byUpdate = await walk(partner, { field: 'UPDATED_AT', direction: 'DESC' }, 2);
    expect(byUpdate[0]).toBe('Cotton Sweater');
    expect(byUpdate).toHaveLength(8);
  });

  it('rejects bad page arguments', async () => {
    const big = await h.call(SEARCH, { n: 101 }, partner.principal);
    expect(big.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    const cursor = await h.call(SEARCH, { a: 'not-a-cursor' }, partner.principal);
    expect(cursor.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    const nameCursor = (await h.call(SEARCH, { n: 1 }, partner.principal)).data?.products.pageInfo.endCursor;
    const mixed = await h.call(SEARCH, { a: nameCursor, s: { field: 'CREATED_AT' } }, partner.principal);
    expect(mixed.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });

  it('lists a brand’s products through Organization.products', async () => {
    const res = await h.call(
      `query($r: [_Any!]!) { _entities(representations: $r) { ... on Organization { id
        products(sort: { field: NAME, direction: DESC }, first: 2) { nodes { name } totalCount pageInfo { hasNextPage } } } } }`,
      { r: [{ __typename: 'Organization', id: F.id }] },
      partner.principal,
    );
    expect(res.data?._entities[0].products).toEqual({
      nodes: [{ name: 'Zebra Scarf' }, { name: 'banana Tee' }],
      totalCount: 3,
      pageInfo: { hasNextPage: true },
    });
  });
});
