import { metricsRegistry } from '@tradegraph/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Stack, startStack } from '../src/stack.ts';

/**
 * Read your own writes across the network (docs/events.md, "Consistency: read
 * your own writes"): a partner app scripts the whole chain through the router
 * back to back, with no sleeps, no polling and no retries — brand creates and
 * publishes a product, the supplier offers and stocks it, the retailer lists
 * it, and an anonymous shopper at once sees it in stock and puts it in a cart.
 * Every step runs right after the previous response, on data that reached the
 * other services through events.
 */

let s: Stack;
type Session = { accessToken: string; organization: { id: string; name: string } };
let brand: Session;
let supplier: Session;
let retailer: Session;
let warehouseId: string;
let storefrontId: string;
const SLUG = 'chain-store-e2e';
const ROUNDS = 20;

async function signUp(email: string, org: string, kind: string): Promise<Session> {
  return ok<Session>(
    `mutation($i: SignUpInput!) { signUp(input: $i) { accessToken organization { id name } userErrors { code message } } }`,
    { i: { email, password: 'a long enough password', name: org, organization: { name: org, kind } } },
  );
}

/** One request; no errors and no userErrors, or the test fails with what came back. */
async function ok<T>(query: string, variables: Record<string, unknown>, token?: string): Promise<T> {
  const res = await s.gql(query, variables, token);
  expect(res.errors, `${query.slice(0, 60)}: ${JSON.stringify(res.errors)}`).toBeUndefined();
  const [payload] = Object.values(res.data ?? {}) as { userErrors?: unknown[] }[];
  expect(payload?.userErrors ?? [], `${query.slice(0, 60)}: ${JSON.stringify(payload?.userErrors)}`).toEqual(
    [],
  );
  return payload as T;
}

async function connect(from: Session, to: Session, scopes: string[]) {
  const req = await ok<{ connection: { id: string } }>(
    `mutation($i: RequestConnectionInput!) { requestConnection(input: $i) { connection { id } userErrors { code } } }`,
    { i: { partnerId: to.organization.id, scopes } },
    from.accessToken,
  );
  await ok(
    `mutation($i: RespondToConnectionInput!) { respondToConnection(input: $i) { connection { status } userErrors { code } } }`,
    { i: { connectionId: req.connection.id, accept: true } },
    to.accessToken,
  );
}

async function createStorefront(name: string, slug: string): Promise<string> {
  const sf = await ok<{ storefront: { id: string } }>(
    `mutation($i: CreateStorefrontInput!) { createStorefront(input: $i) { storefront { id slug } userErrors { code message } } }`,
    { i: { name, slug, currencyCode: 'EUR', defaultMarkupPercent: '40' } },
    retailer.accessToken,
  );
  return sf.storefront.id;
}

async function publishStorefront(id: string) {
  await ok(
    `mutation($i: PublishStorefrontInput!) { publishStorefront(input: $i) { storefront { id } userErrors { code message } } }`,
    { i: { id } },
    retailer.accessToken,
  );
}

const STOREFRONT = `query($slug: String!) { storefront(slug: $slug) { id name slug } }`;

beforeAll(async () => {
  // Each subgraph sees the others' events only by polling the log, as separate processes would.
  s = await startStack({}, { processLikeEventWakeups: true });
  brand = await signUp('bea@chain-brand.test', 'Chain Brand', 'BRAND');
  supplier = await signUp('sam@chain-supply.test', 'Chain Supply', 'SUPPLIER');
  retailer = await signUp('rita@chain-retail.test', 'Chain Retail', 'RETAILER');
  await connect(retailer, brand, ['CATALOG_READ', 'SELL_PRODUCTS']);
  await connect(supplier, brand, ['CATALOG_READ', 'FULFILL_ORDERS']);
  const wh = await ok<{ warehouse: { id: string } }>(
    `mutation($i: CreateWarehouseInput!) { createWarehouse(input: $i) { warehouse { id } userErrors { code message } } }`,
    {
      i: {
        name: 'Chain DC',
        address: {
          name: 'Chain Supply',
          line1: 'Kade 2',
          city: 'Rotterdam',
          postalCode: '3011AB',
          country: 'NL',
        },
      },
    },
    supplier.accessToken,
  );
  warehouseId = wh.warehouse.id;
  storefrontId = await createStorefront('Chain Store', SLUG);
  await publishStorefront(storefrontId);
}, 120_000);
afterAll(async () => s?.stop());

/** Per service, the mutations that waited for their events to reach the log, and how long on average. */
async function publishWaits(): Promise<Record<string, { mutations: number; meanMs: number }>> {
  const metric = await metricsRegistry.getSingleMetric('tradegraph_publish_wait_seconds')?.get();
  const out: Record<string, { mutations: number; meanMs: number }> = {};
  const sums = new Map<string, number>();
  for (const v of metric?.values ?? []) {
    const service = String(v.labels.service);
    const name = 'metricName' in v ? v.metricName : '';
    if (name === 'tradegraph_publish_wait_seconds_sum') sums.set(service, (sums.get(service) ?? 0) + v.value);
    if (name === 'tradegraph_publish_wait_seconds_count') {
      out[service] = { mutations: (out[service]?.mutations ?? 0) + v.value, meanMs: 0 };
    }
  }
  for (const [service, o] of Object.entries(out)) o.meanMs = ((sums.get(service) ?? 0) / o.mutations) * 1000;
  return out;
}

