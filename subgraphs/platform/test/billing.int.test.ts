import type { OrderPlacedPayload } from '@tradegraph/contracts';
import { newId } from '@tradegraph/shared';
import { errorCode, eventually, member } from '@tradegraph/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ASSIGN_PLAN,
  deliverTo,
  GENERATE_INVOICES,
  INVOICES,
  organizationCreated,
  type PlatformHarness,
  staff,
  startPlatform,
} from './harness.ts';

let h: PlatformHarness;
beforeAll(async () => {
  h = await startPlatform();
});
afterAll(() => h?.stop());

/** An order of `totalMinor` placed at `placedAt` by `retailerId` (one line, brand and supplier given). */
async function placeOrder(
  retailerId: string,
  totalMinor: number,
  placedAt: string,
  parties = { brandId: 'org_b', supplierId: 'org_s' },
) {
  const orderId = newId('ord');
  const payload: OrderPlacedPayload = {
    orderId,
    number: `TG-${orderId.slice(-6)}`,
    cartId: newId('crt'),
    retailerId,
    storefrontId: newId('sto'),
    customerId: null,
    currencyCode: 'EUR',
    totalMinor: String(totalMinor),
    lines: [
      {
        orderLineId: newId('oln'),
        listingId: newId('lst'),
        variantId: 'var_1',
        brandId: parties.brandId,
        supplierId: parties.supplierId,
        groupId: newId('grp'),
        quantity: 1,
        unitPriceMinor: String(totalMinor),
        wholesaleUnitMinor: String(Math.floor(totalMinor / 2)),
        title: 'Thing',
      },
    ],
    groups: [],
    placedAt,
  };
  await deliverTo(h, 'orders.order.placed', payload, {
    aggregateId: orderId,
    orgId: retailerId,
    occurredAt: new Date(placedAt),
  });
  return orderId;
}

async function confirm(orderId: string, retailerId: string, at: string) {
  await deliverTo(
    h,
    'orders.order.status-changed',
    {
      orderId,
      number: 'TG-x',
      retailerId,
      customerId: null,
      brandIds: [],
      supplierIds: [],
      previousStatus: 'PAYMENT_AUTHORIZED',
      status: 'CONFIRMED',
      reason: null,
      actor: { kind: 'SYSTEM', id: null },
      at,
    },
    { aggregateId: orderId, orgId: retailerId, occurredAt: new Date(at) },
  );
}

