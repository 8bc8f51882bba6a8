import { customer, member, orgId } from '@tradegraph/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CHECKOUT,
  checkoutInput,
  type OrdersHarness,
  reservationRequests,
  SET_RULES,
  seedScenario,
  setListingPrice,
  setStock,
  startOrders,
} from './harness.ts';

let h: OrdersHarness;
beforeAll(async () => {
  h = await startOrders();
});
afterAll(() => h?.stop());

describe('checkout', () => {
  it('turns a guest cart into a PENDING order routed to the cheapest supplier, with its events and saga row', async () => {
    const cheap = orgId();
    const dear = orgId();
    const s = await seedScenario(h, {
      lines: [
        {
          priceMinor: 2500,
          quantity: 2,
          title: 'Mug',
          suppliers: [
            { id: dear, wholesaleMinor: 1200, stock: 10 },
            { id: cheap, wholesaleMinor: 1000, stock: 10 },
          ],
        },
      ],
    });
    const res = await h.call(CHECKOUT, { input: checkoutInput(s.cartId) });
    expect(res.errors).toBeUndefined();
    const { order, orderAccessToken, userErrors } = res.data.checkout;
    expect(userErrors).toEqual([]);
    expect(order).toMatchObject({
      status: 'PENDING',
      total: { amount: '50.00', currencyCode: 'EUR' },
      email: 'ada@example.com',
      customerId: null,
    });
    expect(order.id).toMatch(/^ord_/);
    expect(order.number).toMatch(/^TG-\d{6}$/);
    expect(orderAccessToken).toMatch(/^oat_/);
    expect(order.lines).toHaveLength(1);
    expect(order.lines[0]).toMatchObject({
      quantity: 2,
      supplier: { id: cheap },
      unitPrice: { amount: '25.00' },
    });
    expect(order.statusHistory).toEqual([
      { status: 'PENDING', previousStatus: null, reason: null, actor: { kind: 'GUEST', id: null } },
    ]);
    const [row] = await h.sql('select access_token_hash from orders where id = ?', [order.id]);
    expect(row!.access_token_hash).toHaveLength(64);
    expect(row!.access_token_hash).not.toContain(orderAccessToken);
    const [placed] = await h.outbox('orders.order.placed', order.id);
    expect(placed?.payload).toMatchObject({
      orderId: order.id,
      cartId: s.cartId,
      retailerId: s.retailerId,
      totalMinor: '5000',
      customerId: null,
    });
    const [changed] = await h.outbox('orders.order.status-changed', order.id);
    expect(changed?.payload).toMatchObject({
      previousStatus: null,
      status: 'PENDING',
      supplierIds: [cheap],
      brandIds: [s.brandId],
    });
    const requests = await reservationRequests(h, order.id);
    expect(requests).toHaveLength(1);
    expect(requests[0]).toMatchObject({ supplierId: cheap, lines: [{ quantity: 2 }] });
    const [saga] = await h.sql('select step, deadline from order_sagas where order_id = ?', [order.id]);
    expect(saga!.step).toBe('RESERVING');
  });

  it('gives a signed-in customer the order (no token) and splits lines into one group per supplier', async () => {
    const a = orgId();
    const b = orgId();
    const shopper = customer();
    const s = await seedScenario(h, {
      customerId: shopper.kind === 'customer' ? shopper.customerId : null,
      lines: [
        { priceMinor: 1000, quantity: 1, suppliers: [{ id: a, wholesaleMinor: 500, stock: 5 }] },
        { priceMinor: 2000, quantity: 1, suppliers: [{ id: b, wholesaleMinor: 900, stock: 5 }] },
        {
          priceMinor: 3000,
          quantity: 1,
          suppliers: [
            { id: a, wholesaleMinor: 1500, stock: 5 },
            { id: b, wholesaleMinor: 1500, stock: 5 },
          ],
        },
      ],
    });
    // another shopper cannot check this cart out
    const other = await h.call(CHECKOUT, { input: checkoutInput(s.cartId) }, customer());
    expect(other.data.checkout.userErrors[0].code).toBe('NOT_FOUND');
    const res = await h.call(CHECKOUT, { input: checkoutInput(s.cartId) }, shopper);
    const { order, orderAccessToken } = res.data.checkout;
    expect(orderAccessToken).toBeNull();
    expect(order.customerId).toBe(shopper.kind === 'customer' ? shopper.customerId : '');
    expect(order.groups).toHaveLength(2);
    expect(order.statusHistory[0].actor.kind).toBe('CUSTOMER');
  });

  it('puts the retailer priority list before price', async () => {
    const cheap = orgId();
    const preferred = orgId();
    const retailerId = orgId();
    await h.call(SET_RULES, { input: { supplierPriority: [preferred] } }, member(retailerId, 'RETAILER'));
    const s = await seedScenario(h, {
      retailerId,
      lines: [
        {
          priceMinor: 2000,
          quantity: 1,
          suppliers: [
            { id: cheap, wholesaleMinor: 100, stock: 5 },
            { id: preferred, wholesaleMinor: 900, stock: 5 },
          ],
        },
      ],
    });
    const res = await h.call(CHECKOUT, { input: checkoutInput(s.cartId) });
    expect(res.data.checkout.order.lines[0].supplier.id).toBe(preferred);
  });

  it('reports a changed price (never charges it), lack of stock and a price below cost, and writes nothing', async () => {
    const sup = orgId();
    const s = await seedScenario(h, {
      lines: [
        {
          priceMinor: 1000,
          quantity: 1,
          title: 'Mug',
          suppliers: [{ id: sup, wholesaleMinor: 500, stock: 5 }],
        },
        {
          priceMinor: 1000,
          quantity: 4,
          title: 'Plate',
          suppliers: [{ id: sup, wholesaleMinor: 500, stock: 5 }],
        },
      ],
    });
    await setListingPrice(h, {
      listingId: s.lines[0]!.listingId,
      retailerId: s.retailerId,
      variantId: s.lines[0]!.variantId,
      brandId: s.brandId,
      priceMinor: 1200,
      title: 'Mug',
    });
    const changed = await h.call(CHECKOUT, { input: checkoutInput(s.cartId) });
    expect(changed.data.checkout).toMatchObject({ order: null, orderAccessToken: null });
    expect(changed.data.checkout.userErrors).toEqual([
      { field: ['lines', '0'], code: 'PRICE_CHANGED', message: 'Mug now costs 12.00 EUR (was 10.00 EUR)' },
    ]);
    await setListingPrice(h, {
      listingId: s.lines[0]!.listingId,
      retailerId: s.retailerId,
      variantId: s.lines[0]!.variantId,
      brandId: s.brandId,
      priceMinor: 1000,
      title: 'Mug',
    });
    await setStock(h, sup, s.brandId, s.lines[1]!.variantId, 3);
    const short = await h.call(CHECKOUT, { input: checkoutInput(s.cartId) });
    expect(short.data.checkout.userErrors).toEqual([
      { field: ['lines', '1'], code: 'OUT_OF_STOCK', message: 'Plate: 4 cannot be supplied now' },
    ]);

    const costly = await seedScenario(h, {
      lines: [
        {
          priceMinor: 1000,
          quantity: 1,
          title: 'Vase',
          suppliers: [{ id: orgId(), wholesaleMinor: 950, stock: 5 }],
        },
      ],
    });
    const below = await h.call(CHECKOUT, { input: checkoutInput(costly.cartId) });
    expect(below.data.checkout.userErrors[0].code).toBe('PRICE_BELOW_COST');
    expect(await h.sql('select id from orders where cart_id in (?, ?)', [s.cartId, costly.cartId])).toEqual(
      [],
    );
  });

  it("refuses PRICE_BELOW_COST with the retailer's plan fee, and the setting for a retailer whose plan is unknown", async () => {
    /** Platform announces the retailer's plan with its transaction fee (what payments splits with). */
    const onPlan = (retailerId: string, transactionFeeBps: number) =>
      h.deliver(
        'platform.subscription.changed',
        {
          organizationId: retailerId,
          planId: `pln_${transactionFeeBps}`,
          planCode: `plan-${transactionFeeBps}`,
          status: 'ACTIVE',
          transactionFeeBps,
          monthlyFeeMinor: '0',
          currencyCode: 'EUR',
          trialEndsAt: null,
          changedAt: new Date().toISOString(),
        },
        { aggregateId: retailerId, orgId: retailerId, source: 'platform' },
      );
    const vase = (retailerId: string, wholesaleMinor: number) =>
      seedScenario(h, {
        retailerId,
        lines: [
          {
            priceMinor: 1000,
            quantity: 1,
            title: 'Vase',
            suppliers: [{ id: orgId(), wholesaleMinor, stock: 5 }],
          },
        ],
      });
    // 10.00 at 8.50 wholesale: brand 0.50 (5 %) + the default fee 0.30 (3 %) leave the retailer 0.70,
    // a 15 % plan (1.50) leaves it −0.50
    const dearPlan = orgId();
    await onPlan(dearPlan, 1500);
    const refused = await h.call(CHECKOUT, { input: checkoutInput((await vase(dearPlan, 850)).cartId) });
    expect(refused.data.checkout.userErrors).toEqual([
      { field: ['lines', '0'], code: 'PRICE_BELOW_COST', message: 'Vase cannot be sold at 10.00 EUR' },
    ]);
    const unknown = await h.call(CHECKOUT, { input: checkoutInput((await vase(orgId(), 850)).cartId) });
    expect(unknown.data.checkout.userErrors).toEqual([]);

    // 10.00 at 9.30 wholesale: the default fee leaves −0.10; a 0 % plan leaves 0.20
    const freePlan = orgId();
    await onPlan(freePlan, 0);
    const accepted = await h.call(CHECKOUT, { input: checkoutInput((await vase(freePlan, 930)).cartId) });
    expect(accepted.data.checkout.userErrors).toEqual([]);
    expect(accepted.data.checkout.order.status).toBe('PENDING');
    const byDefault = await h.call(CHECKOUT, { input: checkoutInput((await vase(orgId(), 930)).cartId) });
    expect(byDefault.data.checkout.userErrors[0].code).toBe('PRICE_BELOW_COST');
  });

  it('refuses an unknown cart and bad input', async () => {
    const res = await h.call(CHECKOUT, { input: checkoutInput('crt_NOPE') });
    expect(res.data.checkout.userErrors[0]).toMatchObject({ code: 'NOT_FOUND', field: ['cartId'] });
    const bad = await h.call(CHECKOUT, { input: { ...checkoutInput('crt_NOPE'), email: 'nope' } });
    expect(bad.data.checkout.userErrors[0]).toMatchObject({ code: 'INVALID', field: ['email'] });
  });
});

