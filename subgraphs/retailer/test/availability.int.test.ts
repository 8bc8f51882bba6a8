import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CREATE_LISTING,
  CREATE_STOREFRONT,
  type Harness,
  network,
  orgId,
  PUBLISH,
  startHarness,
  waitFor,
} from './harness.ts';

/**
 * `Listing.available` counts only stock of suppliers with an ACTIVE
 * FULFILL_ORDERS connection to the variant's brand (as the supplier
 * subgraph's `availableQuantity`), and follows supplier↔brand connections.
 */

let h: Harness;
let net: ReturnType<typeof network>;
let r: Awaited<ReturnType<ReturnType<typeof network>['retailer']>>;
const brand = orgId();
const otherBrand = orgId();
/** connected to the brand; sole stock of v[0], also stocks v[1] */
const supplierA = orgId();
/** connected to the brand; stocks v[1] */
const supplierB = orgId();
/** never connected to the brand; stocks v[2] */
const stranger = orgId();
/** stocks v[3] before its connection to the brand is accepted */
const late = orgId();
let conA: string;
let variants: string[];
let listings: string[];
let sfId: string;

const LISTING = `query($id: ID!) { listing(id: $id) { id available } }`;

async function available(i: number): Promise<boolean> {
  const res = await h.call(LISTING, { id: listings[i] }, r.user);
  expect(res.errors).toBeUndefined();
  return res.data!.listing.available;
}

/** Polls until listing `i` shows `expected` (≤ 5 s). */
async function eventually(i: number, expected: boolean) {
  await waitFor(async () => (await available(i)) === expected, `listing ${i} available=${expected}`, 5_000);
}

beforeAll(async () => {
  h = await startHarness();
  net = network(h);
  r = await net.retailer();
  await net.connect(brand, r.id);
  const p = await net.product(brand, {
    name: 'Lamp',
    variants: ['L1', 'L2', 'L3', 'L4'].map((sku) => ({ sku, msrp: ['2000', 'EUR'] as [string, string] })),
  });
  variants = p.variantIds;
  conA = await net.fulfil(supplierA, brand);
  await net.fulfil(supplierB, brand);
  // a FULFILL_ORDERS connection to another brand grants nothing for this one
  await net.fulfil(stranger, otherBrand);
  // a connection without FULFILL_ORDERS grants nothing either
  await net.fulfil(stranger, brand, { scopes: ['CATALOG_READ'] });
  await net.stock({ supplierId: supplierA, brandId: brand, variantId: variants[0]!, totalAvailable: 4 });
  await net.stock({ supplierId: supplierA, brandId: brand, variantId: variants[1]!, totalAvailable: 2 });
  await net.stock({ supplierId: supplierB, brandId: brand, variantId: variants[1]!, totalAvailable: 7 });
  await net.stock({ supplierId: stranger, brandId: brand, variantId: variants[2]!, totalAvailable: 9 });
  await net.stock({ supplierId: late, brandId: brand, variantId: variants[3]!, totalAvailable: 3 });
  const sf = await h.call(
    CREATE_STOREFRONT,
    { i: { name: 'Lamps', slug: 'lamps', currencyCode: 'EUR' } },
    r.user,
  );
  sfId = sf.data!.createStorefront.storefront.id;
  listings = [];
  for (const v of variants) {
    const l = await h.call(CREATE_LISTING, { i: { storefrontId: sfId, variantId: v } }, r.user);
    expect(l.data!.createListing.userErrors).toEqual([]);
    listings.push(l.data!.createListing.listing.id);
  }
  await h.call(PUBLISH, { i: { id: sfId } }, r.user);
}, 60_000);
afterAll(async () => h?.stop());

describe('availability follows supplier↔brand fulfilment connections', () => {
  it('counts stock of connected suppliers only', async () => {
    expect(await available(0)).toBe(true);
    expect(await available(1)).toBe(true);
    // stock of a supplier never connected (or connected without FULFILL_ORDERS) does not count
    expect(await available(2)).toBe(false);
    expect(await available(3)).toBe(false);
    // the same answer from the browse path (stored column)
    const page = await h.call(
      `query { storefront(slug: "lamps") { listings(first: 10, filter: { available: true }) { nodes { id } } } }`,
    );
    expect(page.errors).toBeUndefined();
    expect(page.data!.storefront.listings.nodes.map((n: { id: string }) => n.id).sort()).toEqual(
      [listings[0], listings[1]].sort(),
    );
  });

  it('becomes available when a stocked supplier’s connection is accepted', async () => {
    await net.fulfil(late, brand);
    await eventually(3, true);
  });

  it('revoking the supplier↔brand connection makes its stock unavailable; another connected supplier keeps it', async () => {
    const revokedAt = new Date();
    await net.fulfil(supplierA, brand, { connectionId: conA, status: 'REVOKED', occurredAt: revokedAt });
    await eventually(0, false);
    expect(await available(1)).toBe(true);
    expect(await available(2)).toBe(false);
    const [row] = await h.sql(
      `select status, active from \`${h.serviceDb}\`.supplier_fulfilment where connection_id = ?`,
      [conA],
    );
    expect(row).toMatchObject({ status: 'REVOKED', active: 0 });

    // an older ACTIVE event of the same connection arriving late does not flip it back
    await net.fulfil(supplierA, brand, {
      connectionId: conA,
      status: 'ACTIVE',
      occurredAt: new Date(revokedAt.getTime() - 60_000),
    });
    expect(await available(0)).toBe(false);
    const [after] = await h.sql(
      `select status, active from \`${h.serviceDb}\`.supplier_fulfilment where connection_id = ?`,
      [conA],
    );
    expect(after).toMatchObject({ status: 'REVOKED', active: 0 });
    // nor does a redelivered stock change
    await net.stock({ supplierId: supplierA, brandId: brand, variantId: variants[0]!, totalAvailable: 6 });
    expect(await available(0)).toBe(false);
  });

  it('a new connection of the pair restores it; a listing created afterwards agrees', async () => {
    await net.fulfil(supplierA, brand);
    await eventually(0, true);
    const sf2 = await h.call(
      CREATE_STOREFRONT,
      { i: { name: 'Lamps Two', slug: 'lamps-two', currencyCode: 'EUR' } },
      r.user,
    );
    const id = sf2.data!.createStorefront.storefront.id;
    const made = await Promise.all(
      variants.map((v) => h.call(CREATE_LISTING, { i: { storefrontId: id, variantId: v } }, r.user)),
    );
    expect(made.map((m) => m.data!.createListing.listing.available)).toEqual([true, true, false, true]);
  });
});
