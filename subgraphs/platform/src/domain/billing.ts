import { newId, type Page, type ServiceContext } from '@tradegraph/shared';
import { invoiceIssued } from '../events/publish.ts';
import type { OutboxUnit } from '../services.ts';
import {
  countInvoices,
  type InvoiceLineRecord,
  type InvoiceRecord,
  type InvoiceSearch,
  insertInvoiceOnce,
  invoicedOrganizations,
  listInvoices,
} from '../store/invoices.ts';
import { findOrganizations } from '../store/organizations.ts';
import { findPlans, type PlanRecord } from '../store/plans.ts';
import { confirmedGmv } from '../store/sales.ts';
import { type SubscriptionRecord, subscriptionsRunningIn } from '../store/subscriptions.ts';
import { fail } from './errors.ts';

/** A calendar month in UTC: `YYYY-MM`, its first day and the first day of the next. */
export interface BillingMonth {
  month: string;
  start: Date;
  end: Date;
}

export function parseMonth(month: string, field = 'month'): BillingMonth {
  const m = /^(\d{4})-(0[1-9]|1[0-2])$/.exec(month);
  if (!m) return fail('INVALID', 'A month is written YYYY-MM', field);
  const year = Number(m[1]);
  const index = Number(m[2]) - 1;
  return { month, start: new Date(Date.UTC(year, index, 1)), end: new Date(Date.UTC(year, index + 1, 1)) };
}

/** The month before the one `now` is in (what the scheduler invoices). */
export function previousMonth(now: Date): string {
  const d = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 1, 1));
  return `${d.getUTCFullYear()}-${String(d.getUTCMonth() + 1).padStart(2, '0')}`;
}

const day = (d: Date) => d.toISOString().slice(0, 10);

/**
 * The lines of one organisation's invoice for a month (pure): the plan's
 * monthly fee (zero when a trial covers the whole month; a month begun is a
 * month billed), and for a retailer one TRANSACTION_FEES line per currency of
 * its confirmed sales of the month, with the plan's rate.
 *
 * The transaction fee is not charged here: payments already withholds it from
 * every order in the split (the platform's part, at the retailer's plan fee
 * carried by `platform.subscription.changed`), so charging it again would bill
 * it twice. The line states the sales and the rate and charges 0; what was
 * actually withheld per order is on payments' ledger (PLATFORM_REVENUE).
 */
export function invoiceLines(
  m: BillingMonth,
  plan: PlanRecord,
  subscription: SubscriptionRecord,
  gmv: { currencyCode: string; gmvMinor: bigint }[],
): InvoiceLineRecord[] {
  const trial = subscription.trialEndsAt !== null && subscription.trialEndsAt >= m.end;
  const lines: InvoiceLineRecord[] = [
    {
      kind: 'SUBSCRIPTION',
      description: `${plan.name} plan, ${m.month}${trial ? ' (trial)' : ''}`,
      amountMinor: (trial ? 0n : plan.monthlyFeeMinor).toString(),
      currencyCode: plan.currencyCode,
      baseMinor: null,
      rateBps: null,
    },
  ];
  for (const g of gmv) {
    lines.push({
      kind: 'TRANSACTION_FEES',
      description: `Transaction fees ${(plan.transactionFeeBps / 100).toFixed(2)} % on ${g.currencyCode} sales, ${m.month}: withheld from each payment, nothing due`,
      amountMinor: '0',
      currencyCode: g.currencyCode,
      baseMinor: g.gmvMinor.toString(),
      rateBps: plan.transactionFeeBps,
    });
  }
  return lines;
}

/** The sum of the lines per currency, in the order the currencies first appear. */
export function invoiceTotals(lines: InvoiceLineRecord[]): { amountMinor: string; currencyCode: string }[] {
  const totals = new Map<string, bigint>();
  for (const l of lines)
    totals.set(l.currencyCode, (totals.get(l.currencyCode) ?? 0n) + BigInt(l.amountMinor));
  return [...totals].map(([currencyCode, amount]) => ({ amountMinor: amount.toString(), currencyCode }));
}

/**
 * Issues the month's invoice of every organisation whose subscription ran in
 * it and that has none yet; returns how many were issued now. Idempotent: a
 * second run (or a concurrent one, through the unique key) issues nothing.
 * The month must have ended.
 */
export async function issueInvoices(u: OutboxUnit, month: string, now: Date): Promise<number> {
  const m = parseMonth(month);
  if (m.end > now) fail('INVALID', 'Only an ended month can be invoiced', 'month');
  const already = await invoicedOrganizations(u.em, m.month);
  const due = (await subscriptionsRunningIn(u.em, m.start, m.end)).filter(
    (s) => !already.has(s.organizationId),
  );
  if (!due.length) return 0;
  const plans = new Map(
    (await findPlans(u.em, [...new Set(due.map((s) => s.planId))])).map((p) => [p.id, p]),
  );
  const kinds = new Map(
    (
      await findOrganizations(
        u.em,
        due.map((s) => s.organizationId),
      )
    ).map((o) => [o.id, o.kind]),
  );
  let issued = 0;
  for (const s of due) {
    const plan = plans.get(s.planId);
    if (!plan) throw new Error(`subscription of ${s.organizationId} names unknown plan ${s.planId}`);
    // the retailer sells to the shopper: its plan's fee applies to its confirmed sales
    const gmv =
      kinds.get(s.organizationId) === 'RETAILER'
        ? await confirmedGmv(u.em, s.organizationId, 'RETAILER', day(m.start), day(m.end))
        : [];
    const lines = invoiceLines(m, plan, s, gmv);
    const invoice: InvoiceRecord = {
      id: newId('inv'),
      organizationId: s.organizationId,
      month: m.month,
      planId: plan.id,
      lines,
      totals: invoiceTotals(lines),
      issuedAt: now,
    };
    if (!(await insertInvoiceOnce(u.em, invoice))) continue;
    u.publish('platform.invoice.issued', {
      aggregateId: invoice.id,
      orgId: invoice.organizationId,
      payload: invoiceIssued(invoice),
    });
    issued++;
  }
  return issued;
}

export async function invoices(
  ctx: ServiceContext<unknown>,
  filter: InvoiceSearch,
  page: Page<[string, string]>,
) {
  if (filter.month) parseMonth(filter.month, 'filter.month');
  const list = await listInvoices(ctx.em, filter, page.limit, page.after);
  return { list, total: () => countInvoices(ctx.em, filter) };
}
