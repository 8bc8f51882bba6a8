import { scalarResolvers } from '@tradegraph/shared';
import type { Resolvers } from '../generated/resolvers.ts';
import { Category, categoryMutations, categoryQueries } from './categories.ts';
import { Organization, Product, ProductVariant, productMutations, productQueries } from './products.ts';

/** The catalog subgraph's resolvers, checked against its SDL (src/generated/resolvers.ts). */
export const resolvers: Resolvers = {
  ...scalarResolvers,
  Query: { ...productQueries, ...categoryQueries },
  Mutation: { ...productMutations, ...categoryMutations },
  Product,
  ProductVariant,
  Organization,
  Category,
};
