import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../src/eventually.ts';
import { ledgerViolations, stockPicture } from '../src/invariants.ts';
import {
  addPartners,
  buildNetwork,
  cartWith,
  checkout,
  type Gql,
  login,
  NETWORK_ENV,
  type Network,
  ORDER_STATUS,
  registerCustomer,
} from '../src/network.ts';
import { balanceOf, entriesOf, shipAndDeliver } from '../src/parties.ts';
import { type Stack, startStack } from '../src/stack.ts';

/**
 * Issue 8 end to end: every subgraph and the router in one process, each
 * subgraph learning of the others' events by polling the log as separate
 * processes would. A shopper checks carts out through the router with sandbox
 * tokens; the saga runs over the bus; the supplier ships through the router.
 */

const ADMIN = { email: 'ada@platform.test', password: 'a long enough password' };
const TERMINAL = new Set(['CONFIRMED', 'FAILED', 'CANCELLED', 'SHIPPED', 'DELIVERED']);

let s: Stack;
let gql: Gql;

async function statusOf(id: string, token: string, accessToken?: string) {
  const r = await gql(ORDER_STATUS, { id, t: accessToken ?? null }, token);
  expect(r.errors).toBeUndefined();
  return r.data?.order as { id: string; status: string; statusReason: string | null } | null;
}

/** Waits (bounded) until the saga has left PENDING…PAYMENT_AUTHORIZED, then answers where it stands. */
async function settled(id: string, token: string) {
  return eventually(
    () => statusOf(id, token),
    (o) => TERMINAL.has(o?.status ?? ''),
    20_000,
    `order ${id} settled`,
  );
}

async function level(db: Stack['db'], supplierId: string, variantId: string) {
  const p = await stockPicture(db, supplierId);
  expect(p.violations).toEqual([]);
  return p.levels.get(variantId) ?? { onHand: 0, reserved: 0 };
}

