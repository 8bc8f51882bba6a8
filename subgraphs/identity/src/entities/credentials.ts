import { defineEntity, p } from '@mikro-orm/core';
import type { AccessRevocationReason } from '@tradegraph/contracts';

/** One refresh token of a session family; only its SHA-256 is stored. */
export const RefreshToken = defineEntity({
  name: 'RefreshToken',
  tableName: 'refresh_tokens',
  properties: {
    id: p.string().primary(),
    familyId: p.string(),
    userId: p.string(),
    organizationId: p.string().nullable(),
    tokenHash: p.string().hidden(),
    status: p.string().$type<'ACTIVE' | 'ROTATED' | 'REVOKED'>(),
    expiresAt: p.datetime(),
    familyExpiresAt: p.datetime(),
    createdAt: p.datetime(),
    usedAt: p.datetime().nullable(),
  },
});
export type RefreshToken = InstanceType<typeof RefreshToken.class>;

/** An RS256 key pair used to sign access tokens; public halves are served as JWKS. */
export const SigningKey = defineEntity({
  name: 'SigningKey',
  tableName: 'signing_keys',
  properties: {
    kid: p.string().primary(),
    alg: p.string(),
    privateKey: p.text().hidden(),
    publicJwk: p.json<Record<string, unknown>>(),
    status: p.string().$type<'ACTIVE' | 'RETIRING' | 'RETIRED'>(),
    createdAt: p.datetime(),
    retiredAt: p.datetime().nullable(),
  },
});
export type SigningKey = InstanceType<typeof SigningKey.class>;

/** Failed-login window per login subject (hashed email), known or not. */
export const LoginAttempt = defineEntity({
  name: 'LoginAttempt',
  tableName: 'login_attempts',
  properties: {
    subjectHash: p.string().primary(),
    failures: p.integer(),
    windowStartedAt: p.datetime(),
    lockedUntil: p.datetime().nullable(),
  },
});
export type LoginAttempt = InstanceType<typeof LoginAttempt.class>;

/** One revocation of access: tokens matching every non-null id and issued before `notBefore` are refused. */
export const AccessRevocation = defineEntity({
  name: 'AccessRevocation',
  tableName: 'access_revocations',
  properties: {
    id: p.string().primary(),
    userId: p.string().nullable(),
    organizationId: p.string().nullable(),
    sessionId: p.string().nullable(),
    apiKeyId: p.string().nullable(),
    notBefore: p.datetime(),
    reason: p.string().$type<AccessRevocationReason>(),
    createdAt: p.datetime(),
  },
});
export type AccessRevocation = InstanceType<typeof AccessRevocation.class>;

/** What an account token lets its holder do once. */
export type AccountTokenPurpose = 'VERIFY_EMAIL' | 'RESET_PASSWORD';

/**
 * A single-use, expiring secret mailed to a user (email verification, password
 * reset); only its SHA-256 is stored. A newer token of the same purpose
 * REPLACES the pending ones; using it makes it USED.
 */
export const AccountToken = defineEntity({
  name: 'AccountToken',
  tableName: 'account_tokens',
  properties: {
    id: p.string().primary(),
    userId: p.string(),
    purpose: p.string().$type<AccountTokenPurpose>(),
    tokenHash: p.string().hidden(),
    /** The address the token was sent to (for verification: the address it proves). */
    email: p.string(),
    status: p.string().$type<'PENDING' | 'USED' | 'REPLACED'>(),
    expiresAt: p.datetime(),
    createdAt: p.datetime(),
    usedAt: p.datetime().nullable(),
  },
});
export type AccountToken = InstanceType<typeof AccountToken.class>;
