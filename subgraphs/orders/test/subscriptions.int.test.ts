import type { Principal } from '@tradegraph/shared';
import { customer, member, orgId } from '@tradegraph/testing';
import { type Client, createClient } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import {
  CHECKOUT,
  checkoutInput,
  type OrdersHarness,
  reply,
  reservationRequests,
  seedScenario,
  startOrders,
} from './harness.ts';

const FOLLOW = `subscription ($orderId: ID, $token: String) {
  orderStatusChanged(orderId: $orderId, accessToken: $token) { previousStatus status reason at order { id status lines { quantity } } }
}`;

let h: OrdersHarness;
const clients: Client[] = [];
beforeAll(async () => {
  h = await startOrders();
});
afterAll(async () => {
  for (const c of clients) await c.dispose();
  await h?.stop();
});

/** A graphql-ws connection as the router opens it: its own token in connection_init. */
function connect(): Client {
  const client = createClient({
    url: h.service.url.replace('http', 'ws'),
    webSocketImpl: WebSocket,
    connectionParams: async () => ({ internalToken: await h.keys.sign('orders', { kind: 'router' }) }),
    retryAttempts: 0,
    lazy: false,
  });
  clients.push(client);
  return client;
}

interface Received {
  data: any[];
  errors: any[];
  liveEvents: { id: string; at: number }[];
  done: Promise<void>;
}

/** Subscribes as `as` (its internal token in the subscribe message's extensions). */
async function follow(
  client: Client,
  as: Principal,
  variables: Record<string, unknown> = {},
  resume?: { afterEventId?: string; since?: number },
): Promise<Received> {
  const internalToken = await h.keys.sign('orders', as);
  const received: Received = { data: [], errors: [], liveEvents: [], done: Promise.resolve() };
  received.done = new Promise<void>((resolve) => {
    client.subscribe(
      { query: FOLLOW, variables, extensions: { internalToken, ...(resume ? { resume } : {}) } },
      {
        next: (r) => {
          if (r.data) received.data.push((r.data as any).orderStatusChanged);
          if (r.errors) received.errors.push(...r.errors);
          const live = (r.extensions as any)?.liveEvent;
          if (live) received.liveEvents.push(live);
        },
        error: (err) => {
          received.errors.push(...(Array.isArray(err) ? err : [err]));
          resolve();
        },
        complete: resolve,
      },
    );
  });
  return received;
}

const waitUntil = async (check: () => boolean, ms = 10_000) => {
  const until = Date.now() + ms;
  while (!check()) {
    if (Date.now() > until) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 25));
  }
};

async function placeOrder(retailerId?: string, customerId?: string) {
  const supplierId = orgId();
  const s = await seedScenario(h, {
    ...(retailerId ? { retailerId } : {}),
    ...(customerId ? { customerId } : {}),
    lines: [
      { priceMinor: 2000, quantity: 2, suppliers: [{ id: supplierId, wholesaleMinor: 1000, stock: 10 }] },
    ],
  });
  const principal = customerId ? customer(customerId) : undefined;
  const res = await h.call(CHECKOUT, { input: checkoutInput(s.cartId) }, principal);
  const { order, orderAccessToken } = res.data.checkout;
  return { s, supplierId, orderId: order.id as string, token: orderAccessToken as string };
}

describe('orderStatusChanged over graphql-ws', () => {
  it('a retailer follows its orders in order, a supplier the routed ones, another tenant sees nothing', async () => {
    const retailerId = orgId();
    const client = connect();
    const own = await follow(client, member(retailerId, 'RETAILER'));
    const other = await follow(client, member(orgId(), 'RETAILER'));
    await new Promise((r) => setTimeout(r, 100));
    const { orderId, supplierId } = await placeOrder(retailerId);
    const supplier = await follow(client, member(supplierId, 'SUPPLIER'));
    await waitUntil(() => own.data.length >= 1);
    const groups = await reservationRequests(h, orderId);
    await reply.reserved(h, orderId, groups[0]!);
    await waitUntil(() => own.data.length >= 2 && supplier.data.length >= 1);
    expect(own.data.map((d) => [d.previousStatus, d.status])).toEqual([
      [null, 'PENDING'],
      ['PENDING', 'STOCK_RESERVED'],
    ]);
    expect(own.data[0].order).toMatchObject({ id: orderId, lines: [{ quantity: 2 }] });
    expect(own.liveEvents).toHaveLength(2);
    expect(supplier.data.map((d) => d.status)).toEqual(['STOCK_RESERVED']);
    expect(other.data).toEqual([]);
    expect(own.errors).toEqual([]);
  });

  it('a guest follows one order with its token; without it, or for an order it may not see, the subscription fails', async () => {
    const { orderId, token } = await placeOrder();
    const client = connect();
    const guest = await follow(client, { kind: 'anonymous' }, { orderId, token });
    const noToken = await follow(client, { kind: 'anonymous' }, { orderId });
    const everything = await follow(client, { kind: 'anonymous' });
    await noToken.done;
    await everything.done;
    expect(noToken.errors[0]).toMatchObject({ extensions: { code: 'NOT_FOUND' } });
    expect(everything.errors[0]).toMatchObject({ extensions: { code: 'FORBIDDEN' } });
    await reply.reserved(h, orderId, (await reservationRequests(h, orderId))[0]!);
    await waitUntil(() => guest.data.length >= 1);
    expect(guest.data[0]).toMatchObject({ status: 'STOCK_RESERVED', order: { id: orderId } });
  });

  it('a resuming subscriber gets the buffered events after the one it names', async () => {
    const retailerId = orgId();
    const client = connect();
    const first = await follow(client, member(retailerId, 'RETAILER'));
    await new Promise((r) => setTimeout(r, 100));
    const { orderId } = await placeOrder(retailerId);
    await waitUntil(() => first.data.length >= 1);
    await reply.reserved(h, orderId, (await reservationRequests(h, orderId))[0]!);
    await waitUntil(() => first.data.length >= 2);
    const resumed = await follow(
      client,
      member(retailerId, 'RETAILER'),
      {},
      {
        afterEventId: first.liveEvents[0]!.id,
      },
    );
    await waitUntil(() => resumed.data.length >= 1);
    expect(resumed.data.map((d) => d.status)).toEqual(['STOCK_RESERVED']);
    expect(resumed.liveEvents[0]!.id).toBe(first.liveEvents[1]!.id);
  });

  it('refuses a connection without a valid internal token', async () => {
    const client = createClient({
      url: h.service.url.replace('http', 'ws'),
      webSocketImpl: WebSocket,
      connectionParams: { internalToken: 'forged' },
      retryAttempts: 0,
    });
    clients.push(client);
    const closed = new Promise<number>((resolve) =>
      client.on('closed', (e) => resolve((e as { code: number }).code)),
    );
    client.subscribe({ query: FOLLOW }, { next: () => {}, error: () => {}, complete: () => {} });
    expect(await closed).toBe(4403);
  });
});