describe('the order saga through the router', () => {
  let net: Network;
  let platform: string;

  beforeAll(async () => {
    s = await startStack(NETWORK_ENV, {
      processLikeEventWakeups: true,
      subgraphEnv: {
        identity: { PLATFORM_ADMIN_EMAIL: ADMIN.email, PLATFORM_ADMIN_PASSWORD: ADMIN.password },
        // 50 reservation commands for one inventory level take the in-process supplier several seconds on
        // this machine; the deadline (tested on its own below) must not decide who gets the last units.
        orders: { ORDERS_RESERVATION_DEADLINE_MS: '30000' },
      },
    });
    gql = (q, v = {}, t) => s.gql(q, v, t);
    // Variants: 0-1 happy path, 2 declined, 3 insufficient funds, 4 the last 10 units, 5 idempotency.
    net = await buildNetwork(gql, 'saga', [20, 20, 7, 7, 10, 5]);
    platform = await login(gql, ADMIN.email, ADMIN.password);
  }, 120_000);
  afterAll(async () => {
    expect(await ledgerViolations(s.db)).toEqual([]);
    await s?.stop();
  });

  it('cart → CONFIRMED → DELIVERED after the supplier ships; the ledger holds the split and balances', async () => {
    const cartId = await cartWith(gql, net.slug, [
      { listingId: net.items[0]!.listingId, quantity: 2 },
      { listingId: net.items[1]!.listingId, quantity: 1 },
    ]);
    const placed = await checkout(gql, cartId);
    expect(placed.userErrors).toEqual([]);
    expect(placed.order).toMatchObject({
      status: 'PENDING',
      total: { amount: '75.00', currencyCode: 'EUR' },
    });
    const id = placed.order!.id;
    expect(await settled(id, net.retailer.token)).toMatchObject({ status: 'CONFIRMED', statusReason: null });
    // The cart closed on orders.order.placed.
    const cart = await gql(`query($id: ID!) { cart(id: $id) { status } }`, { id: cartId });
    expect(cart.data?.cart).toEqual({ status: 'CHECKED_OUT' });

    await shipAndDeliver(gql, net.supplier.token, id);
    await eventually(
      () => statusOf(id, net.retailer.token),
      (o) => o?.status === 'DELIVERED',
      20_000,
      'DELIVERED',
    );
    const history = await gql(
      `query($id: ID!) { order(id: $id) { statusHistory { status previousStatus actor { kind } } } }`,
      { id },
      net.retailer.token,
    );
    expect(history.data?.order.statusHistory.map((h: { status: string }) => h.status)).toEqual([
      'PENDING',
      'STOCK_RESERVED',
      'PAYMENT_AUTHORIZED',
      'CONFIRMED',
      'SHIPPED',
      'DELIVERED',
    ]);
    // Stock left as SHIPPED movements; nothing stays reserved.
    expect(await level(s.db, net.supplier.orgId, net.items[0]!.variantId)).toEqual({
      onHand: 18,
      reserved: 0,
    });
    expect(await level(s.db, net.supplier.orgId, net.items[1]!.variantId)).toEqual({
      onHand: 19,
      reserved: 0,
    });

    // The split of 75.00 (3 × 25.00, wholesale 3 × 10.00): brand 5 %, platform 3 %, the rest to the retailer.
    const expected = { supplier: 3000, brand: 375, platform: 225, retailer: 7500 - 3000 - 375 - 225 };
    const tokens = {
      supplier: net.supplier.token,
      brand: net.brand.token,
      retailer: net.retailer.token,
      platform,
    };
    for (const [party, token] of Object.entries(tokens)) {
      const entries = await entriesOf(gql, token);
      const mine = entries.filter((e) => e.orderId === id);
      expect(mine, party).toEqual([
        { kind: 'CAPTURE', orderId: id, amountMinor: expected[party as keyof typeof expected] },
      ]);
      // The balance is the sum of the party's entries.
      expect(await balanceOf(gql, token), party).toBe(entries.reduce((n, e) => n + e.amountMinor, 0));
    }
    expect(await ledgerViolations(s.db)).toEqual([]);
  }, 60_000);

  for (const [token, reason, item] of [
    ['tok_chargeDeclined', /declined/i, 2],
    ['tok_insufficientFunds', /insufficient funds/i, 3],
  ] as const) {
    it(`${token}: the stock is released and the order ends FAILED`, async () => {
      const variant = net.items[item]!;
      const cartId = await cartWith(gql, net.slug, [{ listingId: variant.listingId, quantity: 3 }]);
      const placed = await checkout(gql, cartId, { paymentToken: token });
      expect(placed.userErrors).toEqual([]);
      const id = placed.order!.id;
      const failed = await settled(id, net.retailer.token);
      expect(failed?.status).toBe('FAILED');
      expect(failed?.statusReason).toMatch(reason);
      const released = await eventually(
        () => stockPicture(s.db, net.supplier.orgId),
        (p) => p.levels.get(variant.variantId)?.reserved === 0,
        10_000,
        'the reservation released',
      );
      expect(released.violations).toEqual([]);
      expect(released.levels.get(variant.variantId)).toEqual({ onHand: 7, reserved: 0 });
      // Nothing was captured for it.
      expect((await entriesOf(gql, net.retailer.token)).filter((e) => e.orderId === id)).toEqual([]);
      // All 7 units can be bought again (once the retailer's projection has the released stock).
      const again = await cartWith(gql, net.slug, []);
      const added = await eventually(
        () =>
          gql(
            `mutation($i: AddCartLineInput!) { addCartLine(input: $i) { cart { itemCount } userErrors { code } } }`,
            { i: { cartId: again, listingId: variant.listingId, quantity: 7 } },
          ),
        (r) => r.data?.addCartLine?.cart?.itemCount === 7,
        10_000,
        '7 units in a cart again',
      );
      expect(added.data?.addCartLine.userErrors).toEqual([]);
    }, 60_000);
  }

  it('50 concurrent checkouts for the last 10 units: exactly 10 CONFIRMED, no oversell', async () => {
    const variant = net.items[4]!;
    const carts: string[] = [];
    for (let i = 0; i < 50; i++)
      carts.push(await cartWith(gql, net.slug, [{ listingId: variant.listingId, quantity: 1 }]));
    const results = await Promise.all(carts.map((cartId) => checkout(gql, cartId)));
    const placed = results.filter((r) => r.order).map((r) => r.order!.id);
    const refused = results.filter((r) => !r.order);
    // Checkout's stock pre-check may already refuse some; the suppliers' reservations decide the rest.
    for (const r of refused) expect(r.userErrors.map((e) => e.code)).toEqual(['OUT_OF_STOCK']);
    expect(placed.length).toBeGreaterThanOrEqual(10);
    const statuses = await Promise.all(placed.map((id) => settled(id, net.retailer.token)));
    const confirmed = statuses.filter((o) => o?.status === 'CONFIRMED');
    expect(confirmed).toHaveLength(10);
    for (const o of statuses.filter((x) => x?.status !== 'CONFIRMED')) {
      expect(o?.status).toBe('FAILED');
      expect(o?.statusReason).toMatch(/has only \d+ of/);
    }
    const picture = await eventually(
      () => stockPicture(s.db, net.supplier.orgId),
      (p) => p.levels.get(variant.variantId)?.reserved === 10,
      10_000,
      '10 units reserved',
    );
    expect(picture.violations).toEqual([]);
    expect(picture.levels.get(variant.variantId)).toEqual({ onHand: 10, reserved: 10 });
  }, 120_000);

  it('the same idempotency key ×10 concurrently creates one order', async () => {
    const cartId = await cartWith(gql, net.slug, [{ listingId: net.items[5]!.listingId, quantity: 1 }]);
    const count = async () =>
      (await gql(`{ orders(first: 0) { totalCount } }`, {}, net.retailer.token)).data?.orders
        .totalCount as number;
    const before = await count();
    const results = await Promise.all(
      Array.from({ length: 10 }, () => checkout(gql, cartId, { idempotencyKey: 'one-order-please' })),
    );
    expect(results.flatMap((r) => r.userErrors)).toEqual([]);
    expect(new Set(results.map((r) => r.order?.id)).size).toBe(1);
    expect(new Set(results.map((r) => r.orderAccessToken)).size).toBe(1);
    expect(await count()).toBe(before + 1);
    // The same key with another cart is a CONFLICT.
    const other = await cartWith(gql, net.slug, [{ listingId: net.items[5]!.listingId, quantity: 1 }]);
    const conflict = await checkout(gql, other, { idempotencyKey: 'one-order-please' });
    expect(conflict.order).toBeNull();
    expect(conflict.userErrors.map((e) => e.code)).toEqual(['CONFLICT']);
  }, 60_000);
});

