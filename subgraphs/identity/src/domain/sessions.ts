import { randomBytes } from 'node:crypto';
import { type AccessTokenClaims, newId, UserErrors } from '@tradegraph/shared';
import type { Membership, Organization, User } from '../entities/index.ts';
import type { IdentityTx } from '../services.ts';
import { membershipsByUser, userById } from '../store/accounts.ts';
import { organizationById } from '../store/organizations.ts';
import {
  insertRefreshToken,
  lockRefreshToken,
  refreshTokenByHash,
  revokeRefreshFamily,
} from '../store/sessions.ts';
import { fail, type Refusal, refuse } from './errors.ts';
import { revokeAccess } from './revocations.ts';
import { permissionsFor } from './roles.ts';
import { sha256 } from './tokens.ts';

/**
 * Sessions: a short-lived RS256 access token plus a rotating refresh token.
 * Each refresh consumes the presented token and issues its successor in the
 * same family; presenting an already-rotated token means it was copied, so the
 * whole family is revoked (OAuth 2.0 Security BCP, refresh token rotation).
 */

export interface Session {
  accessToken: string;
  refreshToken: string;
  expiresAt: Date;
  user: User;
  organizationId: string | null;
}

type ActingMembership = { membership: Membership; org: Organization };

/** The organisation a token acts for: the requested one (must be a member), else the first membership. */
async function actingMembership(
  tx: IdentityTx,
  user: User,
  organizationId?: string | null,
): Promise<ActingMembership | null> {
  if (user.kind === 'CUSTOMER') return null;
  const memberships = await membershipsByUser(tx, user.id);
  const chosen = organizationId
    ? memberships.find((m) => m.organizationId === organizationId)
    : memberships[0];
  if (organizationId && !chosen)
    fail('NOT_A_MEMBER', 'You are not a member of that organisation', 'organizationId');
  if (!chosen) return null;
  const org = await organizationById(tx, chosen.organizationId);
  if (!org)
    throw new Error(`organisation ${chosen.organizationId} of membership ${chosen.id} does not exist`);
  if (org.status !== 'ACTIVE')
    fail('ORGANIZATION_SUSPENDED', 'That organisation is suspended', 'organizationId');
  return { membership: chosen, org };
}

async function accessToken(tx: IdentityTx, user: User, acting: ActingMembership | null, familyId: string) {
  const cfg = tx.services.config;
  const claims: AccessTokenClaims =
    user.kind === 'CUSTOMER'
      ? { typ: 'customer', sub: user.id, sid: familyId }
      : {
          typ: 'user',
          sub: user.id,
          sid: familyId,
          perms: acting ? permissionsFor(acting.membership.role, acting.org.kind) : [],
          ...(acting
            ? { org: acting.membership.organizationId, okd: acting.org.kind, role: acting.membership.role }
            : {}),
        };
  const { sub: _sub, ...rest } = claims;
  // The issue time in ms: routers refuse tokens issued before a revocation, and `iat` has whole seconds.
  return tx.services.keys.sign(
    { ...rest, iat_ms: Date.now() },
    {
      subject: user.id,
      issuer: cfg.ACCESS_TOKEN_ISSUER,
      audience: cfg.ACCESS_TOKEN_AUDIENCE,
      ttlSeconds: cfg.ACCESS_TOKEN_TTL_SECONDS,
    },
  );
}

function newRefreshToken(
  tx: IdentityTx,
  familyId: string,
  userId: string,
  organizationId: string | null,
  familyExpiresAt: Date,
) {
  const secret = `rt_${randomBytes(32).toString('base64url')}`;
  const expiresAt = new Date(
    Math.min(Date.now() + tx.services.config.REFRESH_TOKEN_TTL_SECONDS * 1000, familyExpiresAt.getTime()),
  );
  insertRefreshToken(tx, {
    id: newId('rtk'),
    familyId,
    userId,
    organizationId,
    tokenHash: sha256(secret),
    status: 'ACTIVE',
    expiresAt,
    familyExpiresAt,
    createdAt: new Date(),
    usedAt: null,
  });
  return secret;
}

