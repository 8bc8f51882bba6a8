import type { RequiredEntityData } from '@mikro-orm/core';
import { type EntityManager, forkEm, type Orm } from '@tradegraph/shared';
import { SigningKey } from '../entities/index.ts';

/**
 * Signing keys (ORM). Used at start-up and by the rotation CLI, outside any
 * request, so these take the ORM or a transaction's entity manager.
 */

export type SigningKeyValues = RequiredEntityData<SigningKey>;

/**
 * Runs `fn` in a transaction holding a named lock, so identity instances
 * starting together create one key, not several. The lock is taken on the
 * transaction's own connection (GET_LOCK is per connection). The lock is released
 * just before commit, so a race can still yield a second ACTIVE key: harmless, as
 * both are published and the newest signs.
 */
export async function withSigningKeyLock<T>(orm: Orm, fn: (em: EntityManager) => Promise<T>): Promise<T> {
  return forkEm(orm).transactional(async (em: EntityManager) => {
    const [row] = await em.execute<{ got: number }[]>(
      "select get_lock('tradegraph_signing_keys', 10) as got",
    );
    if (!row || Number(row.got) !== 1) throw new Error('could not acquire the signing-key lock');
    try {
      const result = await fn(em);
      await em.flush();
      return result;
    } finally {
      await em.execute("select release_lock('tradegraph_signing_keys')");
    }
  });
}

/** Runs `fn` in a plain transaction (no named lock). */
export function inKeyTransaction<T>(orm: Orm, fn: (em: EntityManager) => Promise<T>): Promise<T> {
  return forkEm(orm).transactional((em: EntityManager) => fn(em));
}

export function insertSigningKey(em: EntityManager, values: SigningKeyValues): SigningKey {
  return em.create(SigningKey, values);
}

export function signingKeysWithStatus(
  em: EntityManager,
  status: SigningKey['status'],
): Promise<SigningKey[]> {
  return em.find(SigningKey, { status }, { orderBy: { createdAt: 'desc' } });
}

/** Keys that verify tokens (ACTIVE and RETIRING), newest first. */
export function verifyingSigningKeys(orm: Orm): Promise<SigningKey[]> {
  return forkEm(orm).find(
    SigningKey,
    { status: { $in: ['ACTIVE', 'RETIRING'] } },
    { orderBy: { createdAt: 'desc' } },
  );
}

/** Every key, newest first (for the CLI's listing). */
export function allSigningKeys(orm: Orm): Promise<SigningKey[]> {
  return forkEm(orm).find(SigningKey, {}, { orderBy: { createdAt: 'desc' } });
}
