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
import { actingOrganization, type IdentityTx } from '../services.ts';
import {
  apiKeyBySecretHash,
  apiKeyOf,
  insertApiKey,
  organizationOfKey,
  touchApiKey,
} from '../store/api-keys.ts';
import { fail } from './errors.ts';
import { permissionsForScopes } from './roles.ts';
import { sha256 } from './tokens.ts';

/**
 * API keys for partner apps: `tgk_<key id>_<secret>`. The secret has 256 bits
 * of entropy, so a SHA-256 of it is a safe verifier (no slow hash needed); it
 * is shown once at creation. The router introspects keys at identity and
 * caches the answer briefly, so a revocation takes effect within that cache time.
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
  const { organizationId } = actingOrganization(tx);
  const name = requireKeyName(input.name);
  const scopes = requireScopes(input.scopes);
  if (input.expiresAt && input.expiresAt <= new Date())
    fail('INVALID_EXPIRY', 'Expiry must be in the future', 'expiresAt');
  const id = newId('apk');
  const secret = `${API_KEY_PREFIX}${id.slice(4)}_${randomBytes(32).toString('base64url')}`;
  const apiKey = insertApiKey(tx, {
    id,
    organizationId,
    name,
    secretHash: sha256(secret),
    lastFour: secret.slice(-4),
    scopes,
    createdByUserId: tx.principal.kind === 'user' ? tx.principal.userId : null,
    lastUsedAt: null,
    expiresAt: input.expiresAt ?? null,
    revokedAt: null,
    createdAt: new Date(),
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
  const { organizationId } = actingOrganization(tx);
  const key = await apiKeyOf(tx, organizationId, String(input.id));
  if (!key) throw notFound('API key');
  if (key.revokedAt) return key;
  key.revokedAt = new Date();
  tx.publish('identity.api-key.revoked', {
    aggregateId: key.id,
    orgId: organizationId,
    payload: { apiKeyId: key.id, organizationId },
  });
  return key;
}

/** Answers the router's introspection of a presented key. */
export async function introspectApiKey(em: EntityManager, presented: unknown): Promise<ApiKeyIntrospection> {
  if (typeof presented !== 'string' || !presented.startsWith(API_KEY_PREFIX) || presented.length > 200)
    return { active: false };
  const key = await apiKeyBySecretHash(em, sha256(presented));
  if (!key || key.revokedAt || (key.expiresAt && key.expiresAt <= new Date())) return { active: false };
  const org = await organizationOfKey(em, key);
  if (org?.status !== 'ACTIVE') return { active: false };
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
      permissions: permissionsForScopes(key.scopes),
    },
  };
}
