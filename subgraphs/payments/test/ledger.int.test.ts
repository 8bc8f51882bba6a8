import { ANONYMOUS, errorCode, member, orgId } from '@tradegraph/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  authorization,
  CREATE_PAYOUT,
  command,
  expectLedgerBalanced,
  LEDGER_BALANCE,
  LEDGER_ENTRIES,
  type PaymentsHarness,
  parties,
  refund,
  startPayments,
} from './harness.ts';

let h: PaymentsHarness;
beforeAll(async () => {
  h = await startPayments();
});
afterAll(() => h?.stop());
afterEach(() => expectLedgerBalanced(h));

async function capturedOrder(p = parties()) {
  const auth = authorization(p);
  await command(h, 'orders.payment.authorization-requested', auth, auth.orderId);
  await command(
    h,
    'orders.payment.capture-requested',
    { orderId: auth.orderId, paymentId: auth.paymentId, amountMinor: auth.amountMinor, currencyCode: 'EUR' },
    auth.orderId,
  );
  return { p, auth };
}

describe('ledgerBalance and ledgerEntries', () => {
  it("shows each organisation only its own account; platform staff see the platform's revenue", async () => {
    const { p, auth } = await capturedOrder();
    const supplier = member(p.supplierA, 'SUPPLIER');
    const entries = (await h.call(LEDGER_ENTRIES, {}, supplier)).data.ledgerEntries;
    expect(entries.totalCount).toBe(1);
    expect(entries.nodes[0]).toMatchObject({
      kind: 'CAPTURE',
      amount: { amount: '60.00', currencyCode: 'EUR' },
      orderId: auth.orderId,
      referenceId: auth.paymentId,
    });
    // another organisation (another tenant) sees nothing of it
    const stranger = member(orgId(), 'SUPPLIER');
    expect((await h.call(LEDGER_ENTRIES, {}, stranger)).data.ledgerEntries.totalCount).toBe(0);
    expect((await h.call(LEDGER_BALANCE, {}, stranger)).data.ledgerBalance).toEqual({
      amount: '0.00',
      currencyCode: 'EUR',
    });
    // the brand sees only its commission, not the supplier's share
    const brand = (await h.call(LEDGER_ENTRIES, {}, member(p.brand, 'BRAND'))).data.ledgerEntries;
    expect(brand.nodes.map((n: { amount: { amount: string } }) => n.amount.amount)).toEqual(['6.99']);
    const platform = member(orgId(), 'PLATFORM');
    const revenue = Number(
      (await h.call(LEDGER_BALANCE, { currencyCode: 'EUR' }, platform)).data.ledgerBalance.amount,
    );
    expect(revenue).toBeGreaterThanOrEqual(4.19); // 3.00 + 1.19 from this order, plus other tests' orders
  });

  it('pages entries oldest first and filters them by date', async () => {
    const p = parties();
    for (let i = 0; i < 3; i++) await capturedOrder(p);
    const as = member(p.retailer, 'RETAILER');
    const first = (await h.call(LEDGER_ENTRIES, { first: 2 }, as)).data.ledgerEntries;
    expect(first.totalCount).toBe(3);
    expect(first.nodes).toHaveLength(2);
    expect(first.pageInfo.hasNextPage).toBe(true);
    const second = (await h.call(LEDGER_ENTRIES, { first: 2, after: first.pageInfo.endCursor }, as)).data
      .ledgerEntries;
    expect(second.nodes).toHaveLength(1);
    expect(second.pageInfo.hasNextPage).toBe(false);
    expect(new Set([...first.nodes, ...second.nodes].map((n: { id: string }) => n.id)).size).toBe(3);
    const future = new Date(Date.now() + 60_000).toISOString();
    expect(
      (await h.call(LEDGER_ENTRIES, { filter: { from: future } }, as)).data.ledgerEntries.totalCount,
    ).toBe(0);
    expect((await h.call(LEDGER_ENTRIES, { filter: { to: future } }, as)).data.ledgerEntries.totalCount).toBe(
      3,
    );
  });

  it('needs billing:read, and a signed-in organisation', async () => {
    expect(errorCode(await h.call(LEDGER_BALANCE, {}, ANONYMOUS))).toBe('UNAUTHENTICATED');
    expect(errorCode(await h.call(LEDGER_BALANCE, {}, member(orgId(), 'BRAND', ['org:read'])))).toBe(
      'FORBIDDEN',
    );
    expect(errorCode(await h.call(LEDGER_ENTRIES, {}, member(orgId(), 'BRAND', ['org:read'])))).toBe(
      'FORBIDDEN',
    );
    expect(errorCode(await h.call(LEDGER_BALANCE, { currencyCode: 'eur' }, member(orgId(), 'BRAND')))).toBe(
      'BAD_USER_INPUT',
    );
  });
});

