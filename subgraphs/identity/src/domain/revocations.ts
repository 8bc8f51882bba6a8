import type { AccessRevocationReason } from '@tradegraph/contracts';
import { newId } from '@tradegraph/shared';
import type { AccessRevocation } from '../entities/index.ts';
import { accessRevoked } from '../events/publish.ts';
import type { IdentityTx } from '../services.ts';
import { insertRevocation } from '../store/revocations.ts';

/** Whose access ends: every access token matching ALL the given ids (see AccessRevokedPayload). */
export interface RevocationTarget {
  userId?: string | null;
  organizationId?: string | null;
  sessionId?: string | null;
  apiKeyId?: string | null;
}

/**
 * Ends access in the unit of work: a row the revocation feed serves to every
 * router (through Redis when configured) and an `identity.access.revoked`
 * event. Tokens issued before `notBefore` that match the target are refused.
 * Call it after the row that changed access is locked or written, so a token
 * issued concurrently from the old state is older than `notBefore`.
 */
export function revokeAccess(
  tx: IdentityTx,
  target: RevocationTarget,
  reason: AccessRevocationReason,
): AccessRevocation {
  const now = new Date();
  const row = insertRevocation(tx, {
    id: newId('rev'),
    userId: target.userId ?? null,
    organizationId: target.organizationId ?? null,
    sessionId: target.sessionId ?? null,
    apiKeyId: target.apiKeyId ?? null,
    notBefore: now,
    reason,
    createdAt: now,
  });
  tx.publish('identity.access.revoked', {
    aggregateId: row.id,
    orgId: row.organizationId,
    payload: accessRevoked(row),
  });
  return row;
}
