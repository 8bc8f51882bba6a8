import { randomUUID } from 'node:crypto';
import { type CompletedRequest, completedRequests } from '@tradegraph/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../src/eventually.ts';
import { type Stack, startStack } from '../src/stack.ts';

/**
 * The network end to end through the router: a brand, a supplier and a
 * retailer set up with the API alone, connected, and an anonymous shopper
 * browsing the retailer's storefront with prices and live availability —
 * data from four subgraphs and several tenant databases in one query, at a
 * number of SQL statements that does not grow with the page size.
 */

let s: Stack;
type Session = { accessToken: string; organization: { id: string; name: string } };
let brand: Session;
let supplier: Session;
let retailer: Session;
let variantIds: string[] = [];
let productId: string;
const SLUG = 'corner-store-e2e';

async function signUp(email: string, org: string, kind: string): Promise<Session> {
  const res = await s.gql(
    `mutation($i: SignUpInput!) { signUp(input: $i) { accessToken organization { id name } userErrors { code message } } }`,
    {
      i: { email, password: 'a long enough password', name: org, organization: { name: org, kind } },
    },
  );
  expect(res.data?.signUp.userErrors).toEqual([]);
  return res.data?.signUp;
}

async function ok(query: string, variables: Record<string, unknown>, token?: string) {
  const res = await s.gql(query, variables, token);
  expect(res.errors, JSON.stringify(res.errors)).toBeUndefined();
  const [payload] = Object.values(res.data ?? {}) as { userErrors?: unknown[] }[];
  expect(payload?.userErrors ?? [], JSON.stringify(payload?.userErrors)).toEqual([]);
  return payload as Record<string, any>;
}

/** A mutation that depends on an event projection: retried until its userErrors clear. */
async function okEventually(query: string, variables: Record<string, unknown>, token: string) {
  const res = await eventually(
    () => s.gql(query, variables, token),
    (r) =>
      !r.errors &&
      ((Object.values(r.data ?? {})[0] as { userErrors?: unknown[] })?.userErrors?.length ?? 0) === 0,
    15_000,
    query.slice(0, 60),
  );
  return Object.values(res.data ?? {})[0] as Record<string, any>;
}

async function connect(from: Session, to: Session, scopes: string[]) {
  const req = await ok(
    `mutation($i: RequestConnectionInput!) { requestConnection(input: $i) { connection { id } userErrors { code } } }`,
    { i: { partnerId: to.organization.id, scopes } },
    from.accessToken,
  );
  await ok(
    `mutation($i: RespondToConnectionInput!) { respondToConnection(input: $i) { connection { status } userErrors { code } } }`,
    { i: { connectionId: req.connection.id, accept: true } },
    to.accessToken,
  );
  return req.connection.id as string;
}

const SIZES = ['XS', 'S', 'M', 'L', 'XL', 'XXL'];
const COLOURS = ['Black', 'Navy', 'Oat', 'Forest', 'Rust', 'Slate', 'Sand', 'Plum', 'Sky', 'Coral'];

beforeAll(async () => {
  // The subgraphs' own SQL per request is measured here: the router's entity cache would answer
  // repeated shopper reads itself (it has its own test, entity-cache.e2e.test.ts).
  s = await startStack({ ROUTER_ENTITY_CACHE: 'false' });
  brand = await signUp('bea@northwind.test', 'Northwind', 'BRAND');
  supplier = await signUp('sam@harbor.test', 'Harbor Supply', 'SUPPLIER');
  retailer = await signUp('rita@corner.test', 'Corner Store', 'RETAILER');
}, 120_000);
afterAll(async () => s?.stop());

