import { LockMode, type RequiredEntityData } from '@mikro-orm/core';
import { RefreshToken } from '../entities/index.ts';
import type { IdentityTx } from '../services.ts';

/** Refresh tokens (ORM). Only a SHA-256 of each token is stored. */

export type RefreshTokenValues = RequiredEntityData<RefreshToken>;

export function insertRefreshToken(tx: IdentityTx, values: RefreshTokenValues): RefreshToken {
  return tx.em.create(RefreshToken, values);
}

/**
 * The token with this hash, locked for the rest of the transaction (FOR
 * UPDATE), so two concurrent refreshes with one token cannot both rotate it.
 */
export function lockRefreshToken(tx: IdentityTx, tokenHash: string): Promise<RefreshToken | null> {
  return tx.em.findOne(RefreshToken, { tokenHash }, { lockMode: LockMode.PESSIMISTIC_WRITE });
}

export function refreshTokenByHash(tx: IdentityTx, tokenHash: string): Promise<RefreshToken | null> {
  return tx.em.findOne(RefreshToken, { tokenHash });
}

/** Revokes every token of the family not revoked yet. */
export async function revokeRefreshFamily(tx: IdentityTx, familyId: string): Promise<void> {
  await tx.em.nativeUpdate(RefreshToken, { familyId, status: { $ne: 'REVOKED' } }, { status: 'REVOKED' });
}

/** Revokes every refresh token of the user not revoked yet (every session ends: password change or reset). */
export async function revokeUserRefreshTokens(tx: IdentityTx, userId: string): Promise<void> {
  await tx.em.nativeUpdate(RefreshToken, { userId, status: { $ne: 'REVOKED' } }, { status: 'REVOKED' });
}
