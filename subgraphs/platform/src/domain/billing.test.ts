import { describe, expect, it } from 'vitest';
import type { PlanRecord } from '../store/plans.ts';
import type { SubscriptionRecord } from '../store/subscriptions.ts';
import { invoiceLines, invoiceTotals, parseMonth, previousMonth } from './billing.ts';

const plan: PlanRecord = {
  id: 'pln_std',
  code: 'standard',
  name: 'Standard',
  monthlyFeeMinor: 4900n,
  currencyCode: 'EUR',
  transactionFeeBps: 250,
  maxStorefronts: 3,
  maxApiCallsPerDay: null,
  trialDays: 0,
  isDefault: false,
  createdAt: new Date('2026-01-01T00:00:00Z'),
};
const subscription = (trialEndsAt: string | null): SubscriptionRecord => ({
  organizationId: 'org_1',
  planId: plan.id,
  status: trialEndsAt ? 'TRIALING' : 'ACTIVE',
  trialEndsAt: trialEndsAt ? new Date(trialEndsAt) : null,
  startedAt: new Date('2026-10-15T00:00:00Z'),
  cancelledAt: null,
  updatedAt: new Date('2026-10-15T00:00:00Z'),
});

describe('billing months', () => {
  it('parses YYYY-MM into its UTC bounds and refuses anything else as INVALID', () => {
    expect(parseMonth('2026-11')).toEqual({
      month: '2026-11',
      start: new Date('2026-11-01T00:00:00Z'),
      end: new Date('2026-12-01T00:00:00Z'),
    });
    expect(parseMonth('2026-12').end).toEqual(new Date('2027-01-01T00:00:00Z'));
    for (const bad of ['2026-13', '2026-1', '26-11', '2026-11-01', '']) {
      expect(() => parseMonth(bad)).toThrow('A month is written YYYY-MM');
    }
  });

  it('invoices the month before the current one', () => {
    expect(previousMonth(new Date('2026-12-01T00:00:00Z'))).toBe('2026-11');
    expect(previousMonth(new Date('2027-01-15T10:00:00Z'))).toBe('2026-12');
  });
});

describe('invoice lines', () => {
  const m = parseMonth('2026-11');

  it('charges the monthly fee and states each currency’s confirmed sales with the fee rate, charging no fee (payments withheld it)', () => {
    const lines = invoiceLines(m, plan, subscription(null), [
      { currencyCode: 'EUR', gmvMinor: 123_457n },
      { currencyCode: 'USD', gmvMinor: 39n },
    ]);
    expect(lines).toEqual([
      {
        kind: 'SUBSCRIPTION',
        description: 'Standard plan, 2026-11',
        amountMinor: '4900',
        currencyCode: 'EUR',
        baseMinor: null,
        rateBps: null,
      },
      {
        kind: 'TRANSACTION_FEES',
        description: 'Transaction fees 2.50 % on EUR sales, 2026-11: withheld from each payment, nothing due',
        // the split already took 2.5 % of every confirmed order: charging it here would bill it twice
        amountMinor: '0',
        currencyCode: 'EUR',
        baseMinor: '123457',
        rateBps: 250,
      },
      {
        kind: 'TRANSACTION_FEES',
        description: 'Transaction fees 2.50 % on USD sales, 2026-11: withheld from each payment, nothing due',
        amountMinor: '0',
        currencyCode: 'USD',
        baseMinor: '39',
        rateBps: 250,
      },
    ]);
    // the monthly fee only
    expect(invoiceTotals(lines)).toEqual([
      { amountMinor: '4900', currencyCode: 'EUR' },
      { amountMinor: '0', currencyCode: 'USD' },
    ]);
  });

  it('bills no fee for a month a trial covers to its end, and the full fee once the trial ends within it', () => {
    const covered = invoiceLines(m, plan, subscription('2026-12-01T00:00:00Z'), []);
    expect(covered).toEqual([
      expect.objectContaining({ amountMinor: '0', description: 'Standard plan, 2026-11 (trial)' }),
    ]);
    const ended = invoiceLines(m, plan, subscription('2026-11-30T23:59:59Z'), []);
    expect(ended[0]?.amountMinor).toBe('4900');
  });
});
