import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADDRESS, type Harness, startHarness } from './harness.ts';

/**
 * Federation fields over many variants and suppliers: batched (constant SQL
 * statements whatever the page size) and following the connection rules.
 */

let h: Harness;
let brand: string;
let variants: string[];
const suppliers: string[] = [];

const ENTITIES = `query($r: [_Any!]!) { _entities(representations: $r) { ... on ProductVariant {
  id availableQuantity offers { id supplier { id } wholesalePrice { amount currencyCode } minimumOrderQuantity } } } }`;
const reps = (ids: string[]) => ({ r: ids.map((id) => ({ __typename: 'ProductVariant', id })) });

async function setUpSupplier(stockPerVariant: number, price: string) {
  const s = h.orgId();
  suppliers.push(s);
  const me = h.member(s, 'SUPPLIER');
  await h.connect(s, brand, 'BRAND');
  const wh = (
    await h.call(
      `mutation($i: CreateWarehouseInput!) { createWarehouse(input: $i) { warehouse { id } } }`,
      { i: { name: 'W', address: ADDRESS } },
      me,
    )
  ).data?.createWarehouse.warehouse.id;
  const received = await h.call(
    `mutation($i: ReceiveStockInput!) { receiveStock(input: $i) { receipt { totalQuantity } userErrors { code message } } }`,
    {
      i: {
        warehouseId: wh,
        reference: 'INIT',
        lines: variants.map((variantId) => ({ variantId, quantity: stockPerVariant })),
      },
    },
    me,
  );
  expect(received.data?.receiveStock.receipt.totalQuantity).toBe(stockPerVariant * variants.length);
  for (const variantId of variants) {
    const res = await h.call(
      `mutation($i: UpsertOfferInput!) { upsertOffer(input: $i) { userErrors { code } } }`,
      {
        i: {
          variantId,
          wholesalePrice: { amount: price, currencyCode: 'EUR' },
          minimumOrderQuantity: 1,
          leadTimeDays: 2,
        },
      },
      me,
    );
    expect(res.data?.upsertOffer.userErrors).toEqual([]);
  }
  return s;
}

beforeAll(async () => {
  h = await startHarness();
  brand = h.orgId();
  // 50 variants over three products
  variants = [
    ...(await h.product(brand, { count: 20 })).variantIds,
    ...(await h.product(brand, { count: 20 })).variantIds,
    ...(await h.product(brand, { count: 10 })).variantIds,
  ];
  await setUpSupplier(5, '10.00');
  await setUpSupplier(3, '9.50');
}, 120_000);
afterAll(async () => h?.stop());

describe('ProductVariant', () => {
  it('costs the same number of SQL statements for 10 and 50 variants', async () => {
    const brandViewer = h.member(brand, 'BRAND', ['catalog:read']);
    const ten = await h.callCounted(ENTITIES, reps(variants.slice(0, 10)), brandViewer);
    const fifty = await h.callCounted(ENTITIES, reps(variants), brandViewer);
    expect(ten.res.errors).toBeUndefined();
    expect(fifty.res.errors).toBeUndefined();
    expect(fifty.res.data?._entities).toHaveLength(50);
    for (const v of fifty.res.data?._entities ?? []) {
      expect(v.availableQuantity).toBe(8);
      // cheapest first
      expect(v.offers.map((o: { wholesalePrice: { amount: string } }) => o.wholesalePrice.amount)).toEqual([
        '9.50',
        '10.00',
      ]);
    }
    expect(fifty.sqlStatements).toBe(ten.sqlStatements);
    expect(fifty.sqlStatements).toBeLessThanOrEqual(2);
    console.info(
      `ProductVariant _entities: 10 variants → ${ten.sqlStatements} SQL, 50 → ${fifty.sqlStatements} SQL`,
    );
    // anonymous: the public aggregate only, and no offers (and no offer query)
    const anon = await h.callCounted(ENTITIES, reps(variants));
    expect(anon.res.data?._entities[0]).toMatchObject({ availableQuantity: 8, offers: [] });
    expect(anon.sqlStatements).toBe(1);
  });

  it('availableQuantity counts only suppliers with an ACTIVE FULFILL_ORDERS connection to the brand', async () => {
    const q = async () =>
      (await h.call(ENTITIES, reps([variants[0]!]))).data?._entities[0].availableQuantity as number;
    expect(await q()).toBe(8);
    await h.connect(suppliers[1]!, brand, 'BRAND', { status: 'REVOKED' });
    expect(await q()).toBe(5);
    await h.connect(suppliers[1]!, brand, 'BRAND', { status: 'ACTIVE', scopes: ['CATALOG_READ'] });
    expect(await q()).toBe(5);
    await h.connect(suppliers[0]!, brand, 'BRAND', { status: 'REVOKED' });
    expect(await q()).toBe(0);
    await h.connect(suppliers[0]!, brand, 'BRAND', { status: 'ACTIVE' });
    await h.connect(suppliers[1]!, brand, 'BRAND', { status: 'ACTIVE' });
    expect(await q()).toBe(8);
    // reserved stock is not available
    const me = h.member(suppliers[0]!, 'SUPPLIER');
    const r = await h.call(
      `mutation($i: ReserveStockInput!) { reserveStock(input: $i) { reservation { id } } }`,
      { i: { variantId: variants[0], quantity: 4, reference: 'o' } },
      me,
    );
    expect(r.data?.reserveStock.reservation.id).toBeTruthy();
    expect(await q()).toBe(4);
  });

  it('answers zero and no offers for variants nobody stocks', async () => {
    const res = await h.call(ENTITIES, reps(['var_abcdefabcdef_UNKNOWN']), h.member(brand, 'BRAND'));
    expect(res.data?._entities[0]).toEqual({
      id: 'var_abcdefabcdef_UNKNOWN',
      availableQuantity: 0,
      offers: [],
    });
  });
});

describe('Organization', () => {
  it('batches offers over organisations: same SQL for 2 and 6 suppliers', async () => {
    const q = `query($r: [_Any!]!) { _entities(representations: $r) { ... on Organization { id
      offers(first: 5) { totalCount nodes { id variant { id } } } } } }`;
    const brandViewer = h.member(brand, 'BRAND', ['catalog:read']);
    const orgs = (n: number) => ({
      r: Array.from({ length: n }, (_, i) => ({ __typename: 'Organization', id: suppliers[i] ?? h.orgId() })),
    });
    const two = await h.callCounted(q, orgs(2), brandViewer);
    const six = await h.callCounted(q, orgs(6), brandViewer);
    expect(
      two.res.data?._entities.map((o: { offers: { totalCount: number } }) => o.offers.totalCount),
    ).toEqual([50, 50]);
    expect(two.res.data?._entities[0].offers.nodes).toHaveLength(5);
    expect(
      six.res.data?._entities
        .slice(2)
        .every((o: { offers: { totalCount: number } }) => o.offers.totalCount === 0),
    ).toBe(true);
    expect(six.sqlStatements).toBe(two.sqlStatements);
    console.info(`Organization.offers: 2 orgs → ${two.sqlStatements} SQL, 6 → ${six.sqlStatements} SQL`);
  });
});
