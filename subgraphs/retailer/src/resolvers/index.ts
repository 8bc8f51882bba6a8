import { scalarResolvers } from '@tradegraph/shared';
import type { Resolvers } from '../generated/resolvers.ts';
import { Cart, CartLine, cartMutations, cartQueries } from './carts.ts';
import { Listing, listingMutations, listingQueries } from './listings.ts';
import { PercentScalar } from './scalars.ts';
import { Organization, Storefront, storefrontMutations, storefrontQueries } from './storefronts.ts';

/** The retailer subgraph's resolvers, checked against its SDL (src/generated/resolvers.ts). */
export const resolvers: Resolvers = {
  ...scalarResolvers,
  Percent: PercentScalar,
  Query: { ...storefrontQueries, ...listingQueries, ...cartQueries },
  Mutation: { ...storefrontMutations, ...listingMutations, ...cartMutations },
  Organization,
  Storefront,
  Listing,
  Cart,
  CartLine,
};
