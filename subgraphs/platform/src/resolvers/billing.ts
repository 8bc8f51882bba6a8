import { forbidden, fromMinorUnits, pageArgs, payload, read, toConnection, write } from '@tradegraph/shared';
import { isStaff, readForOrganization, STAFF } from '../domain/access.ts';
import { invoices, issueInvoices } from '../domain/billing.ts';
import { planById } from '../domain/plans.ts';
import type {
  InvoiceLineResolvers,
  InvoiceResolvers,
  MutationResolvers,
  QueryResolvers,
} from '../generated/resolvers.ts';

export const billingQueries = {
  invoices: (_, { filter, first, after }, ctx) => {
    const page = pageArgs<[string, string]>({ first, after });
    const list = async (rx: Parameters<typeof invoices>[0], organizationId: string | null) => {
      const found = await invoices(rx, { organizationId, month: filter?.month ?? null }, page);
      return toConnection(found.list, page, (i) => [i.month, i.id], found.total);
    };
    // staff without an organisation filter see every organisation's invoices
    if (isStaff(ctx.principal) && !filter?.organizationId) return read(ctx, STAFF, (rx) => list(rx, null));
    return readForOrganization(ctx, 'billing:read', filter?.organizationId, list);
  },
} satisfies Pick<QueryResolvers, 'invoices'>;

export const billingMutations = {
  generateInvoices: (_, { input }, ctx) =>
    payload('issued', () => write(ctx, STAFF, (tx) => issueInvoices(tx, input.month, new Date()))),
} satisfies Pick<MutationResolvers, 'generateInvoices'>;

export const invoiceResolvers = {
  organization: (i) => ({ id: i.organizationId }),
  plan: async (i, _, ctx) => {
    const plan = await planById(ctx, i.planId);
    if (!plan) throw forbidden('The plan of this invoice is not readable');
    return plan;
  },
  totals: (i) => i.totals.map((t) => fromMinorUnits(BigInt(t.amountMinor), t.currencyCode)),
} satisfies InvoiceResolvers;

export const invoiceLineResolvers = {
  amount: (l) => fromMinorUnits(BigInt(l.amountMinor), l.currencyCode),
  base: (l) => (l.baseMinor === null ? null : fromMinorUnits(BigInt(l.baseMinor), l.currencyCode)),
} satisfies InvoiceLineResolvers;
