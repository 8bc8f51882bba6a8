import { tenantKeyOf } from '@tradegraph/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CREATE_LISTING,
  CREATE_STOREFRONT,
  customer,
  type Harness,
  network,
  orgId,
  PUBLISH,
  startHarness,
} from './harness.ts';

/**
 * Two retailers, A and B, each with a published and a draft storefront, a
 * listing on each and a customer cart. Every id-taking path is tried by B with
 * A's ids and with forged ids (A's body under B's key, unknown keys): the
 * answer is NOT_FOUND / null and A's data does not change.
 */

let h: Harness;
type Retailer = Awaited<ReturnType<ReturnType<typeof network>['retailer']>>;
let A: Retailer;
let B: Retailer;
const brand = orgId();
const supplier = orgId();
const world: Record<
  'A' | 'B',
  {
    published: string;
    draft: string;
    listing: string;
    draftListing: string;
    cart: string;
    customer: ReturnType<typeof customer>;
  }
> = {} as never;

const swapKey = (id: string, key: string) => id.replace(/^([a-z]+)_[a-z0-9]{12}_/, `$1_${key}_`);

async function setup(r: Retailer, name: 'A' | 'B', variantIds: string[]) {
  const mk = async (slug: string) =>
    (await h.call(CREATE_STOREFRONT, { i: { name: slug, slug, currencyCode: 'EUR' } }, r.user)).data!
      .createStorefront.storefront.id as string;
  const published = await mk(`shop-${name.toLowerCase()}`);
  const draft = await mk(`draft-${name.toLowerCase()}`);
  const listing = (
    await h.call(CREATE_LISTING, { i: { storefrontId: published, variantId: variantIds[0] } }, r.user)
  ).data!.createListing.listing.id;
  const draftListing = (
    await h.call(CREATE_LISTING, { i: { storefrontId: draft, variantId: variantIds[1] } }, r.user)
  ).data!.createListing.listing.id;
  await h.call(PUBLISH, { i: { id: published } }, r.user);
  const c = customer();
  const cart = (
    await h.call(
      `mutation($i: CreateCartInput!) { createCart(input: $i) { cart { id } } }`,
      { i: { storefrontSlug: `shop-${name.toLowerCase()}` } },
      c,
    )
  ).data!.createCart.cart.id;
  await h.call(
    `mutation($i: AddCartLineInput!) { addCartLine(input: $i) { userErrors { code } } }`,
    { i: { cartId: cart, listingId: listing, quantity: 2 } },
    c,
  );
  world[name] = { published, draft, listing, draftListing, cart, customer: c };
}

async function snapshot(r: Retailer) {
  const [t] = await h.sql(`select db_name from \`${h.serviceDb}\`.tenants where organization_id = ?`, [r.id]);
  const db = t!.db_name as string;
  return {
    storefronts: await h.sql(
      `select id, name, slug, published, default_markup_bp, updated_at from \`${db}\`.storefronts order by id`,
    ),
    listings: await h.sql(
      `select id, status, title, price_minor, updated_at from \`${db}\`.listings order by id`,
    ),
    carts: await h.sql(`select id, customer_id, updated_at from \`${db}\`.carts order by id`),
    lines: await h.sql(`select id, quantity from \`${db}\`.cart_lines order by id`),
    directory: await h.sql(
      `select * from \`${h.serviceDb}\`.storefront_directory where retailer_id = ? order by slug`,
      [r.id],
    ),
  };
}

beforeAll(async () => {
  h = await startHarness();
  const net = network(h);
  A = await net.retailer(orgId(), 'A');
  B = await net.retailer(orgId(), 'B');
  await net.connect(brand, A.id);
  await net.connect(brand, B.id);
  await net.fulfil(supplier, brand);
  const p = await net.product(brand, {
    name: 'Cap',
    variants: [
      { sku: 'C1', msrp: ['1500', 'EUR'] },
      { sku: 'C2', msrp: ['1600', 'EUR'] },
    ],
  });
  for (const v of p.variantIds)
    await net.stock({ supplierId: supplier, brandId: brand, variantId: v, totalAvailable: 4 });
  await setup(A, 'A', p.variantIds);
  await setup(B, 'B', p.variantIds);
});
afterAll(async () => h?.stop());

