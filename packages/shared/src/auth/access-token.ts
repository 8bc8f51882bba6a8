import type { OrganizationKind, Permission, Principal, Role } from './principal.ts';

/**
 * The contract between identity (which signs access tokens, RS256 with a `kid`
 * published at /.well-known/jwks.json) and the router (which verifies them).
 */

export const ACCESS_TOKEN_ALGORITHMS = ['RS256'] as const;
export const DEFAULT_ACCESS_TOKEN_ISSUER = 'tradegraph-identity';
export const DEFAULT_ACCESS_TOKEN_AUDIENCE = 'tradegraph';
/** Prefix of API-key secrets, so the router can tell them from JWTs without parsing. */
export const API_KEY_PREFIX = 'tgk_';
/** Path at identity where the router introspects API keys (internal token required). */
export const API_KEY_INTROSPECTION_PATH = '/internal/api-keys/introspect';
/**
 * Revocations of access (identity → router, docs/security.md): identity's feed
 * (`?since=<ms>&wait=<ms>`, internal token required), and the Redis channel and
 * sorted set it publishes them to when REDIS_URL is set. Each item is identity's
 * `identity.access.revoked` payload.
 */
export const REVOCATIONS_PATH = '/internal/revocations';
export const REVOCATION_CHANNEL = 'tradegraph:access-revocations';
export const REVOCATION_SET = 'tradegraph:access-revocations:recent';
/**
 * Header carrying the caller's IP from the router to subgraphs (set only by
 * the router, which drops any copy a client sends; trusted only beside a valid internal token).
 */
export const CLIENT_IP_HEADER = 'x-tradegraph-client-ip';

export type AccessTokenClaims =
  | {
      typ: 'user';
      sub: string;
      /** Acting organisation, its kind and the user's role there; absent for a user with no membership. */
      org?: string;
      okd?: OrganizationKind;
      role?: Role;
      perms: Permission[];
      /** Refresh-token family (session) id. */
      sid: string;
    }
  | { typ: 'customer'; sub: string; sid: string };

export interface ApiKeyIntrospection {
  active: boolean;
  principal?: Extract<Principal, { kind: 'apiKey' }>;
}

export function principalFromAccessClaims(c: AccessTokenClaims): Principal {
  if (c.typ === 'customer') return { kind: 'customer', customerId: c.sub };
  return {
    kind: 'user',
    userId: c.sub,
    organizationId: c.org ?? null,
    organizationKind: c.okd ?? null,
    role: c.role ?? null,
    permissions: c.perms ?? [],
  };
}