describe('each party sees its own view, nobody else anything', () => {
  let net: Network;
  let second: Awaited<ReturnType<typeof addPartners>>;
  let other: Network;
  let customer: string;
  let otherCustomer: string;
  let customerOrder: string;
  let guestOrder: { id: string; token: string };
  let otherGuest: { id: string; token: string };

  const VIEW = `query($id: ID!, $t: String) { order(id: $id, accessToken: $t) {
    id email customerId shippingAddress total { amount }
    lines { quantity brand { id } supplier { id } }
    groups { supplier { id } lines { quantity } }
  } }`;
  const view = async (id: string, token?: string, accessToken?: string) => {
    const r = await gql(VIEW, { id, t: accessToken ?? null }, token);
    expect(r.errors).toBeUndefined();
    return r.data?.order ?? null;
  };
  const listed = async (token?: string) => {
    const r = await gql(`{ orders(first: 100) { nodes { id } totalCount } }`, {}, token);
    expect(r.errors).toBeUndefined();
    return ((r.data?.orders.nodes ?? []) as { id: string }[]).map((o) => o.id);
  };

  beforeAll(async () => {
    s = await startStack(NETWORK_ENV, { processLikeEventWakeups: true });
    gql = (q, v = {}, t) => s.gql(q, v, t);
    net = await buildNetwork(gql, 'view', [10]);
    second = await addPartners(gql, net, 'view2', [10]);
    other = await buildNetwork(gql, 'elsewhere', [10]);
    customer = await registerCustomer(gql, 'cass@customer.test');
    otherCustomer = await registerCustomer(gql, 'otto@customer.test');
    const lines = [
      { listingId: net.items[0]!.listingId, quantity: 2 },
      { listingId: second.items[0]!.listingId, quantity: 1 },
    ];
    const mine = await checkout(gql, await cartWith(gql, net.slug, lines, customer), { token: customer });
    expect(mine.userErrors).toEqual([]);
    expect(mine.orderAccessToken).toBeNull();
    customerOrder = mine.order!.id;
    const guest = await checkout(gql, await cartWith(gql, net.slug, lines));
    guestOrder = { id: guest.order!.id, token: guest.orderAccessToken! };
    const og = await checkout(
      gql,
      await cartWith(gql, other.slug, [{ listingId: other.items[0]!.listingId, quantity: 1 }]),
    );
    otherGuest = { id: og.order!.id, token: og.orderAccessToken! };
    for (const id of [customerOrder, guestOrder.id])
      expect((await settled(id, net.retailer.token))?.status).toBe('CONFIRMED');
  }, 180_000);
  afterAll(async () => s?.stop());

  it('the retailer sees the whole order; each supplier its group; each brand its lines', async () => {
    const whole = await view(customerOrder, net.retailer.token);
    expect(whole).toMatchObject({
      id: customerOrder,
      email: 'shopper@example.test',
      total: { amount: '75.00' },
    });
    expect(whole.customerId).toBeTruthy();
    expect(whole.shippingAddress).toContain('Utrecht');
    expect(whole.lines).toHaveLength(2);
    expect(whole.groups).toHaveLength(2);
    expect(await listed(net.retailer.token)).toEqual(expect.arrayContaining([customerOrder, guestOrder.id]));

    for (const [sup, qty] of [
      [net.supplier, 2],
      [second.supplier, 1],
    ] as const) {
      const o = await view(customerOrder, sup.token);
      expect(o, sup.name).toMatchObject({
        email: null,
        customerId: null,
        total: { amount: `${qty * 25}.00` },
      });
      expect(o.lines).toEqual([
        { quantity: qty, brand: { id: expect.any(String) }, supplier: { id: sup.orgId } },
      ]);
      expect(o.groups).toEqual([{ supplier: { id: sup.orgId }, lines: [{ quantity: qty }] }]);
      expect(await listed(sup.token)).toEqual(expect.arrayContaining([customerOrder, guestOrder.id]));
    }
    for (const [brand, qty] of [
      [net.brand, 2],
      [second.brand, 1],
    ] as const) {
      const o = await view(customerOrder, brand.token);
      expect(o, brand.name).toMatchObject({ shippingAddress: null, email: null });
      expect(o.lines).toEqual([
        { quantity: qty, brand: { id: brand.orgId }, supplier: { id: expect.any(String) } },
      ]);
      expect(await listed(brand.token)).toEqual(expect.arrayContaining([customerOrder]));
    }
  });

  it('the customer sees their own order; a guest sees theirs with its token', async () => {
    const o = await view(customerOrder, customer);
    expect(o.lines).toHaveLength(2);
    expect(await listed(customer)).toEqual([customerOrder]);
    const g = await view(guestOrder.id, undefined, guestOrder.token);
    expect(g).toMatchObject({ id: guestOrder.id, customerId: null });
    expect(g.lines).toHaveLength(2);
    expect(await view(guestOrder.id)).toBeNull();
  });

  it('another tenant, another customer and another guest see nothing, whatever ids they send', async () => {
    const strangers = {
      retailer: other.retailer.token,
      supplier: other.supplier.token,
      brand: other.brand.token,
      customer: otherCustomer,
      anonymous: undefined,
    };
    for (const [who, token] of Object.entries(strangers)) {
      for (const id of [customerOrder, guestOrder.id]) {
        expect(await view(id, token), who).toBeNull();
        expect(await view(id, token, otherGuest.token), `${who} with another guest's token`).toBeNull();
      }
      expect(await listed(token), who).not.toEqual(expect.arrayContaining([customerOrder]));
      expect(await listed(token), who).not.toEqual(expect.arrayContaining([guestOrder.id]));
    }
    // The other guest's token opens only its own order.
    expect(await view(otherGuest.id, undefined, otherGuest.token)).not.toBeNull();
    expect(await view(guestOrder.id, undefined, otherGuest.token)).toBeNull();
    expect(await view(guestOrder.id, undefined, `${guestOrder.token.slice(0, -1)}x`)).toBeNull();
    // Forged and malformed ids, even for the retailer that owns the real order.
    const forged = [
      `${customerOrder.slice(0, -1)}${customerOrder.endsWith('0') ? '1' : '0'}`,
      'ord_00000000000000000000000000000000',
      'ofg_not-an-order',
      "ord_' or 1=1 --",
    ];
    for (const id of forged) {
      expect(await view(id, net.retailer.token), id).toBeNull();
      expect(await view(id, undefined, guestOrder.token), id).toBeNull();
    }
    // The router's public surface has no _entities: a stranger cannot ask orders to resolve a reference.
    const entities = await gql(
      `query($r: [_Any!]!) { _entities(representations: $r) { ... on Order { id email lines { quantity } } } }`,
      { r: [{ __typename: 'Order', id: customerOrder }] },
      other.retailer.token,
    );
    expect(entities.errors?.length).toBeGreaterThan(0);
    expect(JSON.stringify(entities.data ?? null)).not.toContain(customerOrder);
    // Nor through a type that references orders: another supplier's queue does not list these groups.
    const queue = await gql(
      `{ fulfillmentGroups(first: 100) { nodes { order { id } } } }`,
      {},
      other.supplier.token,
    );
    expect(JSON.stringify(queue.data)).not.toContain(customerOrder);
  });
});

