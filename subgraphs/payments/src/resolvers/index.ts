import { scalarResolvers } from '@tradegraph/shared';
import type { Resolvers } from '../generated/resolvers.ts';
import { ledgerEntryResolvers, ledgerMutations, ledgerQueries, payoutResolvers } from './ledger.ts';

/** Typed from the SDL (src/generated/resolvers.ts): a missing, misnamed or mis-shaped resolver fails typecheck. */
export const resolvers: Resolvers = {
  ...scalarResolvers,
  Query: { ...ledgerQueries },
  Mutation: { ...ledgerMutations },
  LedgerEntry: ledgerEntryResolvers,
  Payout: payoutResolvers,
};
