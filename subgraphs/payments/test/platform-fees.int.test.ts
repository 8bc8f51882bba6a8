import type { SubscriptionChangedPayload } from '@tradegraph/contracts';
import { member } from '@tradegraph/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  authorization,
  command,
  expectLedgerBalanced,
  LEDGER_BALANCE,
  type PaymentsHarness,
  parties,
  startPayments,
} from './harness.ts';

// the default fee is set explicitly, so the expectations below do not depend on the variable's default
let h: PaymentsHarness;
beforeAll(async () => {
  h = await startPayments({ PAYMENTS_PLATFORM_FEE_BPS: '300', PAYMENTS_BRAND_COMMISSION_BPS: '500' });
});
afterAll(() => h?.stop());
afterEach(() => expectLedgerBalanced(h));

/** Platform announces the retailer's subscription on a plan with `transactionFeeBps`, at `at`. */
function subscriptionChanged(retailerId: string, transactionFeeBps: number, at: Date) {
  const payload: SubscriptionChangedPayload = {
    organizationId: retailerId,
    planId: `pln_${transactionFeeBps}`,
    planCode: `plan-${transactionFeeBps}`,
    status: 'ACTIVE',
    transactionFeeBps,
    monthlyFeeMinor: '4900',
    currencyCode: 'EUR',
    trialEndsAt: null,
    changedAt: at.toISOString(),
  };
  return h.deliver('platform.subscription.changed', payload, {
    aggregateId: retailerId,
    orgId: retailerId,
    source: 'platform',
    occurredAt: at,
  });
}

/** Authorises the harness's two-line order (100.00 + 39.98) and returns the platform part of each line. */
async function platformParts(retailer: ReturnType<typeof parties>) {
  const auth = authorization(retailer);
  await command(h, 'orders.payment.authorization-requested', auth, auth.orderId);
  expect(await h.outbox('payments.payment.authorized', auth.orderId)).toHaveLength(1);
  const lines = await h.sql(
    'select order_line_id, cast(platform_minor as char) as platform from payment_lines where payment_id = ? order by order_line_id',
    [auth.paymentId],
  );
  return { auth, parts: lines.map((l) => l.platform) };
}

describe("the platform fee of a retailer's split comes from its plan", () => {
  it('splits a retailer on a 1.50 % plan with 1.50 %, down to the ledger', async () => {
    const p = parties();
    await subscriptionChanged(p.retailer, 150, new Date());
    const { auth, parts } = await platformParts(p);
    // 100.00 × 1.5 % = 1.50; 39.98 × 1.5 % = 0.5997 → 0.59
    expect(parts).toEqual(['150', '59']);
    await command(
      h,
      'orders.payment.capture-requested',
      { orderId: auth.orderId, paymentId: auth.paymentId, amountMinor: '13998', currencyCode: 'EUR' },
      auth.orderId,
    );
    // retailer: 100.00 − 60.00 − 5.00 − 1.50 = 33.50; 39.98 − 25.00 − 1.99 − 0.59 = 12.40
    const balance = await h.call(LEDGER_BALANCE, { currencyCode: 'EUR' }, member(p.retailer, 'RETAILER'));
    expect(balance.data.ledgerBalance.amount).toBe('45.90');
  });

  it('splits a retailer it has not heard of with PAYMENTS_PLATFORM_FEE_BPS', async () => {
    const known = parties();
    await subscriptionChanged(known.retailer, 150, new Date());
    const { parts } = await platformParts(parties());
    // 100.00 × 3 % = 3.00; 39.98 × 3 % = 1.1994 → 1.19
    expect(parts).toEqual(['300', '119']);
  });

  it('keeps the newest plan: an older event delivered late changes nothing, a newer one does', async () => {
    const p = parties();
    const now = Date.now();
    await subscriptionChanged(p.retailer, 150, new Date(now));
    await subscriptionChanged(p.retailer, 900, new Date(now - 60_000));
    expect(await h.sql('select fee_bps from platform_fees where organization_id = ?', [p.retailer])).toEqual([
      { fee_bps: 150 },
    ]);
    expect((await platformParts(p)).parts).toEqual(['150', '59']);

    await subscriptionChanged(p.retailer, 0, new Date(now + 1));
    expect((await platformParts(p)).parts).toEqual(['0', '0']);
  });
});