/** Starts a new session family for `user` (inside the unit that signed them in). */
export async function startSession(
  tx: IdentityTx,
  user: User,
  organizationId?: string | null,
): Promise<Session> {
  const acting = await actingMembership(tx, user, organizationId);
  const familyId = newId('ses');
  const familyExpiresAt = new Date(Date.now() + tx.services.config.SESSION_MAX_AGE_SECONDS * 1000);
  const orgId = acting?.membership.organizationId ?? null;
  const refreshToken = newRefreshToken(tx, familyId, user.id, orgId, familyExpiresAt);
  const { token, expiresAt } = await accessToken(tx, user, acting, familyId);
  return { accessToken: token, refreshToken, expiresAt, user, organizationId: orgId };
}

async function revokeFamily(
  tx: IdentityTx,
  familyId: string,
  userId: string,
  reason: 'logout' | 'reuse-detected',
) {
  await revokeRefreshFamily(tx, familyId);
  tx.publish('identity.session.revoked', {
    aggregateId: userId,
    orgId: null,
    payload: { subjectId: userId, familyId, reason },
  });
  // The family's access tokens too, not only its refresh tokens.
  revokeAccess(tx, { userId, sessionId: familyId }, reason);
}

const invalidRefreshToken = (): never =>
  fail('INVALID_REFRESH_TOKEN', 'The refresh token is invalid or expired', 'refreshToken');

/**
 * Rotates `presented`. The row is locked, so two concurrent refreshes with one
 * token cannot both succeed. A replayed (already rotated) token revokes its
 * whole family: that is returned as a refusal, not thrown, so the revocation
 * commits before the caller reports the failure.
 */
export async function refreshSession(tx: IdentityTx, presented: string): Promise<Session | Refusal> {
  if (typeof presented !== 'string' || !presented.startsWith('rt_') || presented.length > 100) {
    return invalidRefreshToken();
  }
  const token = await lockRefreshToken(tx, sha256(presented));
  if (!token || token.status === 'REVOKED') return invalidRefreshToken();
  if (token.status === 'ROTATED') {
    tx.logger.warn(
      { familyId: token.familyId, userId: token.userId },
      'refresh token reuse detected; revoking family',
    );
    await revokeFamily(tx, token.familyId, token.userId, 'reuse-detected');
    return refuse(
      'REFRESH_TOKEN_REUSED',
      'This refresh token was already used; the session has been ended',
      'refreshToken',
    );
  }
  const now = new Date();
  if (token.expiresAt <= now) return invalidRefreshToken();
  const user = await userById(tx, token.userId);
  if (user?.status !== 'ACTIVE') return invalidRefreshToken();
  token.status = 'ROTATED';
  token.usedAt = now;
  // The membership may have changed since the last token: re-read it; if it is gone, fall back to another.
  let acting: ActingMembership | null;
  try {
    acting = await actingMembership(tx, user, token.organizationId);
  } catch (err) {
    if (!(err instanceof UserErrors)) throw err;
    acting = await actingMembership(tx, user, null);
  }
  const orgId = acting?.membership.organizationId ?? null;
  const refreshToken = newRefreshToken(tx, token.familyId, user.id, orgId, token.familyExpiresAt);
  const { token: access, expiresAt } = await accessToken(tx, user, acting, token.familyId);
  return { accessToken: access, refreshToken, expiresAt, user, organizationId: orgId };
}

/** Ends the session the refresh token belongs to. Unknown tokens are ignored (logout is idempotent). */
export async function endSession(tx: IdentityTx, presented: string): Promise<void> {
  if (typeof presented !== 'string' || presented.length > 100) return;
  const row = await refreshTokenByHash(tx, sha256(presented));
  if (!row || row.status === 'REVOKED') return;
  await revokeFamily(tx, row.familyId, row.userId, 'logout');
}
