/**
 * The double-entry ledger's rules (pure). Every money movement is one
 * transaction of postings that sum to zero in its one currency; postings are
 * signed minor units, debit positive and credit negative. Accounts:
 *   PROVIDER_CLEARING      money held at the payment provider (an asset: debit balance)
 *   ORG_PAYABLE:<orgId>    what the platform owes an organisation (a liability: credit balance)
 *   PLATFORM_REVENUE       the platform's fees (credit balance)
 *   PAYOUTS                money paid out to organisations
 * A capture debits clearing and credits every payable and the platform; a
 * refund posts the reversed split the other way; a payout debits the
 * organisation's payable and credits PAYOUTS. Entries are never updated or
 * deleted (src/migrations: triggers refuse it); a correction is a new transaction.
 */
import type { LineSplit, SplitParts } from './split.ts';

export const PROVIDER_CLEARING = 'PROVIDER_CLEARING';
export const PLATFORM_REVENUE = 'PLATFORM_REVENUE';
export const PAYOUTS = 'PAYOUTS';
export const PAYABLE_PREFIX = 'ORG_PAYABLE:';

/** The account of what the platform owes organisation `organizationId`. */
export const payableOf = (organizationId: string) => `${PAYABLE_PREFIX}${organizationId}`;

export type TransactionKind = 'CAPTURE' | 'REFUND' | 'PAYOUT';

/** One side of a transaction: debit (positive) or credit (negative) of an account. */
export interface Posting {
  account: string;
  /** The organisation whose payable this is; null for the platform's own accounts. */
  organizationId: string | null;
  amount: bigint;
}

export interface TransactionDraft {
  kind: TransactionKind;
  /** The payment, refund or payout the transaction records (one transaction per kind and reference). */
  referenceId: string;
  orderId: string | null;
  currencyCode: string;
  postings: Posting[];
}

/** A transaction that does not sum to zero (a programming error: never written). */
export class UnbalancedTransaction extends Error {
  override name = 'UnbalancedTransaction';
}

/** Merges postings per account, drops zero ones, and refuses anything that does not sum to zero. */
export function balancedTransaction(draft: TransactionDraft): TransactionDraft {
  const merged = new Map<string, Posting>();
  for (const p of draft.postings) {
    const m = merged.get(p.account);
    if (m) m.amount += p.amount;
    else merged.set(p.account, { ...p });
  }
  const postings = [...merged.values()].filter((p) => p.amount !== 0n);
  const sum = postings.reduce((s, p) => s + p.amount, 0n);
  if (sum !== 0n) {
    throw new UnbalancedTransaction(`${draft.kind} ${draft.referenceId} does not balance: off by ${sum}`);
  }
  if (!/^[A-Z]{3}$/.test(draft.currencyCode)) {
    throw new UnbalancedTransaction(
      `${draft.kind} ${draft.referenceId}: "${draft.currencyCode}" is not a currency`,
    );
  }
  return { ...draft, postings };
}

function partyPostings(line: LineSplit, parts: SplitParts, sign: 1n | -1n): Posting[] {
  return [
    { account: payableOf(line.supplierId), organizationId: line.supplierId, amount: sign * parts.supplier },
    { account: payableOf(line.brandId), organizationId: line.brandId, amount: sign * parts.brand },
    { account: payableOf(line.retailerId), organizationId: line.retailerId, amount: sign * parts.retailer },
    { account: PLATFORM_REVENUE, organizationId: null, amount: sign * parts.platform },
  ];
}

/** A capture: clearing receives the order total, every party's payable and the platform are credited their parts. */
export function captureTransaction(
  paymentId: string,
  orderId: string,
  currencyCode: string,
  plan: readonly LineSplit[],
): TransactionDraft {
  const total = plan.reduce((s, l) => s + l.amount, 0n);
  return balancedTransaction({
    kind: 'CAPTURE',
    referenceId: paymentId,
    orderId,
    currencyCode,
    postings: [
      { account: PROVIDER_CLEARING, organizationId: null, amount: total },
      ...plan.flatMap((line) => partyPostings(line, line, -1n)),
    ],
  });
}

/** A refund: clearing pays the shopper back, every party's payable is debited its reversed part. */
export function refundTransaction(
  refundId: string,
  orderId: string,
  currencyCode: string,
  reversals: readonly { line: LineSplit; parts: SplitParts }[],
): TransactionDraft {
  const total = reversals.reduce(
    (s, r) => s + r.parts.supplier + r.parts.brand + r.parts.platform + r.parts.retailer,
    0n,
  );
  return balancedTransaction({
    kind: 'REFUND',
    referenceId: refundId,
    orderId,
    currencyCode,
    postings: [
      { account: PROVIDER_CLEARING, organizationId: null, amount: -total },
      ...reversals.flatMap((r) => partyPostings(r.line, r.parts, 1n)),
    ],
  });
}

/** A payout: the organisation's payable is debited, PAYOUTS credited. */
export function payoutTransaction(
  payoutId: string,
  organizationId: string,
  currencyCode: string,
  amount: bigint,
): TransactionDraft {
  return balancedTransaction({
    kind: 'PAYOUT',
    referenceId: payoutId,
    orderId: null,
    currencyCode,
    postings: [
      { account: payableOf(organizationId), organizationId, amount },
      { account: PAYOUTS, organizationId: null, amount: -amount },
    ],
  });
}

/**
 * What an account holds from its owner's point of view: the platform owes an
 * organisation (and earned itself) the credit balance, so the sign flips.
 */
export const ownerBalance = (postingSum: bigint) => -postingSum;
