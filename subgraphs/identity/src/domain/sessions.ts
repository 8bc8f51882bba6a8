import { createHash, randomBytes } from 'node:crypto';
import { LockMode } from '@mikro-orm/core';
import { type AccessTokenClaims, type EntityManager, failWith, newId } from '@tradegraph/shared';
import { publish } from '@tradegraph/shared/events';
import { eventContext, type IdentityContext } from '../context.ts';
import { Membership, Organization, RefreshToken, User } from '../entities/index.ts';
import { permissionsFor } from './roles.ts';

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

export const sha256 = (value: string) => createHash('sha256').update(value).digest('hex');

/** The organisation a token acts for: the requested one (must be a member), else the first membership. */
async function actingMembership(
  em: EntityManager,
  user: User,
  organizationId?: string | null,
): Promise<(Membership & { org: Organization }) | null> {
  if (user.kind === 'CUSTOMER') return null;
  const memberships = await em.find(
    Membership,
    { userId: user.id },
    { orderBy: { createdAt: 'asc', id: 'asc' } },
  );
  const chosen = organizationId
    ? memberships.find((m) => m.organizationId === organizationId)
    : memberships[0];
  if (organizationId && !chosen)
    failWith('NOT_A_MEMBER', 'You are not a member of that organisation', 'organizationId');
  if (!chosen) return null;
  const org = await em.findOneOrFail(Organization, { id: chosen.organizationId });
  if (org.status !== 'ACTIVE')
    failWith('ORGANIZATION_SUSPENDED', 'That organisation is suspended', 'organizationId');
  return Object.assign(chosen, { org });
}

async function accessToken(
  ctx: IdentityContext,
  user: User,
  membership: (Membership & { org: Organization }) | null,
  familyId: string,
) {
  const cfg = ctx.services.config;
  const claims: AccessTokenClaims =
    user.kind === 'CUSTOMER'
      ? { typ: 'customer', sub: user.id, sid: familyId }
      : {
          typ: 'user',
          sub: user.id,
          sid: familyId,
          perms: membership ? permissionsFor(membership.role, membership.org.kind) : [],
          ...(membership
            ? { org: membership.organizationId, okd: membership.org.kind, role: membership.role }
            : {}),
        };
  const { sub: _sub, ...rest } = claims;
  return ctx.services.keys.sign(rest, {
    subject: user.id,
    issuer: cfg.ACCESS_TOKEN_ISSUER,
    audience: cfg.ACCESS_TOKEN_AUDIENCE,
    ttlSeconds: cfg.ACCESS_TOKEN_TTL_SECONDS,
  });
}

function newRefreshToken(
  ctx: IdentityContext,
  familyId: string,
  userId: string,
  organizationId: string | null,
  familyExpiresAt: Date,
) {
  const secret = `rt_${randomBytes(32).toString('base64url')}`;
  const expiresAt = new Date(
    Math.min(Date.now() + ctx.services.config.REFRESH_TOKEN_TTL_SECONDS * 1000, familyExpiresAt.getTime()),
  );
  ctx.em.create(RefreshToken, {
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

/** Starts a new session family for `user` (call inside a transaction). */
export async function startSession(
  ctx: IdentityContext,
  user: User,
  organizationId?: string | null,
): Promise<Session> {
  const membership = await actingMembership(ctx.em, user, organizationId);
  const familyId = newId('ses');
  const familyExpiresAt = new Date(Date.now() + ctx.services.config.SESSION_MAX_AGE_SECONDS * 1000);
  const orgId = membership?.organizationId ?? null;
  const refreshToken = newRefreshToken(ctx, familyId, user.id, orgId, familyExpiresAt);
  const { token, expiresAt } = await accessToken(ctx, user, membership, familyId);
  return { accessToken: token, refreshToken, expiresAt, user, organizationId: orgId };
}

async function revokeFamily(
  ctx: IdentityContext,
  familyId: string,
  userId: string,
  reason: 'logout' | 'reuse-detected',
) {
  await ctx.em.nativeUpdate(RefreshToken, { familyId, status: { $ne: 'REVOKED' } }, { status: 'REVOKED' });
  publish(ctx.em, eventContext(ctx), 'identity.session.revoked', {
    aggregateId: userId,
    orgId: null,
    payload: { subjectId: userId, familyId, reason },
  });
}

export type RefreshOutcome = { session: Session } | { reuseDetected: true };

/**
 * Rotates `presented` (call inside a transaction; the row is locked so two
 * concurrent refreshes with one token cannot both succeed). Returns
 * `reuseDetected` when a rotated token is replayed: the caller must commit
 * that outcome (the family revocation) and then report the failure.
 */
export async function refreshSession(ctx: IdentityContext, presented: string): Promise<RefreshOutcome> {
  if (typeof presented !== 'string' || !presented.startsWith('rt_') || presented.length > 100) {
    failWith('INVALID_REFRESH_TOKEN', 'The refresh token is invalid or expired', 'refreshToken');
  }
  const row = await ctx.em.findOne(
    RefreshToken,
    { tokenHash: sha256(presented) },
    { lockMode: LockMode.PESSIMISTIC_WRITE },
  );
  if (!row || row.status === 'REVOKED') {
    failWith('INVALID_REFRESH_TOKEN', 'The refresh token is invalid or expired', 'refreshToken');
  }
  const token = row!;
  if (token.status === 'ROTATED') {
    ctx.logger.warn(
      { familyId: token.familyId, userId: token.userId },
      'refresh token reuse detected; revoking family',
    );
    await revokeFamily(ctx, token.familyId, token.userId, 'reuse-detected');
    return { reuseDetected: true };
  }
  const now = new Date();
  if (token.expiresAt <= now)
    failWith('INVALID_REFRESH_TOKEN', 'The refresh token is invalid or expired', 'refreshToken');
  const user = await ctx.em.findOne(User, { id: token.userId });
  if (!user || user.status !== 'ACTIVE')
    failWith('INVALID_REFRESH_TOKEN', 'The refresh token is invalid or expired', 'refreshToken');
  token.status = 'ROTATED';
  token.usedAt = now;
  // The membership may have changed since the last token: re-read it; if it is gone, fall back to another.
  let membership: Awaited<ReturnType<typeof actingMembership>>;
  try {
    membership = await actingMembership(ctx.em, user!, token.organizationId);
  } catch {
    membership = await actingMembership(ctx.em, user!, null);
  }
  const orgId = membership?.organizationId ?? null;
  const refreshToken = newRefreshToken(ctx, token.familyId, user!.id, orgId, token.familyExpiresAt);
  const { token: access, expiresAt } = await accessToken(ctx, user!, membership, token.familyId);
  return { session: { accessToken: access, refreshToken, expiresAt, user: user!, organizationId: orgId } };
}

/** Ends the session the refresh token belongs to. Unknown tokens are ignored (logout is idempotent). */
export async function endSession(ctx: IdentityContext, presented: string): Promise<void> {
  if (typeof presented !== 'string' || presented.length > 100) return;
  const row = await ctx.em.findOne(RefreshToken, { tokenHash: sha256(presented) });
  if (!row || row.status === 'REVOKED') return;
  await revokeFamily(ctx, row.familyId, row.userId, 'logout');
}
