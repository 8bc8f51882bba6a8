import { apiKey, customer, member, orgId } from '@tradegraph/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CHECKOUT,
  checkoutInput,
  ENTITIES,
  ORDER,
  ORDERS,
  type OrdersHarness,
  seedScenario,
  startOrders,
} from './harness.ts';

let h: OrdersHarness;
let retailerId: string;
let supplierA: string;
let supplierB: string;
let brandId: string;
let guestOrder: { id: string; token: string };
let customerOrder: string;
const shopper = customer();

beforeAll(async () => {
  h = await startOrders();
  supplierA = orgId();
  supplierB = orgId();
  const s = await seedScenario(h, {
    lines: [
      { priceMinor: 1000, quantity: 1, suppliers: [{ id: supplierA, wholesaleMinor: 500, stock: 5 }] },
      { priceMinor: 3000, quantity: 1, suppliers: [{ id: supplierB, wholesaleMinor: 900, stock: 5 }] },
    ],
  });
  retailerId = s.retailerId;
  brandId = s.brandId;
  const res = await h.call(CHECKOUT, { input: checkoutInput(s.cartId) });
  guestOrder = { id: res.data.checkout.order.id, token: res.data.checkout.orderAccessToken };
  const c = await seedScenario(h, {
    retailerId,
    customerId: shopper.kind === 'customer' ? shopper.customerId : null,
    lines: [{ priceMinor: 1000, quantity: 1, suppliers: [{ id: supplierA, wholesaleMinor: 500, stock: 5 }] }],
  });
  customerOrder = (await h.call(CHECKOUT, { input: checkoutInput(c.cartId) }, shopper)).data.checkout.order
    .id;
});
afterAll(() => h?.stop());

const order = async (id: string, as: Parameters<OrdersHarness['call']>[2], token?: string) => {
  const res = await h.call(ORDER, { id, token }, as);
  expect(res.errors).toBeUndefined();
  return res.data.order;
};

describe('who sees an order', () => {
  it('the retailer sees the whole order; another retailer, anonymous callers and wrong tokens see nothing', async () => {
    const own = await order(guestOrder.id, member(retailerId, 'RETAILER'));
    expect(own.lines).toHaveLength(2);
    expect(own.total.amount).toBe('40.00');
    expect(own.email).toBe('ada@example.com');
    expect(await order(guestOrder.id, member(orgId(), 'RETAILER'))).toBeNull();
    expect(await order(guestOrder.id, member(retailerId, 'RETAILER', ['storefronts:read']))).toBeNull();
    expect(await order(guestOrder.id, customer())).toBeNull();
    expect(await order(guestOrder.id, undefined)).toBeNull();
    expect(await order(guestOrder.id, undefined, 'oat_forged')).toBeNull();
    expect(await order(customerOrder, undefined, guestOrder.token)).toBeNull();
  });

  it('a guest sees its order with its token; a customer sees only their own', async () => {
    expect((await order(guestOrder.id, undefined, guestOrder.token)).lines).toHaveLength(2);
    expect((await order(customerOrder, shopper)).id).toBe(customerOrder);
    expect(await order(guestOrder.id, shopper)).toBeNull();
    const mine = await h.call(ORDERS, {}, shopper);
    expect(mine.data.orders.nodes.map((o: { id: string }) => o.id)).toEqual([customerOrder]);
  });

  it('a supplier sees only the lines routed to it; a brand only its products; others nothing', async () => {
    const a = await order(guestOrder.id, member(supplierA, 'SUPPLIER'));
    expect(a.lines.map((l: { supplier: { id: string } }) => l.supplier.id)).toEqual([supplierA]);
    expect(a.groups).toHaveLength(1);
    expect(a.total.amount).toBe('10.00');
    expect(a.email).toBeNull();
    expect(await order(guestOrder.id, member(orgId(), 'SUPPLIER'))).toBeNull();
    const b = await order(guestOrder.id, apiKey(brandId, 'BRAND', ['orders:read']));
    expect(b.lines).toHaveLength(2);
    expect(b.customerId).toBeNull();
    expect(await order(guestOrder.id, member(orgId(), 'BRAND'))).toBeNull();
    const listA = await h.call(ORDERS, {}, member(supplierA, 'SUPPLIER'));
    expect(listA.data.orders.totalCount).toBe(2);
    expect(listA.data.orders.nodes.find((o: { id: string }) => o.id === guestOrder.id).lines).toHaveLength(1);
    expect((await h.call(ORDERS, {}, member(supplierB, 'SUPPLIER'))).data.orders.totalCount).toBe(1);
  });

  it('lists a retailer’s orders by status; another tenant lists nothing', async () => {
    const list = await h.call(ORDERS, { status: 'PENDING' }, member(retailerId, 'RETAILER'));
    expect(list.data.orders.nodes.map((o: { id: string }) => o.id).sort()).toEqual(
      [guestOrder.id, customerOrder].sort(),
    );
    expect(
      (await h.call(ORDERS, { status: 'DELIVERED' }, member(retailerId, 'RETAILER'))).data.orders.totalCount,
    ).toBe(0);
    expect((await h.call(ORDERS, {}, member(orgId(), 'RETAILER'))).data.orders).toMatchObject({
      totalCount: 0,
      nodes: [],
    });
    expect((await h.call(ORDERS, {})).data.orders.nodes).toEqual([]);
  });

  it('__resolveReference answers only what the caller may see; forged ids are null', async () => {
    const reps = [
      { __typename: 'Order', id: guestOrder.id },
      { __typename: 'Order', id: 'ord_FORGED' },
      { __typename: 'Order', id: "ord_x' or 1=1" },
    ];
    const own = await h.call(ENTITIES, { reps }, member(retailerId, 'RETAILER'));
    expect(own.data._entities).toEqual([{ id: guestOrder.id, status: 'PENDING' }, null, null]);
    const other = await h.call(ENTITIES, { reps }, member(orgId(), 'RETAILER'));
    expect(other.data._entities).toEqual([null, null, null]);
  });
});
