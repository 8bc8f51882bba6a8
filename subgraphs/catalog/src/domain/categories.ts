import { LockMode } from '@mikro-orm/core';
import { failWith, newId, notFound } from '@tradegraph/shared';
import type { TenantContext } from '../context.ts';
import { Category, Product } from '../entities/index.ts';
import { type CategoryNode, categoryFromEntity, sqlDate } from './nodes.ts';
import { qname, requireOwnId } from './tenants.ts';
import { LIMITS, longText, Problems, slugOf, text } from './validation.ts';

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

async function parentOf(ctx: TenantContext, problems: Problems, parentId: unknown) {
  if (parentId === null || parentId === undefined) return null;
  const id = (() => {
    try {
      return requireOwnId(ctx.tenant, parentId, 'cat', 'Category');
    } catch {
      return null;
    }
  })();
  const parent = id ? await ctx.em.findOne(Category, { id }) : null;
  if (!parent) problems.add('CATEGORY_NOT_FOUND', 'No such parent category', ['parentId']);
  return parent;
}

async function assertPathFree(ctx: TenantContext, path: string, exceptId?: string) {
  const clash = await ctx.em.findOne(Category, { path }, { fields: ['id'] });
  if (clash && clash.id !== exceptId)
    failWith('SLUG_TAKEN', 'A category with this slug already exists under this parent', 'slug');
}

export async function createCategory(ctx: TenantContext, input: CreateCategoryInput): Promise<CategoryNode> {
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
  const category = ctx.em.create(Category, {
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
  await ctx.em.flush();
  return categoryFromEntity(category, ctx.tenant.organizationId);
}

export async function updateCategory(ctx: TenantContext, input: UpdateCategoryInput): Promise<CategoryNode> {
  const id = requireOwnId(ctx.tenant, input.id, 'cat', 'Category');
  const category = await ctx.em.findOne(Category, { id }, { lockMode: LockMode.PESSIMISTIC_WRITE });
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
    parent = category.parentId ? await ctx.em.findOne(Category, { id: category.parentId }) : null;
  }
  problems.throwIfAny();

  const newDepth = parent ? parent.depth + 1 : 0;
  const newPath = parent ? `${parent.path}/${slug}` : slug!;
  if (newPath !== category.path) {
    const t = qname(ctx.tenant.dbName);
    const deepest = await ctx.em.execute<{ d: number | null }[]>(
      `select max(depth) as d from ${t}.categories where path like ?`,
      [`${category.path}/%`],
    );
    const subtreeHeight = (deepest[0]?.d ?? category.depth) - category.depth;
    if (newDepth + subtreeHeight >= LIMITS.categoryDepth)
      failWith('TOO_DEEP', `Categories nest at most ${LIMITS.categoryDepth} levels`, 'parentId');
    await assertPathFree(ctx, newPath, category.id);
    // descendants: replace the path prefix and shift the depth
    await ctx.em.execute(
      `update ${t}.categories set path = concat(?, substring(path, ?)), depth = depth + ?, updated_at = ?
        where path like ?`,
      [
        newPath,
        category.path.length + 1,
        newDepth - category.depth,
        sqlDate(new Date()),
        `${category.path}/%`,
      ],
    );
  }
  category.name = name!;
  category.slug = slug!;
  category.description = description ?? null;
  category.parentId = parent?.id ?? null;
  category.path = newPath;
  category.depth = newDepth;
  category.updatedAt = new Date();
  await ctx.em.flush();
  return categoryFromEntity(category, ctx.tenant.organizationId);
}

/** Deletes a category without sub-categories or products. */
export async function deleteCategory(ctx: TenantContext, input: { id: string }): Promise<CategoryNode> {
  const id = requireOwnId(ctx.tenant, input.id, 'cat', 'Category');
  const category = await ctx.em.findOne(Category, { id }, { lockMode: LockMode.PESSIMISTIC_WRITE });
  if (!category) throw notFound('Category');
  if (await ctx.em.count(Category, { parentId: id }))
    failWith('CATEGORY_HAS_CHILDREN', 'Move or delete its sub-categories first', 'id');
  if (await ctx.em.count(Product, { categoryId: id }))
    failWith('CATEGORY_IN_USE', 'Products are in this category: move them first', 'id');
  const node = categoryFromEntity(category, ctx.tenant.organizationId);
  ctx.em.remove(category);
  await ctx.em.flush();
  return node;
}