describe('monthly invoices', () => {
  it('bills a month of orders: the plan fee, and the confirmed sales of that month with the fee payments already withheld, once', async () => {
    const admin = staff();
    const retailer = await organizationCreated(h, 'RETAILER');
    const brand = await organizationCreated(h, 'BRAND');
    await h.call(ASSIGN_PLAN, { input: { organizationId: retailer, planId: 'pln_standard' } }, admin);
    // both subscribed before the billed month (2025-03)
    await h.sql(
      "update subscriptions set started_at = '2025-01-15 00:00:00' where organization_id in (?, ?)",
      [retailer, brand],
    );

    // independent orders travel in parallel (each order's own events stay in order)
    const [a, b, , c] = await Promise.all([
      placeOrder(retailer, 10_000, '2025-03-02T10:00:00.000Z'),
      placeOrder(retailer, 4_999, '2025-03-31T23:00:00.000Z'),
      placeOrder(retailer, 50_000, '2025-03-10T10:00:00.000Z'), // never confirmed: not billed
      placeOrder(retailer, 7_777, '2025-03-31T23:30:00.000Z'),
    ]);
    await Promise.all([
      confirm(a, retailer, '2025-03-02T10:00:05.000Z'),
      confirm(b, retailer, '2025-03-31T23:59:59.000Z'),
      confirm(c, retailer, '2025-04-01T00:00:01.000Z'), // confirmed in April: April's sales
    ]);
    await confirm(a, retailer, '2025-03-02T10:00:06.000Z'); // a second confirmation of one order counts once

    const run = await h.call(GENERATE_INVOICES, { input: { month: '2025-03' } }, admin);
    expect(run.data.generateInvoices).toEqual({ issued: 2, userErrors: [] });
    const again = await h.call(GENERATE_INVOICES, { input: { month: '2025-03' } }, admin);
    expect(again.data.generateInvoices).toEqual({ issued: 0, userErrors: [] });

    const own = await h.call(INVOICES, {}, member(retailer, 'RETAILER'));
    expect(own.errors).toBeUndefined();
    expect(own.data.invoices.totalCount).toBe(1);
    const [invoice] = own.data.invoices.nodes;
    expect(invoice).toMatchObject({ organizationId: retailer, month: '2025-03', plan: { code: 'standard' } });
    // 10 000 + 4 999 confirmed in March = 14 999 minor units; their 2.5 % was taken in each order's
    // split by payments, so the line states the sales and the rate and charges nothing (not twice)
    expect(invoice.lines).toEqual([
      {
        kind: 'SUBSCRIPTION',
        description: 'Standard plan, 2025-03',
        amount: { amount: '49.00', currencyCode: 'EUR' },
        base: null,
        rateBps: null,
      },
      {
        kind: 'TRANSACTION_FEES',
        description: 'Transaction fees 2.50 % on EUR sales, 2025-03: withheld from each payment, nothing due',
        amount: { amount: '0.00', currencyCode: 'EUR' },
        base: { amount: '149.99', currencyCode: 'EUR' },
        rateBps: 250,
      },
    ]);
    expect(invoice.totals).toEqual([{ amount: '49.00', currencyCode: 'EUR' }]);
    const [event] = await h.outbox('platform.invoice.issued', invoice.id);
    expect(event?.payload).toMatchObject({
      organizationId: retailer,
      month: '2025-03',
      totals: [{ amountMinor: '4900', currencyCode: 'EUR' }],
    });

    // the brand is on the default trial: a zero subscription line, no transaction fees (the retailer sells)
    const brandInvoices = await h.call(INVOICES, { filter: { month: '2025-03' } }, member(brand, 'BRAND'));
    expect(brandInvoices.data.invoices.nodes[0].totals).toEqual([{ amount: '0.00', currencyCode: 'EUR' }]);

    // one organisation never reads another's invoices; staff read all
    expect(
      errorCode(await h.call(INVOICES, { filter: { organizationId: retailer } }, member(brand, 'BRAND'))),
    ).toBe('FORBIDDEN');
    expect(errorCode(await h.call(INVOICES, {}, member(retailer, 'RETAILER', ['orders:read'])))).toBe(
      'FORBIDDEN',
    );
    const all = await h.call(INVOICES, { filter: { month: '2025-03' } }, admin);
    expect(all.data.invoices.nodes.map((i: { organizationId: string }) => i.organizationId).sort()).toEqual(
      [retailer, brand].sort(),
    );

    // April holds the order confirmed on its first second
    await h.call(GENERATE_INVOICES, { input: { month: '2025-04' } }, admin);
    const april = await h.call(INVOICES, { filter: { month: '2025-04' } }, member(retailer, 'RETAILER'));
    expect(april.data.invoices.nodes[0].lines[1].base).toEqual({ amount: '77.77', currencyCode: 'EUR' });
  });

  it('refuses a month that has not ended or is malformed', async () => {
    const future = await h.call(GENERATE_INVOICES, { input: { month: '2999-01' } }, staff());
    expect(future.data.generateInvoices.userErrors).toEqual([
      { field: ['month'], message: 'Only an ended month can be invoiced', code: 'INVALID' },
    ]);
    const bad = await h.call(GENERATE_INVOICES, { input: { month: '2025-3' } }, staff());
    expect(bad.data.generateInvoices.userErrors[0].code).toBe('INVALID');
  });
});

describe('invoice scheduler', () => {
  it("issues the previous month's invoices on its own", async () => {
    const scheduled = await startPlatform({ PLATFORM_INVOICE_INTERVAL_MS: '100' });
    try {
      const org = await organizationCreated(scheduled, 'SUPPLIER');
      await scheduled.sql(
        "update subscriptions set started_at = '2020-01-01 00:00:00' where organization_id = ?",
        [org],
      );
      const now = new Date();
      const month = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 1, 1))
        .toISOString()
        .slice(0, 7);
      const rows = await eventually(
        () => scheduled.sql('select month from invoices where organization_id = ?', [org]),
        (r) => r.length > 0,
        { what: 'the scheduler issued the invoice', timeoutMs: 20_000 },
      );
      expect(rows).toEqual([{ month }]);
    } finally {
      await scheduled.stop();
    }
  });
});