describe('createPayout', () => {
  it('pays out the whole balance once per idempotency key, announces payments.payout.paid, and leaves zero', async () => {
    const { p, auth } = await capturedOrder();
    // a partial refund first: the payout is what is left
    await command(
      h,
      'orders.refund.requested',
      refund(auth, [{ orderLineId: 'line_1', amountMinor: '5000' }]),
      auth.orderId,
    );
    const as = member(p.supplierA, 'SUPPLIER');
    expect((await h.call(LEDGER_BALANCE, {}, as)).data.ledgerBalance.amount).toBe('30.00');
    const input = { currencyCode: 'EUR', idempotencyKey: 'payout-1' };
    const res = await h.call(CREATE_PAYOUT, { input }, as);
    expect(res.data.createPayout.userErrors).toEqual([]);
    const payout = res.data.createPayout.payout;
    expect(payout).toMatchObject({ amount: { amount: '30.00', currencyCode: 'EUR' }, status: 'PAID' });
    const again = await h.call(CREATE_PAYOUT, { input }, as);
    expect(again.data.createPayout.payout.id).toBe(payout.id);
    const [event] = await h.outbox('payments.payout.paid', payout.id);
    expect(event?.payload).toEqual({
      payoutId: payout.id,
      organizationId: p.supplierA,
      amountMinor: '3000',
      currencyCode: 'EUR',
    });
    expect(event?.orgId).toBe(p.supplierA);
    expect(await h.outbox('payments.payout.paid', payout.id)).toHaveLength(1);
    expect((await h.call(LEDGER_BALANCE, {}, as)).data.ledgerBalance.amount).toBe('0.00');
    const kinds = (await h.call(LEDGER_ENTRIES, {}, as)).data.ledgerEntries.nodes.map(
      (n: { kind: string; amount: { amount: string } }) => `${n.kind} ${n.amount.amount}`,
    );
    expect(kinds).toEqual(['CAPTURE 60.00', 'REFUND -30.00', 'PAYOUT -30.00']);
    // nothing left: NOTHING_TO_PAY_OUT; the same key in another currency: CONFLICT
    const empty = await h.call(
      CREATE_PAYOUT,
      { input: { currencyCode: 'EUR', idempotencyKey: 'payout-2' } },
      as,
    );
    expect(empty.data.createPayout.userErrors[0].code).toBe('NOTHING_TO_PAY_OUT');
    const conflict = await h.call(
      CREATE_PAYOUT,
      { input: { currencyCode: 'USD', idempotencyKey: 'payout-1' } },
      as,
    );
    expect(conflict.data.createPayout.userErrors[0].code).toBe('CONFLICT');
  });

  it('two concurrent payouts with different keys pay the balance once', async () => {
    const { p } = await capturedOrder();
    const as = member(p.supplierB, 'SUPPLIER');
    const results = await Promise.all(
      ['a', 'b'].map((k) => h.call(CREATE_PAYOUT, { input: { currencyCode: 'EUR', idempotencyKey: k } }, as)),
    );
    const paid = results.filter((r) => r.data?.createPayout?.payout);
    expect(paid).toHaveLength(1);
    expect(paid[0]!.data.createPayout.payout.amount.amount).toBe('25.00');
    expect((await h.call(LEDGER_BALANCE, {}, as)).data.ledgerBalance.amount).toBe('0.00');
  });

  it('validates its input and refuses platform organisations and callers without billing:manage', async () => {
    const as = member(orgId(), 'RETAILER');
    const bad = await h.call(CREATE_PAYOUT, { input: { currencyCode: 'euro', idempotencyKey: 'k' } }, as);
    expect(bad.data.createPayout.userErrors[0]).toMatchObject({ code: 'INVALID', field: ['currencyCode'] });
    const blank = await h.call(CREATE_PAYOUT, { input: { currencyCode: 'EUR', idempotencyKey: ' ' } }, as);
    expect(blank.data.createPayout.userErrors[0].code).toBe('REQUIRED');
    const input = { currencyCode: 'EUR', idempotencyKey: 'k' };
    expect(errorCode(await h.call(CREATE_PAYOUT, { input }, member(orgId(), 'PLATFORM')))).toBe('FORBIDDEN');
    expect(
      errorCode(await h.call(CREATE_PAYOUT, { input }, member(orgId(), 'RETAILER', ['billing:read']))),
    ).toBe('FORBIDDEN');
  });
});
