import type { RequiredEntityData } from '@mikro-orm/core';
import type { EntityManager } from '@tradegraph/shared';
import { AccessRevocation } from '../entities/index.ts';
import type { IdentityTx } from '../services.ts';

/** Revocations of access (ORM). */

export function insertRevocation(
  tx: IdentityTx,
  values: RequiredEntityData<AccessRevocation>,
): AccessRevocation {
  return tx.em.create(AccessRevocation, values);
}

/** Revocations recorded at or after `since`, oldest first (the feed; bounded by `limit`). */
export function revocationsSince(em: EntityManager, since: Date, limit: number): Promise<AccessRevocation[]> {
  return em.find(
    AccessRevocation,
    { createdAt: { $gte: since } },
    { orderBy: { createdAt: 'asc', id: 'asc' }, limit },
  );
}