describe('idempotency', () => {
  it('the same key ten times concurrently makes one order and answers it ten times (with the same token)', async () => {
    const s = await seedScenario(h, {
      lines: [
        { priceMinor: 1500, quantity: 1, suppliers: [{ id: orgId(), wholesaleMinor: 700, stock: 50 }] },
      ],
    });
    const input = checkoutInput(s.cartId, 'same-key-x10');
    const results = await Promise.all(Array.from({ length: 10 }, () => h.call(CHECKOUT, { input })));
    for (const r of results) {
      expect(r.errors).toBeUndefined();
      expect(r.data.checkout.userErrors).toEqual([]);
    }
    const ids = new Set(results.map((r) => r.data.checkout.order.id));
    const tokens = new Set(results.map((r) => r.data.checkout.orderAccessToken));
    expect(ids.size).toBe(1);
    expect(tokens.size).toBe(1);
    expect(await h.sql('select id from orders where cart_id = ?', [s.cartId])).toHaveLength(1);
    expect(await h.outbox('orders.order.placed', [...ids][0])).toHaveLength(1);
  });

  it('the same key with another cart is CONFLICT; another key for a cart that has an order is CONFLICT', async () => {
    const a = await seedScenario(h, {
      lines: [
        { priceMinor: 1500, quantity: 1, suppliers: [{ id: orgId(), wholesaleMinor: 700, stock: 50 }] },
      ],
    });
    const b = await seedScenario(h, {
      lines: [
        { priceMinor: 1500, quantity: 1, suppliers: [{ id: orgId(), wholesaleMinor: 700, stock: 50 }] },
      ],
    });
    const first = await h.call(CHECKOUT, { input: checkoutInput(a.cartId, 'shared-key') });
    expect(first.data.checkout.userErrors).toEqual([]);
    const other = await h.call(CHECKOUT, { input: checkoutInput(b.cartId, 'shared-key') });
    expect(other.data.checkout.userErrors[0]).toMatchObject({ code: 'CONFLICT', field: ['idempotencyKey'] });
    const again = await h.call(CHECKOUT, { input: checkoutInput(a.cartId, 'another-key') });
    expect(again.data.checkout.userErrors[0]).toMatchObject({ code: 'CONFLICT', field: ['cartId'] });
  });

  it('concurrent checkouts of two carts with one key: one order, the other CONFLICT', async () => {
    const a = await seedScenario(h, {
      lines: [
        { priceMinor: 1500, quantity: 1, suppliers: [{ id: orgId(), wholesaleMinor: 700, stock: 50 }] },
      ],
    });
    const b = await seedScenario(h, {
      lines: [
        { priceMinor: 1500, quantity: 1, suppliers: [{ id: orgId(), wholesaleMinor: 700, stock: 50 }] },
      ],
    });
    const [ra, rb] = await Promise.all([
      h.call(CHECKOUT, { input: checkoutInput(a.cartId, 'race-key') }),
      h.call(CHECKOUT, { input: checkoutInput(b.cartId, 'race-key') }),
    ]);
    const codes = [ra, rb].map((r) => r.data.checkout.userErrors[0]?.code ?? 'OK').sort();
    expect(codes).toEqual(['CONFLICT', 'OK']);
    expect(await h.sql('select id from orders where idempotency_key = ?', ['race-key'])).toHaveLength(1);
  });
});