describe('brand → supplier → retailer → shopper, through the router', () => {
  it('the brand creates and publishes a product with 60 variants', async () => {
    const variants = SIZES.flatMap((size, i) =>
      COLOURS.map((colour, j) => ({
        sku: `NW-TEE-${size}-${colour}`.toUpperCase(),
        options: [
          { name: 'Size', value: size },
          { name: 'Colour', value: colour },
        ],
        msrp: { amount: `${30 + i}.${j}0`, currencyCode: 'EUR' },
      })),
    );
    const created = await ok(
      `mutation($i: CreateProductInput!) { createProduct(input: $i) { product { id status variants { id sku } } userErrors { code message field } } }`,
      {
        i: {
          name: 'Heritage Tee',
          description: 'Organic cotton tee',
          options: [
            { name: 'Size', values: SIZES },
            { name: 'Colour', values: COLOURS },
          ],
          variants,
        },
      },
      brand.accessToken,
    );
    expect(created.product.status).toBe('DRAFT');
    expect(created.product.variants).toHaveLength(60);
    productId = created.product.id;
    variantIds = created.product.variants.map((v: { id: string }) => v.id);
    const published = await ok(
      `mutation($i: PublishProductInput!) { publishProduct(input: $i) { product { status } userErrors { code } } }`,
      { i: { id: productId } },
      brand.accessToken,
    );
    expect(published.product.status).toBe('ACTIVE');
  });

  it('partners see nothing before they are connected, even with exact ids', async () => {
    const res = await s.gql(
      `query($p: ID!, $v: ID!) { product(id: $p) { id } productVariant(id: $v) { id } }`,
      { p: productId, v: variantIds[0] },
      retailer.accessToken,
    );
    expect(res.data).toEqual({ product: null, productVariant: null });
    const anon = await s.gql(`query($p: ID!) { product(id: $p) { id } }`, { p: productId });
    expect(anon.data?.product).toBeNull();
  });

  it('connections make the catalog visible to the retailer and let the supplier offer and stock it', async () => {
    await connect(retailer, brand, ['CATALOG_READ', 'SELL_PRODUCTS']);
    await connect(supplier, brand, ['CATALOG_READ', 'FULFILL_ORDERS']);
    const seen = await eventually(
      () =>
        s.gql(
          `query($p: ID!) { product(id: $p) { name brand { name } variants { id } } }`,
          { p: productId },
          retailer.accessToken,
        ),
      (r) => !!r.data?.product,
      10_000,
      'the retailer to see the product',
    );
    expect(seen.data?.product).toMatchObject({ name: 'Heritage Tee', brand: { name: 'Northwind' } });

    const wh = await ok(
      `mutation($i: CreateWarehouseInput!) { createWarehouse(input: $i) { warehouse { id } userErrors { code message } } }`,
      {
        i: {
          name: 'Rotterdam DC',
          address: {
            name: 'Harbor Supply',
            line1: 'Kade 1',
            city: 'Rotterdam',
            postalCode: '3011AA',
            country: 'NL',
          },
        },
      },
      supplier.accessToken,
    );
    for (const [i, variantId] of variantIds.entries()) {
      await okEventually(
        `mutation($i: UpsertOfferInput!) { upsertOffer(input: $i) { offer { id } userErrors { code message } } }`,
        {
          i: {
            variantId,
            wholesalePrice: { amount: '12.00', currencyCode: 'EUR' },
            minimumOrderQuantity: 1,
            leadTimeDays: 3,
          },
        },
        supplier.accessToken,
      );
      // Every third variant stays out of stock.
      if (i % 3 !== 0) {
        const level = await ok(
          `mutation($i: AdjustInventoryInput!) { adjustInventory(input: $i) { level { onHand reserved available } userErrors { code message } } }`,
          { i: { warehouseId: wh.warehouse.id, variantId, delta: 5 + i, reason: 'initial stock' } },
          supplier.accessToken,
        );
        expect(level.level).toEqual({ onHand: 5 + i, reserved: 0, available: 5 + i });
      }
    }
  });

  it('the retailer opens a storefront and lists every variant at its own price', async () => {
    const sf = await ok(
      `mutation($i: CreateStorefrontInput!) { createStorefront(input: $i) { storefront { id slug } userErrors { code message } } }`,
      { i: { name: 'Corner Store', slug: SLUG, currencyCode: 'EUR', defaultMarkupPercent: '40' } },
      retailer.accessToken,
    );
    for (const [i, variantId] of variantIds.entries()) {
      const price = i === 0 ? { price: { amount: '49.00', currencyCode: 'EUR' } } : {};
      await okEventually(
        `mutation($i: CreateListingInput!) { createListing(input: $i) { listing { id } userErrors { code message } } }`,
        { i: { storefrontId: sf.storefront.id, variantId, ...price } },
        retailer.accessToken,
      );
    }
    await ok(
      `mutation($i: PublishStorefrontInput!) { publishStorefront(input: $i) { storefront { id } userErrors { code } } }`,
      { i: { id: sf.storefront.id } },
      retailer.accessToken,
    );
  });

  const PAGE = `query($slug: String!, $first: Int!) {
    storefront(slug: $slug) {
      name
      listings(first: $first) {
        totalCount
        nodes {
          id title available
          price { amount currencyCode }
          variant { id sku options { name value } availableQuantity product { name brand { name } } }
        }
      }
    }
  }`;

  async function page(first: number) {
    const requestId = randomUUID();
    const counts: CompletedRequest[] = [];
    const listener = (r: CompletedRequest) => {
      if (r.requestId === requestId) counts.push(r);
    };
    completedRequests.on('request', listener);
    try {
      const res = await s.gql(PAGE, { slug: SLUG, first }, undefined, { 'x-request-id': requestId });
      return {
        res,
        sql: counts.reduce((n, c) => n + c.sqlStatements, 0),
        subgraphs: [...new Set(counts.map((c) => c.subgraph))].sort(),
      };
    } finally {
      completedRequests.off('request', listener);
    }
  }

  it('an anonymous shopper browses 50 listings with names, prices and live availability from four subgraphs', async () => {
    const { res } = await eventually(
      () => page(50),
      (p) =>
        (p.res.data?.storefront?.listings.nodes ?? []).length === 50 &&
        p.res.data?.storefront.listings.nodes.every((n: { variant: unknown }) => n.variant),
      15_000,
      'the storefront to show 50 listings with variants',
    );
    expect(res.errors).toBeUndefined();
    const sf = res.data?.storefront;
    expect(sf.listings.totalCount).toBe(60);
    for (const n of sf.listings.nodes) {
      expect(n.variant.product).toEqual({ name: 'Heritage Tee', brand: { name: 'Northwind' } });
      expect(n.price.currencyCode).toBe('EUR');
      const idx = variantIds.indexOf(n.variant.id);
      expect(idx).toBeGreaterThanOrEqual(0);
      expect(n.available).toBe(idx % 3 !== 0);
      expect(n.variant.availableQuantity).toBe(idx % 3 !== 0 ? 5 + idx : 0);
    }

    // The fixed-price listing may be on any page (sorted newest first), and must be somewhere: page through all.
    const prices = new Map<string, string>();
    let after: string | null = null;
    do {
      const res = await s.gql(
        `query($slug: String!, $after: String) {
          storefront(slug: $slug) {
            listings(first: 25, after: $after) {
              nodes { price { amount } variant { id } }
              pageInfo { hasNextPage endCursor }
            }
          }
        }`,
        { slug: SLUG, after },
      );
      expect(res.errors).toBeUndefined();
      const listings = res.data?.storefront.listings;
      for (const n of listings.nodes) prices.set(n.variant.id, n.price.amount);
      after = listings.pageInfo.hasNextPage ? listings.pageInfo.endCursor : null;
    } while (after);
    expect(prices.size).toBe(60);
    expect(prices.get(variantIds[0]!)).toBe('49.00');
  });

  it('costs the same number of SQL statements for 10 and for 50 listings', async () => {
    const small = await page(10);
    const large = await page(50);
    expect(small.res.data?.storefront.listings.nodes).toHaveLength(10);
    expect(large.res.data?.storefront.listings.nodes).toHaveLength(50);
    expect(large.subgraphs).toEqual(['catalog', 'identity', 'retailer', 'supplier']);
    expect(large.sql).toBe(small.sql);
    expect(large.sql).toBeLessThanOrEqual(20);
  });

  it('tenant isolation: an unconnected retailer and another brand see and change nothing', async () => {
    const stranger = await signUp('sly@elsewhere.test', 'Elsewhere', 'RETAILER');
    const other = await signUp('otto@otherbrand.test', 'Other Brand', 'BRAND');
    // An ACTIVE product nobody lists: only connected partners may see it, never a stranger, not even by id.
    const unlisted = await ok(
      `mutation($i: CreateProductInput!) { createProduct(input: $i) { product { id variants { id } } userErrors { code message } } }`,
      {
        i: {
          name: 'Unlisted Parka',
          options: [{ name: 'Size', values: ['M'] }],
          variants: [
            {
              sku: 'NW-PARKA-M',
              options: [{ name: 'Size', value: 'M' }],
              msrp: { amount: '199.00', currencyCode: 'EUR' },
            },
          ],
        },
      },
      brand.accessToken,
    );
    const parkaId = unlisted.product.id;
    const parkaVariant = unlisted.product.variants[0].id;
    await ok(
      `mutation($i: PublishProductInput!) { publishProduct(input: $i) { product { id } userErrors { code } } }`,
      { i: { id: parkaId } },
      brand.accessToken,
    );
    const partner = await eventually(
      () => s.gql(`query($p: ID!) { product(id: $p) { name } }`, { p: parkaId }, retailer.accessToken),
      (r) => !!r.data?.product,
      10_000,
      'the connected retailer to see the new product',
    );
    expect(partner.data?.product.name).toBe('Unlisted Parka');
    for (const token of [stranger.accessToken, undefined]) {
      const res = await s.gql(
        `query($p: ID!, $v: ID!) { product(id: $p) { id } productVariant(id: $v) { id } }`,
        { p: parkaId, v: parkaVariant },
        token,
      );
      expect(res.data).toEqual({ product: null, productVariant: null });
    }
    const strangerList = await s.gql(
      `query($b: ID!) { products(filter: { brandId: $b, search: "Parka" }) { totalCount } }`,
      { b: brand.organization.id },
      stranger.accessToken,
    );
    expect(strangerList.data?.products.totalCount ?? 0).toBe(0);
    const edit = await s.gql(
      `mutation($i: UpdateProductInput!) { updateProduct(input: $i) { product { id } userErrors { code } } }`,
      { i: { id: productId, name: 'Hijacked' } },
      other.accessToken,
    );
    expect(edit.errors?.[0]?.extensions?.code ?? edit.data?.updateProduct.userErrors[0]?.code).toBe(
      'NOT_FOUND',
    );
    const brandView = await s.gql(
      `query($p: ID!) { product(id: $p) { name } }`,
      { p: productId },
      brand.accessToken,
    );
    expect(brandView.data?.product.name).toBe('Heritage Tee');
    const listing = await s.gql(
      `mutation($i: CreateListingInput!) { createListing(input: $i) { listing { id } userErrors { code } } }`,
      { i: { storefrontId: 'sfr_aaaaaaaaaaaa_FORGED', variantId: variantIds[1] } },
      stranger.accessToken,
    );
    expect(listing.errors?.[0]?.extensions?.code ?? listing.data?.createListing.userErrors[0]?.code).toMatch(
      /NOT_FOUND|NOT_CONNECTED|VARIANT/,
    );
  });
});
