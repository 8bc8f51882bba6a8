import { pageArgs, payload, read, write } from '@tradegraph/shared';
import { createPayout, entryAmount, ledgerBalance, ledgerEntries, payoutAmount } from '../domain/balances.ts';
import type {
  LedgerEntryResolvers,
  MutationResolvers,
  PayoutResolvers,
  QueryResolvers,
} from '../generated/resolvers.ts';

export const ledgerQueries = {
  ledgerBalance: (_, { currencyCode }, ctx) =>
    read(ctx, { permission: 'billing:read', tenant: 'service' }, (rx) => ledgerBalance(rx, currencyCode)),
  ledgerEntries: (_, { filter, first, after }, ctx) =>
    read(ctx, { permission: 'billing:read', tenant: 'service' }, (rx) =>
      ledgerEntries(rx, filter, pageArgs<string>({ first, after })),
    ),
} satisfies Pick<QueryResolvers, 'ledgerBalance' | 'ledgerEntries'>;

export const ledgerMutations = {
  createPayout: (_, { input }, ctx) =>
    payload('payout', () =>
      write(
        ctx,
        { permission: 'billing:manage', tenant: 'service', kinds: ['BRAND', 'SUPPLIER', 'RETAILER'] },
        (tx) => createPayout(tx, input),
      ),
    ),
} satisfies Pick<MutationResolvers, 'createPayout'>;

export const ledgerEntryResolvers = {
  amount: (entry) => entryAmount(entry),
} satisfies LedgerEntryResolvers;

export const payoutResolvers = {
  amount: (p) => payoutAmount(p),
} satisfies PayoutResolvers;