describe('a partner app scripts the chain with no sleeps', () => {
  it('a published storefront is there in the very next request', async () => {
    const slug = 'chain-store-next';
    const id = await createStorefront('Next Request Store', slug);
    const before = await s.gql(STOREFRONT, { slug });
    expect(before.data?.storefront).toBeNull(); // not published yet: shoppers do not see it
    await publishStorefront(id);
    const res = await s.gql(STOREFRONT, { slug });
    expect(res.errors).toBeUndefined();
    expect(res.data?.storefront).toEqual({ id, name: 'Next Request Store', slug });
  });

  it(`product → offer → stock → listing → shopper's cart, back to back, ${ROUNDS} times`, async () => {
    const started = performance.now();
    for (let round = 1; round <= ROUNDS; round++) {
      const sku = `CHAIN-${round}`;
      const created = await ok<{ product: { id: string; variants: { id: string }[] } }>(
        `mutation($i: CreateProductInput!) { createProduct(input: $i) { product { id variants { id sku } } userErrors { code message field } } }`,
        {
          i: {
            name: `Chain Tee ${round}`,
            options: [{ name: 'Size', values: ['S', 'M'] }],
            variants: ['S', 'M'].map((size) => ({
              sku: `${sku}-${size}`,
              options: [{ name: 'Size', value: size }],
              msrp: { amount: '20.00', currencyCode: 'EUR' },
            })),
          },
        },
        brand.accessToken,
      );
      const productId = created.product.id;
      const variantIds = created.product.variants.map((v) => v.id);
      await ok(
        `mutation($i: PublishProductInput!) { publishProduct(input: $i) { product { status } userErrors { code message } } }`,
        { i: { id: productId } },
        brand.accessToken,
      );

      for (const [i, variantId] of variantIds.entries()) {
        await ok(
          `mutation($i: UpsertOfferInput!) { upsertOffer(input: $i) { offer { id } userErrors { code message } } }`,
          {
            i: {
              variantId,
              wholesalePrice: { amount: '9.00', currencyCode: 'EUR' },
              minimumOrderQuantity: 1,
              leadTimeDays: 2,
            },
          },
          supplier.accessToken,
        );
        const stocked = await ok<{ level: { available: number } }>(
          `mutation($i: AdjustInventoryInput!) { adjustInventory(input: $i) { level { available } userErrors { code message } } }`,
          { i: { warehouseId, variantId, delta: 10 + i, reason: 'chain stock' } },
          supplier.accessToken,
        );
        expect(stocked.level.available).toBe(10 + i);
      }

      const listingIds: string[] = [];
      for (const variantId of variantIds) {
        const listed = await ok<{ listing: { id: string } }>(
          `mutation($i: CreateListingInput!) { createListing(input: $i) { listing { id } userErrors { code message } } }`,
          { i: { storefrontId, variantId } },
          retailer.accessToken,
        );
        listingIds.push(listed.listing.id);
      }

      // The anonymous shopper, in the very next requests.
      const page = await s.gql(
        `query($slug: String!, $search: String!) {
          storefront(slug: $slug) {
            listings(filter: { search: $search }, first: 10) {
              nodes { id available price { amount currencyCode } variant { id availableQuantity } }
            }
          }
        }`,
        { slug: SLUG, search: `Chain Tee ${round}` },
      );
      expect(page.errors, `round ${round}: ${JSON.stringify(page.errors)}`).toBeUndefined();
      const nodes: { id: string; available: boolean; variant: { id: string; availableQuantity: number } }[] =
        page.data?.storefront?.listings.nodes ?? [];
      const mine = listingIds.map((id) => nodes.find((n) => n.id === id));
      expect(
        mine.map((n) => n && { available: n.available, variant: n.variant }),
        `round ${round}: ${JSON.stringify(nodes)}`,
      ).toEqual(variantIds.map((id, i) => ({ available: true, variant: { id, availableQuantity: 10 + i } })));

      const cart = await ok<{ cart: { id: string } }>(
        `mutation($i: CreateCartInput!) { createCart(input: $i) { cart { id } userErrors { code message } } }`,
        { i: { storefrontSlug: SLUG } },
      );
      const added = await ok<{ cart: unknown }>(
        `mutation($i: AddCartLineInput!) { addCartLine(input: $i) { cart { itemCount lines { quantity purchasable } } userErrors { code message } } }`,
        { i: { cartId: cart.cart.id, listingId: listingIds[0], quantity: 2 } },
      );
      expect(added.cart, `round ${round}`).toEqual({
        itemCount: 2,
        lines: [{ quantity: 2, purchasable: true }],
      });
    }
    const elapsed = performance.now() - started;
    console.log(
      `[chain] ${ROUNDS} rounds in ${Math.round(elapsed)} ms (${Math.round(elapsed / ROUNDS)} ms per round of 11 requests); publish-through wait per mutation:`,
      JSON.stringify(await publishWaits()),
    );
  }, 180_000);
});
