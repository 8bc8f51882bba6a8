import { createClient as createSseClient } from 'graphql-sse';
import { type Client, createClient } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { type Stack, startStack } from '../src/stack.ts';

/**
 * Live order status through the router (docs/subscriptions.md): a retailer's
 * dashboard follows its orders over graphql-ws and SSE while the real saga
 * (supplier reservations, sandbox payments) moves them; fields come from
 * orders, catalog and identity in every event.
 */

let s: Stack;
type Session = { accessToken: string; refreshToken?: string; organization: { id: string; name: string } };
let brand: Session;
let supplier: Session;
let retailer: Session;
let otherRetailer: Session;
let listingId: string;
const SLUG = 'live-store-e2e';
const PASSWORD = 'a long enough password';
const sockets: Client[] = [];

const FOLLOW = `subscription Follow($orderId: ID) {
  orderStatusChanged(orderId: $orderId) {
    previousStatus status reason
    order {
      id number total { amount currencyCode }
      retailer { name }
      lines { quantity variant { sku product { name brand { name } } } }
    }
  }
}`;

interface Change {
  previousStatus: string | null;
  status: string;
  order: {
    id: string;
    number: string;
    retailer: { name: string };
    lines: {
      quantity: number;
      variant: { sku: string; product: { name: string; brand: { name: string } } };
    }[];
  };
}

async function ok<T>(query: string, variables: Record<string, unknown>, token?: string): Promise<T> {
  const res = await s.gql(query, variables, token);
  expect(res.errors, `${query.slice(0, 60)}: ${JSON.stringify(res.errors)}`).toBeUndefined();
  const [payload] = Object.values(res.data ?? {}) as { userErrors?: unknown[] }[];
  expect(payload?.userErrors ?? [], `${query.slice(0, 60)}: ${JSON.stringify(payload?.userErrors)}`).toEqual(
    [],
  );
  return payload as T;
}

const signUp = (email: string, org: string, kind: string) =>
  ok<Session>(
    `mutation($i: SignUpInput!) { signUp(input: $i) { accessToken refreshToken organization { id name } userErrors { code message } } }`,
    { i: { email, password: PASSWORD, name: org, organization: { name: org, kind } } },
  );

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

/** A guest checks out one unit of the listing; the saga then runs on its own. */
async function placeOrder(key: string): Promise<string> {
  const cart = await ok<{ cart: { id: string } }>(
    `mutation($i: CreateCartInput!) { createCart(input: $i) { cart { id } userErrors { code message } } }`,
    { i: { storefrontSlug: SLUG } },
  );
  await ok(
    `mutation($i: AddCartLineInput!) { addCartLine(input: $i) { cart { id } userErrors { code message } } }`,
    { i: { cartId: cart.cart.id, listingId, quantity: 1 } },
  );
  const placed = await ok<{ order: { id: string } }>(
    `mutation($i: CheckoutInput!) { checkout(input: $i) { order { id } userErrors { code message field } } }`,
    {
      i: {
        cartId: cart.cart.id,
        email: 'guest@live.test',
        shippingAddress: { name: 'Ada', line1: 'Main 1', city: 'Berlin', postalCode: '10115', country: 'DE' },
        paymentToken: 'tok_visa',
        idempotencyKey: key,
      },
    },
  );
  return placed.order.id;
}

interface Followed {
  changes: Change[];
  errors: { message: string; extensions?: Record<string, unknown> }[];
  completed: boolean;
  closeCode?: number;
}

/** A dashboard on graphql-ws, authenticated in connection_init. */
function followWs(token: string, variables: Record<string, unknown> = {}): Followed {
  const got: Followed = { changes: [], errors: [], completed: false };
  const client = createClient({
    url: s.router.url.replace(/^http/, 'ws'),
    webSocketImpl: WebSocket,
    connectionParams: { authorization: `Bearer ${token}` },
    retryAttempts: 0,
    // Kept open after its subscription ends, so the router's own close code is what the test sees.
    lazy: false,
    onNonLazyError: () => {},
    on: {
      closed: (e) => {
        got.closeCode = (e as { code: number }).code;
      },
    },
  });
  sockets.push(client);
  client.subscribe(
    { query: FOLLOW, variables },
    {
      next: (r) => {
        if (r.data) got.changes.push((r.data as { orderStatusChanged: Change }).orderStatusChanged);
        if (r.errors) got.errors.push(...(r.errors as Followed['errors']));
      },
      error: (err) => {
        if (Array.isArray(err)) got.errors.push(...err);
        got.completed = true;
      },
      complete: () => {
        got.completed = true;
      },
    },
  );
  return got;
}

