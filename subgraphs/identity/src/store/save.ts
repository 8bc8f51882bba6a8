import type { IdentityTx } from '../services.ts';

/**
 * Writes every pending change of a write's transaction (the entities the
 * domain created, changed or removed) now, so the statements that follow in
 * the same unit (e.g. the new member's memberships when a session starts)
 * see them; the commit follows when the unit of work ends.
 */
export async function save(tx: IdentityTx): Promise<void> {
  await tx.em.flush();
}
