import { member, orgId } from '@tradegraph/testing';
import { createConnection } from 'mysql2/promise';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  authorization,
  command,
  expectLedgerBalanced,
  LEDGER_BALANCE,
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

const balanceOf = async (org: string, kind: 'BRAND' | 'SUPPLIER' | 'RETAILER' | 'PLATFORM' = 'SUPPLIER') =>
  (await h.call(LEDGER_BALANCE, { currencyCode: 'EUR' }, member(org, kind))).data.ledgerBalance.amount;
const statusOf = async (paymentId: string) =>
  (await h.sql('select status from payments where id = ?', [paymentId]))[0]?.status;

describe('authorise → capture', () => {
  it('authorises with tok_visa, captures, and posts the split: each party credited its share', async () => {
    const p = parties();
    const auth = authorization(p);
    await command(h, 'orders.payment.authorization-requested', auth, auth.orderId);
    const [authorized] = await h.outbox('payments.payment.authorized', auth.orderId);
    expect(authorized?.payload).toEqual({
      orderId: auth.orderId,
      paymentId: auth.paymentId,
      amountMinor: '13998',
      currencyCode: 'EUR',
      provider: 'sandbox',
    });
    expect(authorized?.orgId).toBe(p.retailer);
    // nothing on the ledger before the capture
    expect(await balanceOf(p.supplierA)).toBe('0.00');

    await command(
      h,
      'orders.payment.capture-requested',
      { orderId: auth.orderId, paymentId: auth.paymentId, amountMinor: '13998', currencyCode: 'EUR' },
      auth.orderId,
    );
    const [captured] = await h.outbox('payments.payment.captured', auth.orderId);
    expect(captured?.payload).toMatchObject({ paymentId: auth.paymentId, amountMinor: '13998' });
    expect(await statusOf(auth.paymentId)).toBe('CAPTURED');
    // line 1: 100.00 → supplier 60.00, brand 5.00, platform 3.00, retailer 32.00
    // line 2: 39.98 → supplier 25.00, brand 1.99 (1.999 floored), platform 1.19 (1.1994), retailer 11.80
    expect(await balanceOf(p.supplierA)).toBe('60.00');
    expect(await balanceOf(p.supplierB)).toBe('25.00');
    expect(await balanceOf(p.brand, 'BRAND')).toBe('6.99');
    expect(await balanceOf(p.retailer, 'RETAILER')).toBe('43.80');
    const [tx] = await h.sql(
      "select t.id, count(*) as n from ledger_transactions t join ledger_entries e on e.transaction_id = t.id where t.kind = 'CAPTURE' and t.reference_id = ? group by t.id",
      [auth.paymentId],
    );
    // clearing, two suppliers, brand, retailer, platform
    expect(Number(tx?.n)).toBe(6);
  });

  it('answers failed DECLINED for tok_chargeDeclined and INSUFFICIENT_FUNDS for tok_insufficientFunds, nothing on the ledger', async () => {
    for (const [token, reason] of [
      ['tok_chargeDeclined', 'DECLINED'],
      ['tok_insufficientFunds', 'INSUFFICIENT_FUNDS'],
    ] as const) {
      const p = parties();
      const auth = authorization(p, { paymentToken: token });
      await command(h, 'orders.payment.authorization-requested', auth, auth.orderId);
      const [failed] = await h.outbox('payments.payment.failed', auth.orderId);
      expect(failed?.payload).toMatchObject({ orderId: auth.orderId, paymentId: auth.paymentId, reason });
      expect(failed?.payload.message).toBeTruthy();
      expect(await h.outbox('payments.payment.authorized', auth.orderId)).toEqual([]);
      expect(await statusOf(auth.paymentId)).toBe('FAILED');
      // a capture of a failed payment is refused, and nothing is posted
      await command(
        h,
        'orders.payment.capture-requested',
        { orderId: auth.orderId, paymentId: auth.paymentId, amountMinor: '13998', currencyCode: 'EUR' },
        auth.orderId,
      );
      expect(await h.outbox('payments.payment.captured', auth.orderId)).toEqual([]);
      expect(
        await h.sql('select 1 from ledger_transactions where reference_id = ?', [auth.paymentId]),
      ).toEqual([]);
    }
  });

  it('refuses (failed, no provider call) a split priced below cost and a command past its deadline', async () => {
    const p = parties();
    const belowCost = authorization(p, {
      amountMinor: '1000',
      split: [
        {
          orderLineId: 'l',
          supplierId: p.supplierA,
          brandId: p.brand,
          amountMinor: '1000',
          wholesaleMinor: '950',
        },
      ],
    });
    await command(h, 'orders.payment.authorization-requested', belowCost, belowCost.orderId);
    expect((await h.outbox('payments.payment.failed', belowCost.orderId))[0]?.payload.reason).toBe(
      'PROVIDER_ERROR',
    );
    const late = authorization(p, { deadline: new Date(Date.now() - 1).toISOString() });
    await command(h, 'orders.payment.authorization-requested', late, late.orderId);
    expect((await h.outbox('payments.payment.failed', late.orderId))[0]?.payload.reason).toBe('TIMEOUT');
  });
});

