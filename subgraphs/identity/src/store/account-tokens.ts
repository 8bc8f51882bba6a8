import { LockMode, type RequiredEntityData } from '@mikro-orm/core';
import { AccountToken, type AccountTokenPurpose } from '../entities/index.ts';
import type { IdentityTx } from '../services.ts';

/** Email-verification and password-reset tokens (ORM). Only a SHA-256 of each token is stored. */

export function insertAccountToken(tx: IdentityTx, values: RequiredEntityData<AccountToken>): AccountToken {
  return tx.em.create(AccountToken, values);
}

/**
 * The token with this hash and purpose, locked for the rest of the transaction
 * (FOR UPDATE), so two concurrent uses of one token cannot both succeed.
 */
export function lockAccountToken(
  tx: IdentityTx,
  tokenHash: string,
  purpose: AccountTokenPurpose,
): Promise<AccountToken | null> {
  return tx.em.findOne(AccountToken, { tokenHash, purpose }, { lockMode: LockMode.PESSIMISTIC_WRITE });
}

/** Marks the user's pending tokens of this purpose REPLACED (a newer one was sent, or one was used). */
export async function replacePendingTokens(
  tx: IdentityTx,
  userId: string,
  purpose: AccountTokenPurpose,
): Promise<void> {
  await tx.em.nativeUpdate(AccountToken, { userId, purpose, status: 'PENDING' }, { status: 'REPLACED' });
}

/** The user's newest pending, unexpired token of this purpose (e.g. to resend to its address), or null. */
export function latestPendingToken(
  tx: IdentityTx,
  userId: string,
  purpose: AccountTokenPurpose,
): Promise<AccountToken | null> {
  return tx.em.findOne(
    AccountToken,
    { userId, purpose, status: 'PENDING', expiresAt: { $gt: new Date() } },
    { orderBy: { createdAt: 'desc', id: 'desc' } },
  );
}