describe('a supplier that does not answer in time', () => {
  let net: Network;
  beforeAll(async () => {
    s = await startStack(NETWORK_ENV, {
      processLikeEventWakeups: true,
      subgraphEnv: {
        orders: { ORDERS_RESERVATION_DEADLINE_MS: '1500', ORDERS_SAGA_SWEEP_INTERVAL_MS: '200' },
        supplier: { SUPPLIER_FULFILLMENT_DELAY_MS: '4000' },
      },
    });
    gql = (q, v = {}, t) => s.gql(q, v, t);
    net = await buildNetwork(gql, 'slow', [5]);
  }, 120_000);
  afterAll(async () => {
    expect(await ledgerViolations(s.db)).toEqual([]);
    await s?.stop();
  });

  it('is compensated: the order FAILS with a clear reason and the late reservation is released', async () => {
    const variant = net.items[0]!;
    const placed = await checkout(
      gql,
      await cartWith(gql, net.slug, [{ listingId: variant.listingId, quantity: 2 }]),
    );
    expect(placed.userErrors).toEqual([]);
    const id = placed.order!.id;
    const failed = await settled(id, net.retailer.token);
    expect(failed?.status).toBe('FAILED');
    expect(failed?.statusReason).toMatch(/slow Supply Co\. did not answer in time/);
    // The supplier answers after the deadline; the release the saga sent frees whatever it reserved.
    const picture = await eventually(
      async () => ({
        p: await stockPicture(s.db, net.supplier.orgId),
        o: await statusOf(id, net.retailer.token),
      }),
      ({ p }) => p.levels.get(variant.variantId)?.reserved === 0 && p.violations.length === 0,
      15_000,
      'the late reservation released',
    );
    expect(picture.p.levels.get(variant.variantId)).toEqual({ onHand: 5, reserved: 0 });
    expect(picture.o?.status).toBe('FAILED');
    expect((await entriesOf(gql, net.retailer.token)).filter((e) => e.orderId === id)).toEqual([]);
  }, 60_000);
});