describe('delayed token and void', () => {
  it('tok_timeout authorises only after PAYMENTS_SANDBOX_DELAY_MS; the void queued behind it voids the late authorisation', async () => {
    const p = parties();
    const auth = authorization(p, { paymentToken: 'tok_timeout' });
    const started = Date.now();
    await h.emit('orders.payment.authorization-requested', auth, { aggregateId: auth.orderId, orgId: null });
    // the saga's deadline passes: it sends the void (same order → same partition, after the authorisation)
    const voidCmd = await h.emit(
      'orders.payment.void-requested',
      { orderId: auth.orderId, paymentId: auth.paymentId, reason: 'payment timed out' },
      { aggregateId: auth.orderId, orgId: null },
    );
    await h.processed(voidCmd.id, 'void');
    expect(Date.now() - started).toBeGreaterThanOrEqual(1500);
    expect(await h.outbox('payments.payment.authorized', auth.orderId)).toHaveLength(1);
    expect((await h.outbox('payments.payment.voided', auth.orderId))[0]?.payload).toEqual({
      orderId: auth.orderId,
      paymentId: auth.paymentId,
    });
    expect(await statusOf(auth.paymentId)).toBe('VOIDED');
    // a capture after the void is refused
    await command(
      h,
      'orders.payment.capture-requested',
      { orderId: auth.orderId, paymentId: auth.paymentId, amountMinor: '13998', currencyCode: 'EUR' },
      auth.orderId,
    );
    expect(await h.outbox('payments.payment.captured', auth.orderId)).toEqual([]);
  });

  it('a void before any authorisation leaves a marker: the authorisation that follows is not made', async () => {
    const p = parties();
    const auth = authorization(p);
    await command(
      h,
      'orders.payment.void-requested',
      { orderId: auth.orderId, paymentId: auth.paymentId, reason: 'cancelled' },
      auth.orderId,
    );
    await command(h, 'orders.payment.authorization-requested', auth, auth.orderId);
    expect(await h.outbox('payments.payment.authorized', auth.orderId)).toEqual([]);
    expect(await h.outbox('payments.payment.voided', auth.orderId)).toHaveLength(1);
    expect(await statusOf(auth.paymentId)).toBe('VOIDED');
  });
});

describe('refunds', () => {
  async function captured() {
    const p = parties();
    const auth = authorization(p);
    await command(h, 'orders.payment.authorization-requested', auth, auth.orderId);
    await command(
      h,
      'orders.payment.capture-requested',
      {
        orderId: auth.orderId,
        paymentId: auth.paymentId,
        amountMinor: auth.amountMinor,
        currencyCode: 'EUR',
      },
      auth.orderId,
    );
    return { p, auth };
  }

  it('partial refunds reverse the refunded lines in proportion; the last one reverses exactly what is left', async () => {
    const { p, auth } = await captured();
    // a third of line 1
    const first = refund(auth, [{ orderLineId: 'line_1', amountMinor: '3333' }]);
    await command(h, 'orders.refund.requested', first, auth.orderId);
    expect((await h.outbox('payments.refund.issued', auth.orderId))[0]?.payload).toEqual({
      orderId: auth.orderId,
      paymentId: auth.paymentId,
      refundId: first.refundId,
      amountMinor: '3333',
      currencyCode: 'EUR',
    });
    expect(await statusOf(auth.paymentId)).toBe('PARTIALLY_REFUNDED');
    // 60.00 × 3333/10000 = 19.998 → 19.99 reversed
    expect(await balanceOf(p.supplierA)).toBe('40.01');
    expect(await balanceOf(p.supplierB)).toBe('25.00');

    // the rest of both lines
    const rest = refund(auth, [
      { orderLineId: 'line_1', amountMinor: '6667' },
      { orderLineId: 'line_2', amountMinor: '3998' },
    ]);
    await command(h, 'orders.refund.requested', rest, auth.orderId);
    expect(await statusOf(auth.paymentId)).toBe('REFUNDED');
    for (const org of [p.supplierA, p.supplierB, p.brand, p.retailer])
      expect(await balanceOf(org)).toBe('0.00');
    const [payment] = await h.sql(
      'select cast(refunded_minor as char) as refunded from payments where id = ?',
      [auth.paymentId],
    );
    expect(payment?.refunded).toBe('13998');
  });

  it('refuses a refund beyond a line, of an unknown line, or of an uncaptured payment (refund.failed, nothing posted)', async () => {
    const { auth } = await captured();
    const tooMuch = refund(auth, [{ orderLineId: 'line_2', amountMinor: '3999' }]);
    await command(h, 'orders.refund.requested', tooMuch, auth.orderId);
    const unknown = refund(auth, [{ orderLineId: 'line_9', amountMinor: '1' }]);
    await command(h, 'orders.refund.requested', unknown, auth.orderId);
    const failed = await h.outbox('payments.refund.failed', auth.orderId);
    expect(failed.map((e) => e.payload.refundId)).toEqual([tooMuch.refundId, unknown.refundId]);
    expect(await h.outbox('payments.refund.issued', auth.orderId)).toEqual([]);
    expect(await statusOf(auth.paymentId)).toBe('CAPTURED');

    const notCaptured = authorization(parties());
    await command(h, 'orders.payment.authorization-requested', notCaptured, notCaptured.orderId);
    const early = refund(notCaptured, [{ orderLineId: 'line_1', amountMinor: '100' }]);
    await command(h, 'orders.refund.requested', early, notCaptured.orderId);
    expect(await h.outbox('payments.refund.failed', notCaptured.orderId)).toHaveLength(1);
  });
});

