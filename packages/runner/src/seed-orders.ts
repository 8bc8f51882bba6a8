import { graphqlRequest } from '@tradegraph/shared';

/**
 * Demo orders, placed through the public API like a shopper and the partners
 * would: carts on the first demo storefront checked out with the sandbox's
 * tokens, then moved on by the supplier (ship, deliver) or the shopper
 * (cancel), so the demo shows one order in each of CONFIRMED, SHIPPED,
 * DELIVERED, FAILED (declined card) and CANCELLED. Skipped when the retailer
 * already has orders (a re-run keeps what the first one made).
 */

export interface OrderSeedSessions {
  retailer: { token: string };
  suppliers: { token: string; orgId: string }[];
  /** The demo customer (signed in); some orders are theirs, the others guest orders. */
  customerToken: string | null;
  storefrontSlug: string;
}

type Data = Record<string, any>;

async function call(url: string, query: string, variables: Data = {}, token?: string): Promise<Data> {
  const res = await graphqlRequest(url, query, variables, token ? { token } : {});
  if (res.errors?.length)
    throw new Error(`${query.slice(0, 60)}…: ${res.errors.map((e) => e.message).join('; ')}`);
  return res.data ?? {};
}

function payloadOf(data: Data): { userErrors?: { code: string; message: string }[] } & Data {
  return Object.values(data)[0] as Data;
}

async function ok(url: string, query: string, variables: Data, token?: string): Promise<Data> {
  const p = payloadOf(await call(url, query, variables, token));
  if (p?.userErrors?.length)
    throw new Error(
      `${query.slice(0, 60)}…: ${p.userErrors.map((e) => `${e.code} ${e.message}`).join('; ')}`,
    );
  return p;
}

const ORDER = `query($id: ID!, $t: String) { order(id: $id, accessToken: $t) { id number status statusReason groups { supplier { id } } } }`;
const SETTLED = new Set(['CONFIRMED', 'FAILED', 'CANCELLED', 'SHIPPED', 'DELIVERED']);

interface Placed {
  id: string;
  number: string;
  accessToken: string | null;
  token?: string;
}

