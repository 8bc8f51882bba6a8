import type { BrandTx } from '../services.ts';

/**
 * Writes every pending change of a write's transaction (the entities the
 * domain created, changed or removed) now; the commit follows when the unit of
 * work ends.
 */
export async function save(tx: BrandTx): Promise<void> {
  await tx.em.flush();
}
