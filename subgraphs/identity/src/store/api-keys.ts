import type { FilterQuery, RequiredEntityData } from '@mikro-orm/core';
import { type EntityManager, type PageArgs, pageArgs, toConnection } from '@tradegraph/shared';
import { ApiKey, Membership, Organization } from '../entities/index.ts';
import type { IdentityRead, IdentityTx } from '../services.ts';

/** API keys (ORM). Only a SHA-256 of the secret is stored. */

export type ApiKeyValues = RequiredEntityData<ApiKey>;

export function insertApiKey(tx: IdentityTx, values: ApiKeyValues): ApiKey {
  return tx.em.create(ApiKey, values);
}

/** The organisation's key with this id; null when it does not exist or is another organisation's. */
export function apiKeyOf(tx: IdentityTx, organizationId: string, id: string): Promise<ApiKey | null> {
  return tx.em.findOne(ApiKey, { id, organizationId });
}

/**
 * The organisation's keys, newest first (ids are time-ordered), cursor-paginated;
 * `formerMembers` true: only those whose creator is no longer a member, false: only the others.
 */
export async function listApiKeys(
  rx: IdentityRead,
  organizationId: string,
  formerMembers: boolean | null,
  args: PageArgs,
) {
  const page = pageArgs<string>(args);
  let where: FilterQuery<ApiKey> = { organizationId };
  if (formerMembers !== null) {
    const members = (await rx.em.find(Membership, { organizationId }, { fields: ['userId'] })).map(
      (m) => m.userId,
    );
    where = formerMembers
      ? { organizationId, createdByUserId: { $ne: null, $nin: members } }
      : { organizationId, $or: [{ createdByUserId: null }, { createdByUserId: { $in: members } }] };
  }
  const rows = await rx.em.find(ApiKey, page.after ? { ...where, id: { $lt: page.after } } : where, {
    orderBy: { id: 'desc' },
    limit: page.limit,
  });
  return toConnection(
    rows,
    page,
    (k) => k.id,
    () => rx.em.count(ApiKey, where),
  );
}

/** The key whose secret hashes to `secretHash`; null when there is none. */
export function apiKeyBySecretHash(em: EntityManager, secretHash: string): Promise<ApiKey | null> {
  return em.findOne(ApiKey, { secretHash });
}

/** The organisation a key acts for; null when it no longer exists. */
export function organizationOfKey(em: EntityManager, key: ApiKey): Promise<Organization | null> {
  return em.findOne(Organization, { id: key.organizationId });
}

/** Records a use of the key (outside any transaction: a single idempotent update). */
export async function touchApiKey(em: EntityManager, id: string, at: Date): Promise<void> {
  await em.nativeUpdate(ApiKey, { id }, { lastUsedAt: at });
}
