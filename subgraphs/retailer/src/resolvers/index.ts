import { scalarResolvers } from '@tradegraph/shared';
import { cartMutations, cartQueries, cartTypes } from './carts.ts';
import { listingMutations, listingQueries, listingTypes } from './listings.ts';
import { PercentScalar } from './scalars.ts';
import { storefrontMutations, storefrontQueries, storefrontTypes } from './storefronts.ts';

export const resolvers = {
  ...scalarResolvers,
  Percent: PercentScalar,
  Query: { ...storefrontQueries, ...listingQueries, ...cartQueries },
  Mutation: { ...storefrontMutations, ...listingMutations, ...cartMutations },
  ...storefrontTypes,
  ...listingTypes,
  ...cartTypes,
};