/** The same over graphql-sse, authenticated by the request's headers. */
function followSse(
  token: string,
  variables: Record<string, unknown> = {},
): Followed & { dispose: () => void } {
  const got: Followed = { changes: [], errors: [], completed: false };
  const client = createSseClient({
    url: s.router.url,
    headers: { authorization: `Bearer ${token}` },
    retryAttempts: 0,
  });
  const dispose = client.subscribe(
    { query: FOLLOW, variables },
    {
      next: (r) => {
        if (r.data) got.changes.push((r.data as { orderStatusChanged: Change }).orderStatusChanged);
        if (r.errors)
          got.errors.push(...r.errors.map((e) => ({ message: e.message, extensions: { ...e.extensions } })));
      },
      error: () => {
        got.completed = true;
      },
      complete: () => {
        got.completed = true;
      },
    },
  );
  return Object.assign(got, {
    dispose: () => {
      dispose();
      client.dispose();
    },
  });
}

async function waitFor(check: () => boolean, what: string, ms = 30_000) {
  const until = Date.now() + ms;
  while (!check()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function historyOf(orderId: string): Promise<string[]> {
  const res = await s.gql(
    `query($id: ID!) { order(id: $id) { statusHistory { status } } }`,
    { id: orderId },
    retailer.accessToken,
  );
  return (res.data?.order?.statusHistory ?? []).map((h: { status: string }) => h.status);
}

beforeAll(async () => {
  s = await startStack({ ROUTER_SUBSCRIPTION_INIT_TIMEOUT_MS: '1000' });
  brand = await signUp('bea@live-brand.test', 'Live Brand', 'BRAND');
  supplier = await signUp('sam@live-supply.test', 'Live Supply', 'SUPPLIER');
  retailer = await signUp('rita@live-retail.test', 'Live Retail', 'RETAILER');
  otherRetailer = await signUp('otto@other-retail.test', 'Other Retail', 'RETAILER');
  await connect(retailer, brand, ['CATALOG_READ', 'SELL_PRODUCTS']);
  await connect(supplier, brand, ['CATALOG_READ', 'FULFILL_ORDERS']);
  const wh = await ok<{ warehouse: { id: string } }>(
    `mutation($i: CreateWarehouseInput!) { createWarehouse(input: $i) { warehouse { id } userErrors { code message } } }`,
    {
      i: {
        name: 'Live DC',
        address: {
          name: 'Live Supply',
          line1: 'Kade 2',
          city: 'Rotterdam',
          postalCode: '3011AB',
          country: 'NL',
        },
      },
    },
    supplier.accessToken,
  );
  const created = await ok<{ product: { id: string; variants: { id: string }[] } }>(
    `mutation($i: CreateProductInput!) { createProduct(input: $i) { product { id variants { id } } userErrors { code message field } } }`,
    {
      i: {
        name: 'Live Mug',
        options: [{ name: 'Size', values: ['M'] }],
        variants: [
          {
            sku: 'LIVE-MUG-M',
            options: [{ name: 'Size', value: 'M' }],
            msrp: { amount: '20.00', currencyCode: 'EUR' },
          },
        ],
      },
    },
    brand.accessToken,
  );
  const variantId = created.product.variants[0]!.id;
  await ok(
    `mutation($i: PublishProductInput!) { publishProduct(input: $i) { product { status } userErrors { code message } } }`,
    { i: { id: created.product.id } },
    brand.accessToken,
  );
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
  await ok(
    `mutation($i: AdjustInventoryInput!) { adjustInventory(input: $i) { level { available } userErrors { code message } } }`,
    { i: { warehouseId: wh.warehouse.id, variantId, delta: 100, reason: 'live stock' } },
    supplier.accessToken,
  );
  const sf = await ok<{ storefront: { id: string } }>(
    `mutation($i: CreateStorefrontInput!) { createStorefront(input: $i) { storefront { id } userErrors { code message } } }`,
    { i: { name: 'Live Store', slug: SLUG, currencyCode: 'EUR', defaultMarkupPercent: '40' } },
    retailer.accessToken,
  );
  await ok(
    `mutation($i: PublishStorefrontInput!) { publishStorefront(input: $i) { storefront { id } userErrors { code message } } }`,
    { i: { id: sf.storefront.id } },
    retailer.accessToken,
  );
  const listed = await ok<{ listing: { id: string } }>(
    `mutation($i: CreateListingInput!) { createListing(input: $i) { listing { id } userErrors { code message } } }`,
    { i: { storefrontId: sf.storefront.id, variantId } },
    retailer.accessToken,
  );
  listingId = listed.listing.id;
}, 180_000);

afterAll(async () => {
  for (const c of sockets) await c.dispose();
  await restarted?.stop();
  await s?.stop();
});

let restarted: { stop: () => Promise<void> } | undefined;

describe('orderStatusChanged through the router', () => {
  it('a retailer dashboard sees every status change of its order in order, with fields from three subgraphs, over graphql-ws and SSE alike; another tenant sees nothing', async () => {
    const ws = followWs(retailer.accessToken);
    const sse = followSse(retailer.accessToken);
    const other = followWs(otherRetailer.accessToken);
    await pause(500);
    const orderId = await placeOrder('live-1');
    await waitFor(
      () => ws.changes.some((c) => c.order.id === orderId && c.status === 'CONFIRMED'),
      'CONFIRMED over ws',
    );
    await waitFor(
      () => sse.changes.some((c) => c.order.id === orderId && c.status === 'CONFIRMED'),
      'CONFIRMED over SSE',
    );
    const mine = ws.changes.filter((c) => c.order.id === orderId);
    expect(mine.map((c) => c.status)).toEqual(await historyOf(orderId));
    expect(mine.map((c) => c.status)).toEqual([
      'PENDING',
      'STOCK_RESERVED',
      'PAYMENT_AUTHORIZED',
      'CONFIRMED',
    ]);
    expect(mine.map((c) => c.previousStatus)).toEqual([
      null,
      'PENDING',
      'STOCK_RESERVED',
      'PAYMENT_AUTHORIZED',
    ]);
    for (const c of mine) {
      expect(c.order.retailer).toEqual({ name: 'Live Retail' }); // identity
      expect(c.order.lines).toEqual([
        {
          quantity: 1,
          variant: { sku: 'LIVE-MUG-M', product: { name: 'Live Mug', brand: { name: 'Live Brand' } } },
        },
      ]); // orders → catalog → identity
      expect(c.order.number).toMatch(/^TG-/);
    }
    expect(sse.changes.filter((c) => c.order.id === orderId)).toEqual(mine);
    expect(ws.errors).toEqual([]);
    expect(sse.errors).toEqual([]);
    expect(other.changes).toEqual([]);
    expect(other.errors).toEqual([]);
    sse.dispose();
  }, 60_000);

  it('a subscription survives a restart of the orders subgraph', async () => {
    const ws = followWs(retailer.accessToken);
    await pause(500);
    const orderId = await placeOrder('live-2');
    await waitFor(
      () => ws.changes.some((c) => c.order.id === orderId && c.status === 'CONFIRMED'),
      'CONFIRMED',
    );

    const orders = s.subgraph('orders') as Stack['subgraphs'][number] & {
      services: { config: Record<string, unknown> };
    };
    const env = Object.fromEntries(
      Object.entries(orders.services.config).map(([k, v]) => [k, String(v)]),
    ) as Record<string, string>;
    await orders.stop();
    const { start } = await import('@tradegraph/orders/service');
    restarted = await start({ ...env, PORT: String(orders.port), LOG_LEVEL: 'silent' });
    // The retailer cancels on the restarted orders; the dashboard sees it without subscribing again.
    await ok(
      `mutation($i: CancelOrderInput!) { cancelOrder(input: $i) { order { status } userErrors { code message } } }`,
      { i: { orderId, reason: 'Changed my mind' } },
      retailer.accessToken,
    );
    await waitFor(
      () => ws.changes.some((c) => c.order.id === orderId && c.status === 'CANCELLED'),
      'CANCELLED',
    );
    const statuses = ws.changes.filter((c) => c.order.id === orderId).map((c) => c.status);
    expect(statuses).toEqual(['PENDING', 'STOCK_RESERVED', 'PAYMENT_AUTHORIZED', 'CONFIRMED', 'CANCELLED']);
    expect(ws.errors).toEqual([]);
    expect(ws.completed).toBe(false);
  }, 90_000);

  it('a revoked token ends the subscription with a clear error and closes the connection', async () => {
    const login = await s.gql(`mutation($i: LoginInput!) { login(input: $i) { accessToken refreshToken } }`, {
      i: { email: 'rita@live-retail.test', password: PASSWORD },
    });
    const { accessToken, refreshToken } = login.data!.login;
    const ws = followWs(accessToken);
    await pause(500);
    await s.gql(`mutation($t: String!) { logout(input: { refreshToken: $t }) { success } }`, {
      t: refreshToken,
    });
    await waitFor(() => ws.completed && ws.closeCode !== undefined, 'the end of the subscription', 10_000);
    expect(ws.errors[0]).toMatchObject({
      message: 'Access has been revoked',
      extensions: { code: 'UNAUTHENTICATED' },
    });
    expect(ws.closeCode).toBe(4403);
  }, 30_000);

  it('refuses an invalid token at connection_init and over SSE', async () => {
    const ws = followWs('not-a-token');
    await waitFor(() => ws.closeCode !== undefined, 'close');
    expect(ws.closeCode).toBe(4403);
    const res = await fetch(s.router.url, {
      method: 'POST',
      headers: {
        accept: 'text/event-stream',
        'content-type': 'application/json',
        authorization: 'Bearer nope',
      },
      body: JSON.stringify({ query: FOLLOW }),
    });
    expect(res.status).toBe(401);
  });

  it('closes a WebSocket that never sends connection_init', async () => {
    const socket = new WebSocket(s.router.url.replace(/^http/, 'ws'), 'graphql-transport-ws');
    const code = await new Promise<number>((resolve) => socket.on('close', (c) => resolve(c)));
    expect(code).toBe(4408); // graphql-ws: Connection initialisation timeout
  });
});
