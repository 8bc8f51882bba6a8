import { LockMode, type RequiredEntityData } from '@mikro-orm/core';
import { Category, Product, Variant } from '../entities/index.ts';
import type { BrandTx } from '../services.ts';

/**
 * Products and variants of the brand a write runs on (ORM, the transaction's
 * `em`). Entities come back managed: the domain changes their fields and
 * `save` writes them with the rest of the transaction.
 */

export type ProductValues = RequiredEntityData<Product>;
export type VariantValues = RequiredEntityData<Variant>;

/** Whether the category exists in this brand's database. */
export async function categoryExists(tx: BrandTx, id: string): Promise<boolean> {
  return (await tx.em.count(Category, { id })) > 0;
}

/** The product, locked for the rest of the transaction (FOR UPDATE); null when it does not exist. */
export function lockProduct(tx: BrandTx, id: string): Promise<Product | null> {
  return tx.em.findOne(Product, { id }, { lockMode: LockMode.PESSIMISTIC_WRITE });
}

/** Every variant of the brand (any product, archived too) using one of these SKUs or GTINs. */
export function variantsUsing(
  tx: BrandTx,
  skus: string[],
  gtins: string[],
): Promise<Pick<Variant, 'id' | 'sku' | 'gtin'>[]> {
  const or: object[] = [];
  if (skus.length) or.push({ sku: { $in: skus } });
  if (gtins.length) or.push({ gtin: { $in: gtins } });
  if (!or.length) return Promise.resolve([]);
  return tx.em.find(Variant, { $or: or }, { fields: ['id', 'sku', 'gtin'] });
}

/** All variants of a product (archived too), by position. */
export function variantsOf(tx: BrandTx, productId: string): Promise<Variant[]> {
  return tx.em.find(Variant, { productId }, { orderBy: { position: 'asc' } });
}

/** The live (not archived) variants of a product, by position. */
export function liveVariantsOf(tx: BrandTx, productId: string): Promise<Variant[]> {
  return tx.em.find(Variant, { productId, archivedAt: null }, { orderBy: { position: 'asc' } });
}

export function insertProduct(tx: BrandTx, values: ProductValues): Product {
  return tx.em.create(Product, values);
}

export function insertVariant(tx: BrandTx, values: VariantValues): Variant {
  return tx.em.create(Variant, values);
}

export function deleteVariant(tx: BrandTx, variant: Variant): void {
  tx.em.remove(variant);
}
