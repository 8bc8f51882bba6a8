import { waitFor } from '@tradegraph/testing';
import Stripe from 'stripe';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { stripeProvider } from '../src/providers/stripe.ts';
import { type PaymentsHarness, startPayments } from './harness.ts';
import { loadFixture, startStripeFake } from './stripe-fake.ts';

const fakes: { stop: () => Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(fakes.splice(0).map((f) => f.stop()));
});

async function providerOn(fixture: string) {
  const fake = await startStripeFake(loadFixture(fixture));
  fakes.push(fake);
  const provider = stripeProvider({
    secretKey: 'sk_test_fixture',
    host: '127.0.0.1',
    port: fake.port,
    protocol: 'http',
    maxNetworkRetries: 0,
  });
  return { fake, provider };
}

describe('Stripe Connect provider (recorded fixtures on a local fake server)', () => {
  it('authorises with manual capture in the transfer group, captures, and transfers each connected share', async () => {
    const { fake, provider } = await providerOn('authorize-capture');
    const auth = await provider.authorize({
      paymentId: 'pay_1',
      orderId: 'ord_fixture',
      amountMinor: 13_998n,
      currencyCode: 'EUR',
      token: 'tok_visa',
      idempotencyKey: 'checkout-1',
      transferGroup: 'ord_fixture',
    });
    expect(auth).toEqual({ ok: true, reference: 'pi_3QfixtureAuth' });
    const captured = await provider.capture({
      reference: 'pi_3QfixtureAuth',
      amountMinor: 13_998n,
      currencyCode: 'EUR',
      idempotencyKey: 'checkout-1',
      transferGroup: 'ord_fixture',
      transfers: [
        { organizationId: 'org_supplierA', destination: 'acct_supplierA', amountMinor: 6_000n },
        { organizationId: 'org_retailer', destination: 'acct_retailer', amountMinor: 3_200n },
        // no connected account: the share stays on the platform's balance (no transfer)
        { organizationId: 'org_brand', destination: null, amountMinor: 500n },
      ],
    });
    expect(captured.transfers).toEqual([
      { organizationId: 'org_supplierA', reference: 'tr_fixtureSupplierA', amountMinor: 6_000n },
      { organizationId: 'org_retailer', reference: 'tr_fixtureRetailer', amountMinor: 3_200n },
    ]);
    expect(fake.unused).toEqual([]);
    // every call carried the secret key and an idempotency key derived from the saga's
    expect(fake.received.map((r) => [r.path, r.idempotencyKey])).toEqual([
      ['/v1/payment_methods', 'checkout-1:payment-method'],
      ['/v1/payment_intents', 'checkout-1:authorize'],
      ['/v1/payment_intents/pi_3QfixtureAuth/capture', 'checkout-1:capture'],
      ['/v1/transfers', 'checkout-1:transfer:org_supplierA'],
      ['/v1/transfers', 'checkout-1:transfer:org_retailer'],
    ]);
    expect(fake.received.every((r) => r.authorization === 'Bearer sk_test_fixture')).toBe(true);
    expect(fake.received[1]?.form['metadata[orderId]']).toBe('ord_fixture');
  });

  it('refunds the PaymentIntent and reverses each transfer by its refunded share', async () => {
    const { fake, provider } = await providerOn('refund');
    const res = await provider.refund({
      reference: 'pi_3QfixtureAuth',
      amountMinor: 2_500n,
      currencyCode: 'EUR',
      idempotencyKey: 'refund-1',
      reversals: [
        { organizationId: 'org_supplierA', transferReference: 'tr_fixtureSupplierA', amountMinor: 1_500n },
        { organizationId: 'org_retailer', transferReference: 'tr_fixtureRetailer', amountMinor: 800n },
      ],
    });
    expect(res).toEqual({ reference: 're_3QfixtureRefund' });
    expect(fake.unused).toEqual([]);
    expect(fake.received.map((r) => r.idempotencyKey)).toEqual([
      'refund-1:refund',
      'refund-1:reversal:org_supplierA',
      'refund-1:reversal:org_retailer',
    ]);
  });

  it('maps card errors to DECLINED / INSUFFICIENT_FUNDS, and cancels (voids) an authorisation', async () => {
    const { fake, provider } = await providerOn('declined');
    const base = {
      paymentId: 'pay_2',
      orderId: 'ord_2',
      amountMinor: 1_000n,
      currencyCode: 'EUR',
      idempotencyKey: 'checkout-2',
      transferGroup: 'ord_2',
    };
    expect(await provider.authorize({ ...base, token: 'pm_card_chargeDeclinedInsufficientFunds' })).toEqual({
      ok: false,
      reason: 'INSUFFICIENT_FUNDS',
      message: 'Your card has insufficient funds.',
    });
    expect(await provider.authorize({ ...base, token: 'pm_card_chargeDeclined' })).toMatchObject({
      ok: false,
      reason: 'DECLINED',
    });
    await provider.void({ reference: 'pi_3QfixtureAuth', idempotencyKey: 'checkout-1' });
    expect(fake.unused).toEqual([]);
    expect(fake.received.at(-1)?.idempotencyKey).toBe('checkout-1:void');
  });

  it('throws (the consumer retries with the same idempotency key) on an API error', async () => {
    const { provider } = await providerOn('refund');
    await expect(
      provider.capture({
        reference: 'pi_unknown',
        amountMinor: 1n,
        currencyCode: 'EUR',
        idempotencyKey: 'x',
        transferGroup: 'g',
        transfers: [],
      }),
    ).rejects.toThrow(/no fixture/);
  });
});

describe('POST /webhooks/stripe', () => {
  const secret = 'whsec_test_fixture';
  let h: PaymentsHarness;
  beforeAll(async () => {
    h = await startPayments({ STRIPE_WEBHOOK_SECRET: secret });
  });
  afterAll(() => h?.stop());

  const post = (body: string, signature?: string) =>
    fetch(new URL('/webhooks/stripe', h.service.url), {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...(signature ? { 'stripe-signature': signature } : {}),
      },
      body,
    });

  it('accepts a correctly signed event once, and rejects bad, missing and stale signatures with 400', async () => {
    const payload = JSON.stringify({
      id: 'evt_fixture_1',
      object: 'event',
      type: 'charge.refunded',
      data: { object: {} },
    });
    const good = Stripe.webhooks.generateTestHeaderString({ payload, secret });
    expect((await post(payload, good)).status).toBe(200);
    expect((await post(payload, good)).status).toBe(200);
    await waitFor(async () => (await h.sql('select id from webhook_events')).length === 1, 'webhook row');
    expect(await h.sql('select id, type from webhook_events')).toEqual([
      { id: 'evt_fixture_1', type: 'charge.refunded' },
    ]);

    const forged = Stripe.webhooks.generateTestHeaderString({ payload, secret: 'whsec_someone_else' });
    expect((await post(payload, forged)).status).toBe(400);
    // the body changed after signing
    expect((await post(payload.replace('charge.refunded', 'payout.paid'), good)).status).toBe(400);
    expect((await post(payload)).status).toBe(400);
    const stale = Stripe.webhooks.generateTestHeaderString({
      payload,
      secret,
      timestamp: Math.floor(Date.now() / 1000) - 3600,
    });
    expect((await post(payload, stale)).status).toBe(400);
    expect(await h.sql('select count(*) as n from webhook_events')).toEqual([{ n: 1 }]);
  });
});