describe('idempotency', () => {
  it('the same commands delivered again (new event ids, as a restarted saga re-sends them) apply once', async () => {
    const p = parties();
    const auth = authorization(p);
    const capture = {
      orderId: auth.orderId,
      paymentId: auth.paymentId,
      amountMinor: '13998',
      currencyCode: 'EUR',
    };
    const refunded = refund(auth, [{ orderLineId: 'line_2', amountMinor: '1000' }]);
    for (let i = 0; i < 3; i++) {
      await command(h, 'orders.payment.authorization-requested', auth, auth.orderId);
      await command(h, 'orders.payment.capture-requested', capture, auth.orderId);
      await command(h, 'orders.refund.requested', refunded, auth.orderId);
    }
    expect(await h.sql('select id from payments where id = ?', [auth.paymentId])).toHaveLength(1);
    const txs = await h.sql('select kind from ledger_transactions where order_id = ? order by kind', [
      auth.orderId,
    ]);
    expect(txs.map((t) => t.kind)).toEqual(['CAPTURE', 'REFUND']);
    expect(await balanceOf(p.supplierB)).toBe('18.75');
    // each repeat answers again with the same outcome, so a saga that lost a reply gets it
    expect(await h.outbox('payments.payment.authorized', auth.orderId)).toHaveLength(3);
    expect(await h.outbox('payments.payment.captured', auth.orderId)).toHaveLength(3);
    expect(await h.outbox('payments.refund.issued', auth.orderId)).toHaveLength(3);
    // 25.00 − floor(2500 × 1000 / 3998 = 625.3…) minor units
  });

  it('a redelivery of the very same event is skipped by the consumer', async () => {
    const p = parties();
    const auth = authorization(p);
    const e = await command(h, 'orders.payment.authorization-requested', auth, auth.orderId);
    await h.service.bus.producer.send([e]);
    const marker = await command(
      h,
      'orders.payment.capture-requested',
      { orderId: auth.orderId, paymentId: auth.paymentId, amountMinor: '13998', currencyCode: 'EUR' },
      auth.orderId,
    );
    expect(marker).toBeTruthy();
    expect(await h.outbox('payments.payment.authorized', auth.orderId)).toHaveLength(1);
  });
});

describe('ledger rows are immutable', () => {
  it('the database refuses UPDATE and DELETE of entries and transactions, and an unbalanced transaction', async () => {
    const p = parties();
    const auth = authorization(p);
    await command(h, 'orders.payment.authorization-requested', auth, auth.orderId);
    await command(
      h,
      'orders.payment.capture-requested',
      { orderId: auth.orderId, paymentId: auth.paymentId, amountMinor: '13998', currencyCode: 'EUR' },
      auth.orderId,
    );
    await expect(h.sql('update ledger_entries set amount_minor = amount_minor + 1')).rejects.toThrow(
      /immutable/,
    );
    await expect(h.sql('delete from ledger_entries')).rejects.toThrow(/immutable/);
    await expect(h.sql("update ledger_transactions set kind = 'PAYOUT'")).rejects.toThrow(/immutable/);
    await expect(h.sql('delete from ledger_transactions')).rejects.toThrow(/immutable/);
    // an unbalanced transaction is refused by the database itself (its entries roll back with it)
    const conn = await createConnection({
      host: h.db.DB_HOST,
      port: h.db.DB_PORT,
      user: h.db.DB_USER,
      password: h.db.DB_PASSWORD,
      database: `${h.db.DB_PREFIX}payments`,
    });
    try {
      const id = `ltx_forged_${orgId()}`;
      await conn.beginTransaction();
      await conn.query(
        "insert into ledger_entries (transaction_id, account, currency_code, amount_minor, created_at) values (?, 'PROVIDER_CLEARING', 'EUR', 100, now()), (?, 'PAYOUTS', 'EUR', -99, now())",
        [id, id],
      );
      await expect(
        conn.query(
          "insert into ledger_transactions (id, kind, reference_id, currency_code, created_at) values (?, 'PAYOUT', 'x', 'EUR', now())",
          [id],
        ),
      ).rejects.toThrow(/does not balance/);
      await conn.rollback();
    } finally {
      await conn.end();
    }
  });
});
