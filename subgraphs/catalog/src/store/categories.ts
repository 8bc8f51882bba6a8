import { LockMode, type RequiredEntityData } from '@mikro-orm/core';
import { qualified } from '@tradegraph/shared';
import { Category, Product } from '../entities/index.ts';
import type { BrandTx } from '../services.ts';
import { sqlDate } from './rows.ts';

/** The category tree of the brand a write runs on (ORM and SQL on the transaction's `em`). */

export function findCategory(tx: BrandTx, id: string): Promise<Category | null> {
  return tx.em.findOne(Category, { id });
}

/** The category, locked for the rest of the transaction (FOR UPDATE); null when it does not exist. */
export function lockCategory(tx: BrandTx, id: string): Promise<Category | null> {
  return tx.em.findOne(Category, { id }, { lockMode: LockMode.PESSIMISTIC_WRITE });
}

/** The id of the category at this path, if any. */
export async function categoryIdAtPath(tx: BrandTx, path: string): Promise<string | null> {
  return (await tx.em.findOne(Category, { path }, { fields: ['id'] }))?.id ?? null;
}

/** The depth of the deepest descendant of the category at `path` (null without descendants). */
export async function deepestDescendantDepth(tx: BrandTx, path: string): Promise<number | null> {
  const rows = await tx.em.execute<{ d: number | null }[]>(
    `select max(depth) as d from ${qualified(tx.tenant.dbName, 'categories')} where path like ?`,
    [`${path}/%`],
  );
  const d = rows[0]?.d;
  return d === null || d === undefined ? null : Number(d);
}

/** Rewrites the paths of every descendant of `oldPath` under `newPath` and shifts their depth. */
export async function moveDescendants(
  tx: BrandTx,
  oldPath: string,
  newPath: string,
  depthShift: number,
  at: Date,
): Promise<void> {
  await tx.em.execute(
    `update ${qualified(tx.tenant.dbName, 'categories')}
        set path = concat(?, substring(path, ?)), depth = depth + ?, updated_at = ?
      where path like ?`,
    [newPath, oldPath.length + 1, depthShift, sqlDate(at), `${oldPath}/%`],
  );
}

export async function hasChildren(tx: BrandTx, id: string): Promise<boolean> {
  return (await tx.em.count(Category, { parentId: id })) > 0;
}

export async function hasProducts(tx: BrandTx, categoryId: string): Promise<boolean> {
  return (await tx.em.count(Product, { categoryId })) > 0;
}

export function insertCategory(tx: BrandTx, values: RequiredEntityData<Category>): Category {
  return tx.em.create(Category, values);
}

export function deleteCategory(tx: BrandTx, category: Category): void {
  tx.em.remove(category);
}
