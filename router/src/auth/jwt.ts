import { ACCESS_TOKEN_ALGORITHMS, type AccessTokenClaims, type Logger } from '@tradegraph/shared/edge';
import {
  createLocalJWKSet,
  createRemoteJWKSet,
  type FlattenedJWSInput,
  type JWSHeaderParameters,
  type JWTPayload,
  errors as joseErrors,
  jwtVerify,
} from 'jose';
import { AuthenticationError, AuthUnavailableError } from './errors.ts';
import type { TokenSubject } from './revocations.ts';

export interface JwtVerifierOptions {
  jwksUrl: string;
  issuer: string;
  audience: string;
  /** Minimum time between refetches caused by an unknown `kid`. */
  cooldownMs: number;
  /** Refetch the JWKS at the latest after this long. */
  cacheMaxAgeMs: number;
  timeoutMs: number;
  logger: Logger;
}

/** JOSE failures that mean "identity could not be reached or served garbage", not "bad token". */
const UNAVAILABLE_CODES = new Set(['ERR_JWKS_TIMEOUT', 'ERR_JWKS_INVALID', 'ERR_JOSE_GENERIC']);

function isUnavailable(err: unknown): boolean {
  return !(err instanceof joseErrors.JOSEError) || UNAVAILABLE_CODES.has(err.code);
}

const optionalString = (v: unknown) => v === undefined || typeof v === 'string';

/** Narrows a verified payload to the access-token contract; anything else is not one of identity's tokens. */
function toAccessClaims(payload: JWTPayload): AccessTokenClaims {
  const p = payload as Record<string, unknown>;
  if (typeof p.sub !== 'string' || !p.sub) throw new AuthenticationError('Access token has no subject');
  if (p.typ === 'customer') return { typ: 'customer', sub: p.sub, sid: String(p.sid ?? '') };
  if (p.typ !== 'user') throw new AuthenticationError('Not an access token');
  const perms = p.perms ?? [];
  if (!Array.isArray(perms) || !perms.every((x) => typeof x === 'string')) {
    throw new AuthenticationError('Access token has malformed permissions');
  }
  if (!optionalString(p.org) || !optionalString(p.okd) || !optionalString(p.role)) {
    throw new AuthenticationError('Access token has malformed organisation claims');
  }
  return p as unknown as AccessTokenClaims;
}

/**
 * Verifies identity's RS256 access tokens against its JWKS. Keys are cached;
 * an unknown `kid` triggers a refetch (at most once per cooldown), so a key
 * rotation is picked up without a restart. If identity is unreachable when the
 * cached set is due for a refresh, the last good set keeps being used.
 */
export function createJwtVerifier(opts: JwtVerifierOptions): (token: string) => Promise<AccessTokenClaims> {
  const remote = createRemoteJWKSet(new URL(opts.jwksUrl), {
    cooldownDuration: opts.cooldownMs,
    cacheMaxAge: opts.cacheMaxAgeMs,
    timeoutDuration: opts.timeoutMs,
  });

  async function getKey(header: JWSHeaderParameters, token: FlattenedJWSInput) {
    try {
      return await remote(header, token);
    } catch (err) {
      const lastGood = remote.jwks();
      if (isUnavailable(err) && lastGood) {
        opts.logger.warn(
          { err: (err as Error).message },
          'JWKS refresh failed; using the last fetched key set',
        );
        return createLocalJWKSet(lastGood)(header, token);
      }
      throw err;
    }
  }

  return async (token) => {
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, getKey, {
        algorithms: [...ACCESS_TOKEN_ALGORITHMS],
        issuer: opts.issuer,
        audience: opts.audience,
        requiredClaims: ['exp', 'sub'],
        clockTolerance: 5,
      }));
    } catch (err) {
      if (isUnavailable(err)) {
        opts.logger.error({ err: (err as Error).message }, 'cannot fetch the JWKS from identity');
        throw new AuthUnavailableError('Cannot verify the access token: the identity service is unavailable');
      }
      const code = (err as InstanceType<typeof joseErrors.JOSEError>).code;
      throw new AuthenticationError(
        code === 'ERR_JWT_EXPIRED' ? 'Access token has expired' : 'Invalid access token',
      );
    }
    return toAccessClaims(payload);
  };
}

/**
 * Who a verified token is for and when it was issued, for the revocation
 * check. Identity adds `iat_ms` (the issue time in milliseconds): `iat` has
 * whole seconds, too coarse to tell a token signed just before a revocation
 * from one signed just after. Without it (or when it disagrees with `iat`),
 * `iat` is used: earlier, so such a token is refused rather than kept.
 */
export function tokenSubject(claims: AccessTokenClaims): TokenSubject {
  const raw = claims as { iat?: unknown; iat_ms?: unknown };
  const iat = typeof raw.iat === 'number' ? raw.iat * 1000 : 0;
  const ms = raw.iat_ms;
  const issuedAt = typeof ms === 'number' && ms >= iat && ms - iat < 2_000 ? ms : iat;
  return {
    userId: claims.sub,
    organizationId: claims.typ === 'user' ? (claims.org ?? null) : null,
    sessionId: claims.sid || null,
    issuedAt,
  };
}
