import { graphqlRequest } from '@tradegraph/shared';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { eventually } from '../src/eventually.ts';
import { ledgerViolations, orderFacts, paymentStatuses, sagas, stockPicture } from '../src/invariants.ts';
import {
  buildNetwork,
  cartWith,
  checkout,
  type Gql,
  NETWORK_IDENTITY_ENV,
  type Network,
} from '../src/network.ts';
import { type ProcessStack, startProcessStack } from '../src/process-stack.ts';

/**
 * kill -9 of each saga participant in turn while checkouts stream through the
 * router: orders, payments, supplier, retailer each die mid-saga (open
 * transactions and all) and start again on the same databases. Shoppers retry
 * failed requests with the same idempotency key, as a client would. Then every
 * saga must end COMPLETED-or-on-its-way (CONFIRMED, captured, stock held) or
 * COMPENSATED (FAILED, reservations released, nothing captured), the ledger
 * must balance, and stock, reservations and movements must agree.
 */

const VICTIMS = ['orders', 'payments', 'supplier', 'retailer'];
const WORKERS = 4;
let stack: ProcessStack;
let gql: Gql;
let net: Network;

beforeAll(async () => {
  stack = await startProcessStack({
    portBase: 15_400,
    logLevel: 'error',
    env: {
      // a restarted process takes over the dead one's partitions after this lease
      EVENTS_LEASE_MS: '2000',
    },
    subgraphEnv: {
      identity: NETWORK_IDENTITY_ENV,
      orders: { ORDERS_CAPTURE_DEADLINE_MS: '5000', ORDERS_SAGA_SWEEP_INTERVAL_MS: '500' },
    },
  });
  gql = (q, v = {}, t) => graphqlRequest(stack.routerUrl, q, v, t ? { token: t } : {});
  net = await buildNetwork(gql, 'fault', [400, 400, 400]);
}, 180_000);
afterAll(async () => stack?.stop(), 60_000);

/** Retries `fn` while it throws (a subgraph down, the router answering errors) for up to `ms`. */
async function persist<T>(fn: () => Promise<T>, ms = 60_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    try {
      return await fn();
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

it('every saga ends confirmed or compensated after kill -9 of each subgraph in turn', async () => {
  const placed = new Map<string, { declined: boolean }>();
  const refused: string[] = [];
  let running = true;
  let n = 0;
  const shopper = async () => {
    while (running) {
      const i = n++;
      const declined = i % 5 === 4;
      const item = net.items[i % net.items.length]!;
      const cartId = await persist(() =>
        cartWith(gql, net.slug, [{ listingId: item.listingId, quantity: 1 + (i % 2) }]),
      );
      // the same key on every retry: a checkout that committed before its answer was lost returns its order
      const r = await persist(async () => {
        const res = await checkout(gql, cartId, {
          idempotencyKey: `fault-${i}`,
          paymentToken: declined ? 'tok_chargeDeclined' : 'tok_visa',
        });
        if (res.userErrors.some((e) => e.code === 'CONFLICT')) throw new Error('temporary conflict');
        return res;
      });
      if (r.order) placed.set(r.order.id, { declined });
      else refused.push(JSON.stringify(r.userErrors));
    }
  };
  const shoppers = Array.from({ length: WORKERS }, shopper);
  const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));
  let midSaga = 0;
  for (const victim of VICTIMS) {
    await pause(1500);
    const inFlight = (await sagas(stack.db)).filter(
      (s) => s.step !== 'FULFILLING' && s.step !== 'COMPENSATED',
    );
    midSaga += inFlight.length;
    await stack.kill(victim);
    await pause(700);
    await stack.restart(victim);
    console.log(`[faults] kill -9 ${victim} with ${inFlight.length} sagas in flight, restarted`);
  }
  await pause(1500);
  running = false;
  await Promise.all(shoppers);
  expect(refused).toEqual([]);
  expect(placed.size).toBeGreaterThan(20);
  expect(midSaga).toBeGreaterThan(0);

  // Every saga reaches an end: FULFILLING (confirmed and captured, waiting for shipments) or COMPENSATED.
  const done = await eventually(
    () => sagas(stack.db),
    (list) => list.every((s) => s.step === 'FULFILLING' || s.step === 'COMPENSATED'),
    90_000,
    'every saga at rest',
  );
  const payments = await paymentStatuses(stack.db);
  const facts = await orderFacts(stack.db);
  expect(facts.duplicateKeys).toEqual([]);
  // Orders the shoppers saw are all there, and nothing else (a lost answer was retried into the same order).
  expect(new Set(done.map((s) => s.orderId))).toEqual(new Set(placed.keys()));
  const outcome = { confirmed: 0, compensated: 0 };
  for (const s of done) {
    const what = `${s.orderId} ${JSON.stringify(s)}`;
    if (s.step === 'FULFILLING') {
      outcome.confirmed++;
      expect(s.status, what).toBe('CONFIRMED');
      expect(placed.get(s.orderId)?.declined, what).toBe(false);
      expect(
        s.groups.every((g) => g === 'RESERVED'),
        what,
      ).toBe(true);
      expect(payments.get(s.orderId), what).toBe('CAPTURED');
      expect(facts.captures.get(s.orderId), what).toEqual({
        count: 1,
        amountMinor: facts.totals.get(s.orderId),
      });
    } else {
      outcome.compensated++;
      expect(s.status, what).toBe('FAILED');
      expect(
        s.groups.every((g) => g === 'RELEASED' || g === 'REJECTED'),
        what,
      ).toBe(true);
      expect(payments.get(s.orderId) ?? 'NONE', what).not.toBe('CAPTURED');
      expect(facts.captures.get(s.orderId), what).toBeUndefined();
    }
  }
  console.log(
    `[faults] ${placed.size} orders: ${outcome.confirmed} confirmed, ${outcome.compensated} compensated`,
  );
  // Every declined payment was compensated; most of the others went through.
  for (const [id, o] of placed)
    if (o.declined) expect(done.find((s) => s.orderId === id)?.step).toBe('COMPENSATED');
  expect(outcome.confirmed).toBeGreaterThan(0);

  expect(await ledgerViolations(stack.db)).toEqual([]);
  // Stock: levels replay their movements, reserved = ACTIVE reservations = what confirmed orders hold.
  const stock = await eventually(
    () => stockPicture(stack.db, net.supplier.orgId),
    (p) =>
      net.items.every(
        (it) => p.levels.get(it.variantId)?.reserved === (facts.reservedByOrders.get(it.variantId) ?? 0),
      ),
    20_000,
    'reservations matching the confirmed orders',
  );
  expect(stock.violations).toEqual([]);
  for (const it of net.items)
    expect(stock.levels.get(it.variantId)).toEqual({
      onHand: it.stock,
      reserved: facts.reservedByOrders.get(it.variantId) ?? 0,
    });
}, 240_000);
