import { describe, expect, it } from 'vitest';
import {
  balancedTransaction,
  captureTransaction,
  PAYOUTS,
  PLATFORM_REVENUE,
  PROVIDER_CLEARING,
  payableOf,
  payoutTransaction,
  refundTransaction,
  UnbalancedTransaction,
} from './ledger.ts';
import { planSplit, reverseLine } from './split.ts';

const RATES = { brandCommissionBps: 500, platformFeeBps: 300 };
const plan = planSplit(
  [
    { orderLineId: 'l1', supplierId: 'org_s', brandId: 'org_b', amount: 10_000n, wholesale: 6_000n },
    { orderLineId: 'l2', supplierId: 'org_s', brandId: 'org_b', amount: 99n, wholesale: 50n },
  ],
  'org_r',
  RATES,
);
const sum = (ps: { amount: bigint }[]) => ps.reduce((s, p) => s + p.amount, 0n);
const byAccount = (ps: { account: string; amount: bigint }[]) =>
  Object.fromEntries(ps.map((p) => [p.account, p.amount]));

describe('ledger transactions', () => {
  it('a capture debits clearing with the total and credits each payable and the platform (merged per account)', () => {
    const tx = captureTransaction('pay_1', 'ord_1', 'EUR', plan);
    expect(sum(tx.postings)).toBe(0n);
    expect(byAccount(tx.postings)).toEqual({
      [PROVIDER_CLEARING]: 10_099n,
      [payableOf('org_s')]: -6_050n,
      [payableOf('org_b')]: -504n,
      [payableOf('org_r')]: -3_243n,
      [PLATFORM_REVENUE]: -302n,
    });
  });

  it('a refund posts the reversed parts the other way; a payout moves a payable to PAYOUTS', () => {
    const parts = reverseLine(plan[0]!, 0n, 2_500n);
    const tx = refundTransaction('ref_1', 'ord_1', 'EUR', [{ line: plan[0]!, parts }]);
    expect(byAccount(tx.postings)).toEqual({
      [PROVIDER_CLEARING]: -2_500n,
      [payableOf('org_s')]: 1_500n,
      [payableOf('org_b')]: 125n,
      [payableOf('org_r')]: 800n,
      [PLATFORM_REVENUE]: 75n,
    });
    const payout = payoutTransaction('po_1', 'org_s', 'EUR', 1_000n);
    expect(byAccount(payout.postings)).toEqual({ [payableOf('org_s')]: 1_000n, [PAYOUTS]: -1_000n });
  });

  it('refuses an unbalanced transaction and a malformed currency', () => {
    const postings = [
      { account: PROVIDER_CLEARING, organizationId: null, amount: 100n },
      { account: PLATFORM_REVENUE, organizationId: null, amount: -99n },
    ];
    expect(() =>
      balancedTransaction({
        kind: 'CAPTURE',
        referenceId: 'x',
        orderId: null,
        currencyCode: 'EUR',
        postings,
      }),
    ).toThrow(UnbalancedTransaction);
    expect(() => payoutTransaction('po', 'org', 'eur', 1n)).toThrow(UnbalancedTransaction);
  });
});
