import { randomBytes } from 'node:crypto';
import {
  API_KEY_PREFIX,
  API_KEY_SCOPES,
  type ApiKeyIntrospection,
  type ApiKeyScope,
  type EntityManager,
  newId,
  notFound,
} from '@tradegraph/shared';
import type { ApiKey } from '../entities/index.ts';
import { apiKeyCreated } from '../events/publish.ts';
import type { IdentityTx } from '../services.ts';
import { currentMembership } from '../store/access.ts';
import {
  apiKeyBySecretHash,
  apiKeyOf,
  insertApiKey,
  organizationOfKey,
  touchApiKey,
} from '../store/api-keys.ts';
import { requireCurrentMember, requireVerifiedEmail } from './access.ts';
import { fail } from './errors.ts';
import { revokeAccess } from './revocations.ts';
import { permissionsFor, permissionsForScopes } from './roles.ts';
import { sha256 } from './tokens.ts';

/**
 * API keys for partner apps: `tgk_<key id>_<secret>`. The secret has 256 bits
 * of entropy, so a SHA-256 of it is a safe verifier (no slow hash needed); it
 * is shown once at creation. The router introspects keys at identity and
 * caches the answer; a revocation (of the key, its organisation or its
 * creator's access) drops that cache at every router within a second.
 */

/** The scopes, checked (at least one, all known) and in canonical order without duplicates. */
export function requireScopes(scopes: unknown): ApiKeyScope[] {
  if (!Array.isArray(scopes) || scopes.length === 0)
    return fail('SCOPES_REQUIRED', 'Choose at least one scope', 'scopes');
  for (const s of scopes as unknown[]) {
    if (!API_KEY_SCOPES.includes(s as ApiKeyScope))
      fail('INVALID_SCOPE', `Unknown scope ${String(s)}`, 'scopes');
  }
  return API_KEY_SCOPES.filter((s) => (scopes as unknown[]).includes(s));
}

/** A key's display name: trimmed, 1 to 120 characters. */
export function requireKeyName(name: unknown): string {
  const trimmed = typeof name === 'string' ? name.trim() : '';
  if (!trimmed || trimmed.length > 120) fail('INVALID_NAME', 'Name must be 1 to 120 characters', 'name');
  return trimmed;
}

export interface CreatedApiKey {
  apiKey: ApiKey;
  /** `tgk_…`: returned once, never stored. */
  secret: string;
}

/** Creates a key for the acting organisation with the chosen scopes; publishes `identity.api-key.created`. */
export async function createApiKey(
  tx: IdentityTx,
  input: { name: string; scopes: ApiKeyScope[]; expiresAt?: Date | null },
): Promise<CreatedApiKey> {
  const me = await requireCurrentMember(tx, 'apikeys:manage');
  requireVerifiedEmail(me);
  const { organizationId } = me;
  const name = requireKeyName(input.name);
  const scopes = requireScopes(input.scopes);
  const beyond = permissionsForScopes(scopes).filter((p) => !me.permissions.includes(p));
  if (beyond.length > 0)
    fail(
      'SCOPE_NOT_ALLOWED',
      `Your role does not grant ${beyond.join(', ')}, so no key of yours can`,
      'scopes',
    );
  const now = new Date();
  if (input.expiresAt && input.expiresAt <= now)
    fail('INVALID_EXPIRY', 'Expiry must be in the future', 'expiresAt');
  const ttlDays = tx.services.config.API_KEY_DEFAULT_TTL_DAYS;
  const id = newId('apk');
  const secret = `${API_KEY_PREFIX}${id.slice(4)}_${randomBytes(32).toString('base64url')}`;
  const apiKey = insertApiKey(tx, {
    id,
    organizationId,
    name,
    secretHash: sha256(secret),
    lastFour: secret.slice(-4),
    scopes,
    createdByUserId: me.userId,
    lastUsedAt: null,
    // No expiry asked for: the default life (API_KEY_DEFAULT_TTL_DAYS), never "forever".
    expiresAt: input.expiresAt ?? new Date(now.getTime() + ttlDays * 86_400_000),
    revokedAt: null,
    createdAt: now,
  });
  tx.publish('identity.api-key.created', {
    aggregateId: apiKey.id,
    orgId: organizationId,
    payload: apiKeyCreated(apiKey),
  });
  return { apiKey, secret };
}

/** Revokes one of the acting organisation's keys (idempotent); NOT_FOUND for another organisation's. */
export async function revokeApiKey(tx: IdentityTx, input: { id: string }): Promise<ApiKey> {
  const { organizationId } = await requireCurrentMember(tx, 'apikeys:manage');
  const key = await apiKeyOf(tx, organizationId, String(input.id));
  if (!key) throw notFound('API key');
  if (key.revokedAt) return key;
  key.revokedAt = new Date();
  tx.publish('identity.api-key.revoked', {
    aggregateId: key.id,
    orgId: organizationId,
    payload: { apiKeyId: key.id, organizationId },
  });
  revokeAccess(tx, { apiKeyId: key.id, organizationId }, 'api-key-revoked');
  return key;
}

/**
 * Answers the router's introspection of a presented key. A key never carries
 * more than its creator may do now: its permissions are those of its scopes
 * that the creator's current role grants, and it is inactive once the creator
 * has left the organisation (or their account is disabled).
 */
export async function introspectApiKey(em: EntityManager, presented: unknown): Promise<ApiKeyIntrospection> {
  if (typeof presented !== 'string' || !presented.startsWith(API_KEY_PREFIX) || presented.length > 200)
    return { active: false };
  const key = await apiKeyBySecretHash(em, sha256(presented));
  if (!key || key.revokedAt || (key.expiresAt && key.expiresAt <= new Date())) return { active: false };
  const org = await organizationOfKey(em, key);
  if (org?.status !== 'ACTIVE') return { active: false };
  let permissions = permissionsForScopes(key.scopes);
  if (key.createdByUserId) {
    const creator = await currentMembership({ em }, key.createdByUserId, key.organizationId);
    if (creator?.userStatus !== 'ACTIVE') return { active: false };
    const allowed = permissionsFor(creator.role, creator.organizationKind);
    permissions = permissions.filter((p) => allowed.includes(p));
  }
  // Coarse last-use tracking: at most one write a minute per key.
  if (!key.lastUsedAt || Date.now() - key.lastUsedAt.getTime() > 60_000)
    await touchApiKey(em, key.id, new Date());
  return {
    active: true,
    principal: {
      kind: 'apiKey',
      apiKeyId: key.id,
      organizationId: org.id,
      organizationKind: org.kind,
      permissions,
    },
  };
}
