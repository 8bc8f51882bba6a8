import { createHash } from 'node:crypto';
import {
  API_KEY_INTROSPECTION_PATH,
  type ApiKeyIntrospection,
  INTERNAL_TOKEN_HEADER,
  type Logger,
  ORGANIZATION_KINDS,
  type Principal,
} from '@tradegraph/shared/edge';
import { type Dispatcher, fetch } from 'undici';
import { AuthenticationError, AuthUnavailableError } from './errors.ts';

type ApiKeyPrincipal = Extract<Principal, { kind: 'apiKey' }>;

export interface ApiKeyVerifierOptions {
  identityUrl: string;
  /** Signs the router's own internal token (audience identity) for the introspection call. */
  signRouterToken: (requestId: string) => Promise<string>;
  cacheSeconds: number;
  cacheMaxEntries: number;
  timeoutMs: number;
  dispatcher: Dispatcher;
  logger: Logger;
  /** Observes cache hits and misses (metrics). */
  onLookup?: (result: 'hit' | 'miss') => void;
}

export interface ApiKeyVerifier {
  /** The key's principal; throws AuthenticationError (inactive/unknown) or AuthUnavailableError (identity down). */
  verify(key: string, requestId: string): Promise<ApiKeyPrincipal>;
  /**
   * Drops the cached answers whose principal matches (a revocation arrived);
   * introspections already under way are not cached nor shared afterwards.
   */
  forget(matches: (principal: ApiKeyPrincipal) => boolean): void;
  /** Number of cached results (tests, metrics). */
  readonly size: number;
}

/** tgk_ followed by a sane secret; anything else is refused without bothering identity. */
const API_KEY_SHAPE = /^tgk_[A-Za-z0-9_-]{8,200}$/;

function isApiKeyPrincipal(p: unknown): p is ApiKeyPrincipal {
  const o = p as Record<string, unknown> | null;
  return (
    !!o &&
    o.kind === 'apiKey' &&
    typeof o.apiKeyId === 'string' &&
    typeof o.organizationId === 'string' &&
    (ORGANIZATION_KINDS as readonly unknown[]).includes(o.organizationKind) &&
    Array.isArray(o.permissions) &&
    o.permissions.every((x) => typeof x === 'string')
  );
}

/**
 * Resolves API keys through identity's introspection endpoint. Results, active
 * or not, are cached for `cacheSeconds` under the key's SHA-256 (the secret
 * itself is never kept), in a bounded map; concurrent lookups of one key share
 * one call. Failures to reach identity are not cached.
 */
export function createApiKeyVerifier(opts: ApiKeyVerifierOptions): ApiKeyVerifier {
  const cache = new Map<string, { expiresAt: number; principal: ApiKeyPrincipal | null }>();
  const inFlight = new Map<string, Promise<ApiKeyPrincipal | null>>();
  const endpoint = new URL(API_KEY_INTROSPECTION_PATH, opts.identityUrl).toString();
  /** Bumped by forget(): an answer fetched across a revocation may be stale, so it is not kept. */
  let generation = 0;

  function remember(hash: string, principal: ApiKeyPrincipal | null) {
    if (opts.cacheSeconds <= 0) return;
    const now = Date.now();
    if (cache.size >= opts.cacheMaxEntries) {
      for (const [k, v] of cache) if (v.expiresAt <= now) cache.delete(k);
      // Still full: evict the oldest entries (Map iterates in insertion order).
      for (const k of cache.keys()) {
        if (cache.size < opts.cacheMaxEntries) break;
        cache.delete(k);
      }
    }
    cache.set(hash, { expiresAt: now + opts.cacheSeconds * 1000, principal });
  }

  async function introspect(key: string, requestId: string): Promise<ApiKeyPrincipal | null> {
    let body: ApiKeyIntrospection;
    try {
      const res = await fetch(endpoint, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          [INTERNAL_TOKEN_HEADER]: await opts.signRouterToken(requestId),
          'x-request-id': requestId,
        },
        body: JSON.stringify({ key }),
        dispatcher: opts.dispatcher,
        signal: AbortSignal.timeout(opts.timeoutMs),
      });
      if (!res.ok) {
        await res.body?.cancel();
        throw new Error(`introspection answered HTTP ${res.status}`);
      }
      body = (await res.json()) as ApiKeyIntrospection;
    } catch (err) {
      opts.logger.error({ err: (err as Error).message, requestId }, 'API key introspection failed');
      throw new AuthUnavailableError('Cannot verify the API key: the identity service is unavailable');
    }
    if (body?.active !== true) return null;
    if (!isApiKeyPrincipal(body.principal)) {
      opts.logger.error(
        { requestId },
        'API key introspection returned an active key without a valid principal',
      );
      throw new AuthUnavailableError(
        'Cannot verify the API key: the identity service gave an invalid answer',
      );
    }
    return body.principal;
  }

  return {
    get size() {
      return cache.size;
    },
    forget(matches) {
      generation++;
      inFlight.clear();
      for (const [hash, entry] of cache) if (entry.principal && matches(entry.principal)) cache.delete(hash);
    },
    async verify(key, requestId) {
      if (!API_KEY_SHAPE.test(key)) throw new AuthenticationError('Invalid API key');
      const hash = createHash('sha256').update(key).digest('hex');
      const cached = cache.get(hash);
      let principal: ApiKeyPrincipal | null;
      if (cached && cached.expiresAt > Date.now()) {
        opts.onLookup?.('hit');
        principal = cached.principal;
      } else {
        if (cached) cache.delete(hash);
        opts.onLookup?.('miss');
        let pending = inFlight.get(hash);
        if (!pending) {
          const started = generation;
          pending = introspect(key, requestId)
            .then((p) => {
              if (started === generation) remember(hash, p);
              return p;
            })
            .finally(() => {
              if (inFlight.get(hash) === pending) inFlight.delete(hash);
            });
          inFlight.set(hash, pending);
        }
        principal = await pending;
      }
      if (!principal) throw new AuthenticationError('Invalid or revoked API key');
      return principal;
    },
  };
}
