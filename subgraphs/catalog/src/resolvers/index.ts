import { scalarResolvers } from '@tradegraph/shared';
import { categoryMutations, categoryQueries, categoryTypes } from './categories.ts';
import { productMutations, productQueries, productTypes } from './products.ts';

export const resolvers = {
  ...scalarResolvers,
  Query: { ...productQueries, ...categoryQueries },
  Mutation: { ...productMutations, ...categoryMutations },
  ...productTypes,
  Category: { ...productTypes.Category, ...categoryTypes },
};
