import { randomBytes } from 'node:crypto';
import {
  API_KEY_PREFIX,
  API_KEY_SCOPES,
  type ApiKeyIntrospection,
  type ApiKeyScope,
  type EntityManager,
  failWith,
  newId,
  notFound,
  type PageArgs,
  pageArgs,
  requirePermission,
  toConnection,
} from '@tradegraph/shared';
import { publish } from '@tradegraph/shared/events';
import { eventContext, type IdentityContext } from '../context.ts';
import { ApiKey, Organization } from '../entities/index.ts';
import { permissionsForScopes } from './roles.ts';
import { sha256 } from './sessions.ts';

/**
 * API keys for partner apps: `tgk_<key id>_<secret>`. The secret has 256 bits
 * of entropy, so a SHA-256 of it is a safe verifier (no slow hash needed); it
 * is shown once at creation. The router introspects keys at identity and
 * caches the answer briefly, so a revocation takes effect within that cache time.
 */

function requireScopes(scopes: unknown): ApiKeyScope[] {
  if (!Array.isArray(scopes) || scopes.length === 0)
    failWith('SCOPES_REQUIRED', 'Choose at least one scope', 'scopes');
  for (const s of scopes as unknown[]) {
    if (!API_KEY_SCOPES.includes(s as ApiKeyScope))
      failWith('INVALID_SCOPE', `Unknown scope ${String(s)}`, 'scopes');
  }
  return API_KEY_SCOPES.filter((s) => (scopes as unknown[]).includes(s));
}

export async function createApiKey(
  ctx: IdentityContext,
  input: { name: string; scopes: ApiKeyScope[]; expiresAt?: Date | null },
) {
  const { organizationId } = requirePermission(ctx.principal, 'apikeys:manage');
  const name = typeof input.name === 'string' ? input.name.trim() : '';
  if (!name || name.length > 120) failWith('INVALID_NAME', 'Name must be 1 to 120 characters', 'name');
  const scopes = requireScopes(input.scopes);
  if (input.expiresAt && input.expiresAt <= new Date())
    failWith('INVALID_EXPIRY', 'Expiry must be in the future', 'expiresAt');
  const id = newId('apk');
  const secret = `${API_KEY_PREFIX}${id.slice(4)}_${randomBytes(32).toString('base64url')}`;
  const key = ctx.em.create(ApiKey, {
    id,
    organizationId,
    name,
    secretHash: sha256(secret),
    lastFour: secret.slice(-4),
    scopes,
    createdByUserId: ctx.principal.kind === 'user' ? ctx.principal.userId : null,
    lastUsedAt: null,
    expiresAt: input.expiresAt ?? null,
    revokedAt: null,
    createdAt: new Date(),
  });
  publish(ctx.em, eventContext(ctx), 'identity.api-key.created', {
    aggregateId: key.id,
    orgId: organizationId,
    payload: { apiKeyId: key.id, organizationId, name, scopes, createdByUserId: key.createdByUserId ?? null },
  });
  return { apiKey: key, secret };
}

export async function revokeApiKey(ctx: IdentityContext, input: { id: string }) {
  const { organizationId } = requirePermission(ctx.principal, 'apikeys:manage');
  const key = await ctx.em.findOne(ApiKey, { id: String(input.id), organizationId });
  if (!key) throw notFound('API key');
  if (key.revokedAt) return key;
  key.revokedAt = new Date();
  publish(ctx.em, eventContext(ctx), 'identity.api-key.revoked', {
    aggregateId: key.id,
    orgId: organizationId,
    payload: { apiKeyId: key.id, organizationId },
  });
  return key;
}

export async function listApiKeys(ctx: IdentityContext, args: PageArgs) {
  const { organizationId } = requirePermission(ctx.principal, 'apikeys:read');
  const page = pageArgs<string>(args);
  const where = { organizationId };
  const rows = await ctx.em.find(ApiKey, page.after ? { ...where, id: { $lt: page.after } } : where, {
    orderBy: { id: 'desc' },
    limit: page.limit,
  });
  return toConnection(
    rows,
    page,
    (k) => k.id,
    () => ctx.em.count(ApiKey, where),
  );
}

/** Answers the router's introspection of a presented key. */
export async function introspectApiKey(em: EntityManager, presented: unknown): Promise<ApiKeyIntrospection> {
  if (typeof presented !== 'string' || !presented.startsWith(API_KEY_PREFIX) || presented.length > 200)
    return { active: false };
  const key = await em.findOne(ApiKey, { secretHash: sha256(presented) });
  if (!key || key.revokedAt || (key.expiresAt && key.expiresAt <= new Date())) return { active: false };
  const org = await em.findOne(Organization, { id: key.organizationId });
  if (!org || org.status !== 'ACTIVE') return { active: false };
  // Coarse last-use tracking: at most one write a minute per key.
  if (!key.lastUsedAt || Date.now() - key.lastUsedAt.getTime() > 60_000) {
    await em.nativeUpdate(ApiKey, { id: key.id }, { lastUsedAt: new Date() });
  }
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
