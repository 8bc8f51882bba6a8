import { type PageArgs, payload } from '@tradegraph/shared';
import type { CatalogContext } from '../context.ts';
import {
  type CreateCategoryInput,
  createCategory,
  deleteCategory,
  type UpdateCategoryInput,
  updateCategory,
} from '../domain/categories.ts';
import type { CategoryNode } from '../domain/nodes.ts';
import { childCategoriesLoader, findCategory, listCategories } from '../domain/reads.ts';
import { catalogWrite } from '../domain/writes.ts';

export const categoryQueries = {
  category: (_: unknown, { id }: { id: string }, ctx: CatalogContext) => findCategory(ctx, id),
  categories: (
    _: unknown,
    args: PageArgs & { brandId?: string | null; parentId?: string | null },
    ctx: CatalogContext,
  ) => listCategories(ctx, args),
};

export const categoryMutations = {
  createCategory: (_: unknown, { input }: { input: CreateCategoryInput }, ctx: CatalogContext) =>
    payload('category', () => catalogWrite(ctx, 'catalog:write', (tx) => createCategory(tx, input))),
  updateCategory: (_: unknown, { input }: { input: UpdateCategoryInput }, ctx: CatalogContext) =>
    payload('category', () => catalogWrite(ctx, 'catalog:write', (tx) => updateCategory(tx, input))),
  deleteCategory: (_: unknown, { input }: { input: { id: string } }, ctx: CatalogContext) =>
    payload('category', () => catalogWrite(ctx, 'catalog:write', (tx) => deleteCategory(tx, input))),
};

export const categoryTypes = {
  children: (c: CategoryNode, _: unknown, ctx: CatalogContext) => childCategoriesLoader(ctx).load(c.id),
};
