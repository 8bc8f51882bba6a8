import { isOwnId, newId, notFound, recordCacheInvalidations, requireOwnId } from '@tradegraph/shared';
import type { Category } from '../entities/index.ts';
import { CATEGORY_CHANGED } from '../events/cache-invalidations.ts';
import type { BrandTx } from '../services.ts';
import {
  categoryIdAtPath,
  deepestDescendantDepth,
  deleteCategory as deleteCategoryRow,
  findCategory,
  hasChildren,
  hasProducts,
  insertCategory,
  lockCategory,
  moveDescendants,
} from '../store/categories.ts';
import { save } from '../store/save.ts';
import { fail, Problems } from './errors.ts';
import { type CategoryNode, categoryFromEntity } from './nodes.ts';
import { LIMITS, longText, slugOf, text } from './validation.ts';

/**
 * A brand's category tree. Each category stores its parent and its path of
 * slugs from the root (`apparel/shirts`), unique per brand, so a subtree is a
 * path prefix (product filters include sub-categories). Moving or re-slugging
 * a category rewrites its descendants' paths in the same transaction. At most
 * 8 levels; no cycles.
 */

export interface CreateCategoryInput {
  name: string;
  slug?: string | null;
  parentId?: string | null;
  description?: string | null;
}
export interface UpdateCategoryInput {
  id: string;
  name?: string | null;
  slug?: string | null;
  /** null moves the category to the root; absent leaves it where it is. */
  parentId?: string | null;
  description?: string | null;
}

async function parentOf(ctx: BrandTx, problems: Problems, parentId: unknown) {
  if (parentId === null || parentId === undefined) return null;
  const parent = isOwnId(ctx.tenant, parentId, 'cat') ? await findCategory(ctx, parentId) : null;
  if (!parent) problems.add('CATEGORY_NOT_FOUND', 'No such parent category', ['parentId']);
  return parent;
}

async function assertPathFree(ctx: BrandTx, path: string, exceptId?: string) {
  const clash = await categoryIdAtPath(ctx, path);
  if (clash && clash !== exceptId)
    fail('SLUG_TAKEN', 'A category with this slug already exists under this parent', 'slug');
}

export async function createCategory(ctx: BrandTx, input: CreateCategoryInput): Promise<CategoryNode> {
  const problems = new Problems();
  const name = text(problems, input.name, ['name'], LIMITS.categoryName, 'Name');
  const slug = slugOf(problems, input.slug, name);
  const description = longText(problems, input.description, ['description'], 2000);
  const parent = await parentOf(ctx, problems, input.parentId);
  if (parent && parent.depth + 1 >= LIMITS.categoryDepth)
    problems.add('TOO_DEEP', `Categories nest at most ${LIMITS.categoryDepth} levels`, ['parentId']);
  problems.throwIfAny();
  const path = parent ? `${parent.path}/${slug}` : slug!;
  await assertPathFree(ctx, path);
  const now = new Date();
  const category = insertCategory(ctx, {
    id: newId('cat', ctx.tenant.tenantKey),
    parentId: parent?.id ?? null,
    name: name!,
    slug: slug!,
    path,
    depth: parent ? parent.depth + 1 : 0,
    description,
    createdAt: now,
    updatedAt: now,
  });
  recordCacheInvalidations(ctx.em, CATEGORY_CHANGED);
  await save(ctx);
  return categoryFromEntity(category, ctx.tenant.organizationId);
}

export async function updateCategory(ctx: BrandTx, input: UpdateCategoryInput): Promise<CategoryNode> {
  const id = requireOwnId(ctx.tenant, input.id, 'cat', 'Category');
  const category = await lockCategory(ctx, id);
  if (!category) throw notFound('Category');
  const problems = new Problems();
  const name =
    input.name !== undefined
      ? text(problems, input.name, ['name'], LIMITS.categoryName, 'Name')
      : category.name;
  const slug =
    input.slug !== undefined && input.slug !== null ? slugOf(problems, input.slug, name) : category.slug;
  const description =
    input.description !== undefined
      ? longText(problems, input.description, ['description'], 2000)
      : category.description;
  let parent: Category | null | undefined;
  if (input.parentId !== undefined) {
    parent = await parentOf(ctx, problems, input.parentId);
    if (parent && (parent.id === category.id || parent.path.startsWith(`${category.path}/`)))
      problems.add('CATEGORY_CYCLE', 'A category cannot move under itself or one of its sub-categories', [
        'parentId',
      ]);
  } else {
    parent = category.parentId ? await findCategory(ctx, category.parentId) : null;
  }
  problems.throwIfAny();

  const newDepth = parent ? parent.depth + 1 : 0;
  const newPath = parent ? `${parent.path}/${slug}` : slug!;
  if (newPath !== category.path) {
    const subtreeHeight =
      ((await deepestDescendantDepth(ctx, category.path)) ?? category.depth) - category.depth;
    if (newDepth + subtreeHeight >= LIMITS.categoryDepth)
      fail('TOO_DEEP', `Categories nest at most ${LIMITS.categoryDepth} levels`, 'parentId');
    await assertPathFree(ctx, newPath, category.id);
    // descendants: replace the path prefix and shift the depth
    await moveDescendants(ctx, category.path, newPath, newDepth - category.depth, new Date());
  }
  category.name = name!;
  category.slug = slug!;
  category.description = description ?? null;
  category.parentId = parent?.id ?? null;
  category.path = newPath;
  category.depth = newDepth;
  category.updatedAt = new Date();
  recordCacheInvalidations(ctx.em, CATEGORY_CHANGED);
  await save(ctx);
  return categoryFromEntity(category, ctx.tenant.organizationId);
}

/** Deletes a category without sub-categories or products. */
export async function deleteCategory(ctx: BrandTx, input: { id: string }): Promise<CategoryNode> {
  const id = requireOwnId(ctx.tenant, input.id, 'cat', 'Category');
  const category = await lockCategory(ctx, id);
  if (!category) throw notFound('Category');
  if (await hasChildren(ctx, id))
    fail('CATEGORY_HAS_CHILDREN', 'Move or delete its sub-categories first', 'id');
  if (await hasProducts(ctx, id))
    fail('CATEGORY_IN_USE', 'Products are in this category: move them first', 'id');
  const node = categoryFromEntity(category, ctx.tenant.organizationId);
  deleteCategoryRow(ctx, category);
  recordCacheInvalidations(ctx.em, CATEGORY_CHANGED);
  await save(ctx);
  return node;
}