describe('tenant isolation', () => {
  it("B cannot change A's storefronts, listings or carts, by real or forged ids", async () => {
    const before = await snapshot(A);
    const a = world.A;
    const keyB = tenantKeyOf(B.id);
    const unknownKey = 'zzzzzzzzzzzz';
    const storefrontIds = [
      a.published,
      a.draft,
      swapKey(a.published, keyB),
      swapKey(a.draft, unknownKey),
      'sfr_',
      'x',
    ];
    const listingIds = [
      a.listing,
      a.draftListing,
      swapKey(a.listing, keyB),
      swapKey(a.listing, unknownKey),
      'lst_1_2_3',
    ];
    const cartIds = [a.cart, swapKey(a.cart, keyB), swapKey(a.cart, unknownKey), 'crt_abc'];
    const attempts: [string, Record<string, unknown>][] = [
      ...storefrontIds.flatMap((id): [string, Record<string, unknown>][] => [
        [
          `mutation($i: UpdateStorefrontInput!) { updateStorefront(input: $i) { storefront { id } } }`,
          { id, name: 'pwned' },
        ],
        [
          `mutation($i: PublishStorefrontInput!) { publishStorefront(input: $i) { storefront { id } } }`,
          { id },
        ],
        [
          `mutation($i: UnpublishStorefrontInput!) { unpublishStorefront(input: $i) { storefront { id } } }`,
          { id },
        ],
        [
          `mutation($i: CreateListingInput!) { createListing(input: $i) { listing { id } } }`,
          { storefrontId: id, variantId: 'var_x' },
        ],
      ]),
      ...listingIds.flatMap((id): [string, Record<string, unknown>][] => [
        [
          `mutation($i: UpdateListingInput!) { updateListing(input: $i) { listing { id } } }`,
          { id, title: 'pwned' },
        ],
        [`mutation($i: RemoveListingInput!) { removeListing(input: $i) { listing { id } } }`, { id }],
      ]),
    ];
    for (const [mutation, input] of attempts) {
      const res = await h.call(mutation, { i: input }, B.user);
      expect(res.errors?.[0]?.extensions?.code, `${mutation} ${JSON.stringify(input)}`).toBe('NOT_FOUND');
    }
    for (const cartId of cartIds) {
      for (const who of [B.user, world.B.customer, undefined]) {
        const res = await h.call(
          `mutation($i: AddCartLineInput!) { addCartLine(input: $i) { cart { id } } }`,
          { i: { cartId, listingId: a.listing, quantity: 1 } },
          who,
        );
        expect(res.errors?.[0]?.extensions?.code, cartId).toBe('NOT_FOUND');
      }
    }
    // A's listing in B's own cart is refused as unknown on that storefront
    const own = await h.call(
      `mutation($i: AddCartLineInput!) { addCartLine(input: $i) { userErrors { code } } }`,
      { i: { cartId: world.B.cart, listingId: a.listing, quantity: 1 } },
      world.B.customer,
    );
    expect(own.data!.addCartLine.userErrors).toEqual([{ code: 'LISTING_NOT_FOUND' }]);
    expect(await snapshot(A)).toEqual(before);
  });

  it('B reads only what A publishes', async () => {
    const a = world.A;
    const read = (q: string, v: Record<string, unknown>) => h.call(q, v, B.user);
    expect(
      (await read(`query($s: String!) { storefront(slug: $s) { id } }`, { s: 'draft-a' })).data!.storefront,
    ).toBeNull();
    expect(
      (await read(`query($s: String!) { storefront(slug: $s) { id } }`, { s: 'shop-a' })).data!.storefront,
    ).toEqual({ id: a.published });
    const LISTING = `query($id: ID!) { listing(id: $id) { id status visible pricing { mode } } }`;
    // public listing: B sees the shopper view only (no owner fields)
    expect((await read(LISTING, { id: a.listing })).data!.listing).toEqual({
      id: a.listing,
      status: null,
      visible: null,
      pricing: null,
    });
    for (const id of [
      a.draftListing,
      swapKey(a.listing, tenantKeyOf(B.id)),
      swapKey(a.listing, 'zzzzzzzzzzzz'),
    ]) {
      expect((await read(LISTING, { id })).data!.listing, id).toBeNull();
    }
    // includeHidden is the owner's only
    const hidden = await read(
      `query { storefront(slug: "shop-a") { listings(filter: { includeHidden: true }) { nodes { id } } } }`,
      {},
    );
    expect(hidden.data!.storefront.listings.nodes).toEqual([{ id: a.listing }]);
    // carts: A's customer cart is nobody else's, and forged ids resolve to nothing
    for (const id of [a.cart, swapKey(a.cart, tenantKeyOf(B.id)), swapKey(a.cart, 'zzzzzzzzzzzz')]) {
      for (const who of [B.user, world.B.customer, undefined]) {
        expect(
          (await h.call(`query($id: ID!) { cart(id: $id) { id } }`, { id }, who)).data!.cart,
          id,
        ).toBeNull();
      }
    }
    expect(
      (await h.call(`query($id: ID!) { cart(id: $id) { id itemCount } }`, { id: a.cart }, world.A.customer))
        .data!.cart,
    ).toEqual({
      id: a.cart,
      itemCount: 2,
    });
    // my storefronts are mine
    const mine = await read(`{ myStorefronts { nodes { id } } }`, {});
    expect(mine.data!.myStorefronts.nodes.map((n: { id: string }) => n.id).sort()).toEqual(
      [world.B.published, world.B.draft].sort(),
    );
  });

  it("keeps each retailer's rows in its own database", async () => {
    const dbs = await h.sql(
      `select organization_id, db_name from \`${h.serviceDb}\`.tenants order by db_name`,
    );
    expect(dbs).toHaveLength(2);
    for (const { organization_id, db_name } of dbs) {
      const rows = await h.sql(`select id from \`${db_name}\`.listings`);
      const own = organization_id === A.id ? world.A : world.B;
      expect(rows.map((r) => r.id).sort()).toEqual([own.listing, own.draftListing].sort());
      expect(db_name).toBe(`${h.db.DB_PREFIX}retailer_${tenantKeyOf(organization_id)}`);
    }
  });
});
