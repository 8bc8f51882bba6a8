import { write } from '@tradegraph/shared';
import { findCategory, listCategories } from '../domain/browse.ts';
import { createCategory, deleteCategory, updateCategory } from '../domain/categories.ts';
import { catalogPayload, uniqueKeyError } from '../domain/errors.ts';
import type { CategoryResolvers, MutationResolvers, QueryResolvers } from '../generated/resolvers.ts';
import { onBrand } from '../services.ts';
import { categoryLoader, childCategoriesLoader } from '../store/reads.ts';

/** A concurrent category with the same path (the domain's check could not see it). */
const CATEGORY_KEYS = {
  categories_path_uq: uniqueKeyError(
    'SLUG_TAKEN',
    'A category with this slug already exists under this parent',
    'slug',
  ),
};

export const categoryQueries = {
  category: (_, { id }, ctx) => findCategory(ctx, id),
  categories: (_, args, ctx) => listCategories(ctx, args),
} satisfies Pick<QueryResolvers, 'category' | 'categories'>;

export const categoryMutations = {
  createCategory: (_, { input }, ctx) =>
    catalogPayload('category', () =>
      write(
        ctx,
        { permission: 'catalog:write', tenant: 'own', kinds: ['BRAND'], uniqueKeys: CATEGORY_KEYS },
        (tx) => createCategory(onBrand(tx), input),
      ),
    ),
  updateCategory: (_, { input }, ctx) =>
    catalogPayload('category', () =>
      write(
        ctx,
        { permission: 'catalog:write', tenant: 'own', kinds: ['BRAND'], uniqueKeys: CATEGORY_KEYS },
        (tx) => updateCategory(onBrand(tx), input),
      ),
    ),
  deleteCategory: (_, { input }, ctx) =>
    catalogPayload('category', () =>
      write(ctx, { permission: 'catalog:write', tenant: 'own', kinds: ['BRAND'] }, (tx) =>
        deleteCategory(onBrand(tx), input),
      ),
    ),
} satisfies Pick<MutationResolvers, 'createCategory' | 'updateCategory' | 'deleteCategory'>;

export const Category = {
  parent: (c, _, ctx) => (c.parentId ? categoryLoader(ctx).load(c.parentId) : null),
  children: (c, _, ctx) => childCategoriesLoader(ctx).load(c.id),
  brand: (c) => ({ id: c.brandId }),
} satisfies CategoryResolvers;
