import { scalarResolvers } from '@tradegraph/shared';
import type { Resolvers } from '../generated/resolvers.ts';
import { noteMutations, noteQueries, noteResolvers } from './notes.ts';

/** Typed from the SDL (src/generated/resolvers.ts): a missing, misnamed or mis-shaped resolver fails typecheck. */
export const resolvers: Resolvers = {
  ...scalarResolvers,
  Query: { ...noteQueries },
  Mutation: { ...noteMutations },
  NotificationsNote: noteResolvers,
};
