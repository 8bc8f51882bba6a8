import type { PaymentAuthorizationRequestedPayload, RefundRequestedPayload } from '@tradegraph/contracts';
import { newId } from '@tradegraph/shared';
import type { EventType, PayloadOf } from '@tradegraph/shared/events';
import { startHarness } from '@tradegraph/testing';
import { expect } from 'vitest';
import { start } from '../src/service.ts';

/** The payments subgraph on fresh databases, called as the router would (see @tradegraph/testing). */
export const startPayments = (env: Record<string, string> = {}) =>
  startHarness({
    name: 'payments',
    start,
    env: { PAYMENTS_SANDBOX_DELAY_MS: '1500', ...env },
  });
export type PaymentsHarness = Awaited<ReturnType<typeof startPayments>>;

export const LEDGER_BALANCE = `query ($currencyCode: String) { ledgerBalance(currencyCode: $currencyCode) { amount currencyCode } }`;
export const LEDGER_ENTRIES = `query ($filter: LedgerEntryFilter, $first: Int, $after: String) {
  ledgerEntries(filter: $filter, first: $first, after: $after) {
    totalCount
    pageInfo { hasNextPage endCursor }
    nodes { id transactionId kind amount { amount currencyCode } orderId referenceId createdAt }
  }
}`;
export const CREATE_PAYOUT = `mutation ($input: CreatePayoutInput!) {
  createPayout(input: $input) { payout { id amount { amount currencyCode } status createdAt } userErrors { field message code } }
}`;

/** The parties of one test order: a retailer, a brand and two suppliers. */
export function parties() {
  return {
    retailer: newId('org'),
    brand: newId('org'),
    supplierA: newId('org'),
    supplierB: newId('org'),
  };
}

/**
 * An authorisation command as orders sends it: two lines, 100.00 (60.00
 * wholesale, supplier A) and 2 × 19.99 (25.00 wholesale, supplier B), EUR.
 */
export function authorization(
  p: ReturnType<typeof parties>,
  overrides: Partial<PaymentAuthorizationRequestedPayload> = {},
): PaymentAuthorizationRequestedPayload {
  const orderId = newId('ord');
  return {
    orderId,
    paymentId: newId('pay'),
    retailerId: p.retailer,
    amountMinor: '13998',
    currencyCode: 'EUR',
    paymentToken: 'tok_visa',
    idempotencyKey: `checkout-${orderId}`,
    split: [
      {
        orderLineId: 'line_1',
        supplierId: p.supplierA,
        brandId: p.brand,
        amountMinor: '10000',
        wholesaleMinor: '6000',
      },
      {
        orderLineId: 'line_2',
        supplierId: p.supplierB,
        brandId: p.brand,
        amountMinor: '3998',
        wholesaleMinor: '2500',
      },
    ],
    deadline: new Date(Date.now() + 60_000).toISOString(),
    ...overrides,
  };
}

export function refund(
  auth: PaymentAuthorizationRequestedPayload,
  lines: { orderLineId: string; amountMinor: string }[],
): RefundRequestedPayload {
  const refundId = newId('rfd');
  return {
    orderId: auth.orderId,
    paymentId: auth.paymentId,
    refundId,
    amountMinor: lines.reduce((s, l) => s + BigInt(l.amountMinor), 0n).toString(),
    currencyCode: auth.currencyCode,
    lines: lines.map((l) => ({ ...l, quantity: 1 })),
    reason: 'returned',
    idempotencyKey: `refund-${refundId}`,
  };
}

/** Emits a saga command (aggregate: the order) and waits until payments applied it. */
export function command<T extends EventType>(
  h: PaymentsHarness,
  type: T,
  payload: PayloadOf<T>,
  orderId: string,
) {
  return h.deliver(type, payload, { aggregateId: orderId, orgId: null, source: 'orders' });
}

/**
 * The ledger's invariants over everything the test file wrote: every
 * transaction's entries sum to zero in one currency, every entry belongs to a
 * transaction, and all accounts together sum to zero per currency.
 */
export async function expectLedgerBalanced(h: PaymentsHarness) {
  const unbalanced = await h.sql(
    `select t.id, cast(sum(e.amount_minor) as char) as total, count(distinct e.currency_code) as currencies
     from ledger_transactions t left join ledger_entries e on e.transaction_id = t.id
     group by t.id having coalesce(sum(e.amount_minor), 1) <> 0 or count(distinct e.currency_code) <> 1
       or max(e.currency_code) <> max(t.currency_code)`,
  );
  expect(unbalanced).toEqual([]);
  const orphans = await h.sql(
    'select e.id from ledger_entries e left join ledger_transactions t on t.id = e.transaction_id where t.id is null',
  );
  expect(orphans).toEqual([]);
  const perCurrency = await h.sql(
    'select currency_code, cast(sum(amount_minor) as char) as total from ledger_entries group by currency_code',
  );
  for (const row of perCurrency) expect(row.total).toBe('0');
}