async function waitFor(url: string, o: Placed, retailerToken: string, ok: (s: string) => boolean) {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const d = await call(url, ORDER, { id: o.id }, retailerToken);
    const status: string | undefined = d.order?.status;
    if (status && ok(status))
      return d.order as {
        status: string;
        statusReason: string | null;
        groups: { supplier: { id: string } }[];
      };
    if (Date.now() > deadline) throw new Error(`order ${o.number} still ${status} after 30 s`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

export async function seedOrders(
  url: string,
  s: OrderSeedSessions,
  log: (msg: string) => void = () => {},
): Promise<void> {
  const existing = await call(url, `{ orders(first: 0) { totalCount } }`, {}, s.retailer.token);
  if (existing.orders.totalCount > 0) return;
  const page = await call(
    url,
    `query($slug: String!) { storefront(slug: $slug) { listings(filter: { available: true }, first: 60, sort: PRICE_ASC) { nodes { id title } } } }`,
    { slug: s.storefrontSlug },
  );
  const listings: { id: string; title: string }[] = page.storefront?.listings.nodes ?? [];
  let next = 0;

  /** A cart with one unit of the next listing that can be checked out now; the order as placed. */
  const place = async (key: string, paymentToken: string, asCustomer: boolean): Promise<Placed> => {
    const token = asCustomer && s.customerToken ? s.customerToken : undefined;
    while (next < listings.length) {
      const listing = listings[next++]!;
      const cart = await ok(
        url,
        `mutation($i: CreateCartInput!) { createCart(input: $i) { cart { id } userErrors { code message } } }`,
        { i: { storefrontSlug: s.storefrontSlug } },
        token,
      );
      const add = payloadOf(
        await call(
          url,
          `mutation($i: AddCartLineInput!) { addCartLine(input: $i) { cart { id } userErrors { code message } } }`,
          { i: { cartId: cart.cart.id, listingId: listing.id, quantity: 1 } },
          token,
        ),
      );
      if (add.userErrors?.length) continue;
      const out = payloadOf(
        await call(
          url,
          `mutation($i: CheckoutInput!) { checkout(input: $i) { order { id number } orderAccessToken userErrors { code message } } }`,
          {
            i: {
              cartId: cart.cart.id,
              email: 'shopper@demo.tradegraph.dev',
              shippingAddress: {
                name: 'Sasha Shopper',
                line1: 'Prinsengracht 1',
                city: 'Amsterdam',
                postalCode: '1015DV',
                country: 'NL',
              },
              paymentToken,
              idempotencyKey: `demo-${key}`,
            },
          },
          token,
        ),
      );
      // a listing no supplier can serve in a quantity of 1 (minimum order quantities): try the next one
      if (out.userErrors?.length || !out.order) continue;
      return { ...out.order, accessToken: out.orderAccessToken, ...(token ? { token } : {}) };
    }
    throw new Error('no listing of the demo storefront could be checked out');
  };

  /** The supplier ships (and, when `deliver`, delivers) every group of the order. */
  const ship = async (o: Placed, groups: { supplier: { id: string } }[], deliver: boolean) => {
    for (const g of groups) {
      const supplier = s.suppliers.find((x) => x.orgId === g.supplier.id);
      if (!supplier) throw new Error(`no demo session for supplier ${g.supplier.id}`);
      const deadline = Date.now() + 30_000;
      let group: { id: string; lines: { orderLineId: string; quantity: number }[] } | undefined;
      while (!group) {
        const q = await call(
          url,
          `{ fulfillmentGroups(filter: { status: CONFIRMED }, first: 100) { nodes { id order { id } lines { orderLineId quantity } } } }`,
          {},
          supplier.token,
        );
        group = q.fulfillmentGroups.nodes.find((n: { order: { id: string } }) => n.order.id === o.id);
        if (!group && Date.now() > deadline)
          throw new Error(`order ${o.number} never reached the supplier's queue`);
        if (!group) await new Promise((r) => setTimeout(r, 200));
      }
      const created = await ok(
        url,
        `mutation($i: CreateShipmentInput!) { createShipment(input: $i) { shipment { id } userErrors { code message } } }`,
        {
          i: {
            fulfillmentGroupId: group.id,
            carrier: 'PostNL',
            trackingNumber: `3SDEMO${o.number.replace(/\D/g, '')}`,
            lines: group.lines.map((l) => ({ orderLineId: l.orderLineId, quantity: l.quantity })),
          },
        },
        supplier.token,
      );
      await ok(
        url,
        `mutation($i: MarkShipmentShippedInput!) { markShipmentShipped(input: $i) { shipment { id } userErrors { code message } } }`,
        { i: { shipmentId: created.shipment.id } },
        supplier.token,
      );
      if (deliver)
        await ok(
          url,
          `mutation($i: MarkShipmentDeliveredInput!) { markShipmentDelivered(input: $i) { shipment { id } userErrors { code message } } }`,
          { i: { shipmentId: created.shipment.id } },
          supplier.token,
        );
    }
  };

  const settle = (o: Placed) => waitFor(url, o, s.retailer.token, (st) => SETTLED.has(st));
  const made: string[] = [];

  const confirmed = await place('confirmed', 'tok_visa', true);
  made.push(`${confirmed.number} ${(await settle(confirmed)).status}`);

  const shipped = await place('shipped', 'tok_visa', false);
  const shippedOrder = await settle(shipped);
  if (shippedOrder.status === 'CONFIRMED') await ship(shipped, shippedOrder.groups, false);
  made.push(
    `${shipped.number} ${(await waitFor(url, shipped, s.retailer.token, (st) => st !== 'CONFIRMED')).status}`,
  );

  const delivered = await place('delivered', 'tok_visa', true);
  const deliveredOrder = await settle(delivered);
  if (deliveredOrder.status === 'CONFIRMED') await ship(delivered, deliveredOrder.groups, true);
  made.push(
    `${delivered.number} ${(await waitFor(url, delivered, s.retailer.token, (st) => st === 'DELIVERED' || st === 'FAILED')).status}`,
  );

  const declined = await place('declined', 'tok_chargeDeclined', false);
  const failed = await settle(declined);
  made.push(`${declined.number} ${failed.status} (${failed.statusReason})`);

  const cancelled = await place('cancelled', 'tok_visa', false);
  await settle(cancelled);
  await ok(
    url,
    `mutation($i: CancelOrderInput!) { cancelOrder(input: $i) { order { status } userErrors { code message } } }`,
    { i: { orderId: cancelled.id, reason: 'Changed my mind', accessToken: cancelled.accessToken } },
  );
  made.push(`${cancelled.number} ${(await settle(cancelled)).status}`);
  log(`orders: ${made.join(', ')}`);
}
