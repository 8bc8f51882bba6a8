import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { errors as joseErrors, jwtVerify, SignJWT } from 'jose';
import type { Principal } from './principal.ts';

/**
 * The router sends a short-lived token with every subgraph fetch carrying the
 * verified principal. Ed25519: only the router holds the private key, so a
 * compromised subgraph cannot mint tokens for the others. The audience is the
 * subgraph's name, so a token captured at one subgraph is useless at another.
 *
 * A token is bound to principal + audience only (request id and trace context
 * travel in headers), so the router reuses one for a few seconds
 * (createInternalTokenSigner) and a subgraph verifies each distinct token once
 * (createInternalTokenVerifier): one signature per principal and subgraph every
 * few seconds instead of an Ed25519 sign and verify per fetch.
 */

export const INTERNAL_TOKEN_HEADER = 'x-tradegraph-internal-token';
export const INTERNAL_ISSUER = 'tradegraph-router';
export const INTERNAL_TOKEN_TTL_SECONDS = 60;
/** How long the router reuses a token for the same principal and audience (well inside its lifetime). */
export const INTERNAL_TOKEN_REUSE_SECONDS = 10;
const ALG = 'EdDSA';
const CLOCK_TOLERANCE_SECONDS = 5;
const MAX_TOKEN_AGE_SECONDS = INTERNAL_TOKEN_TTL_SECONDS + 10;

export interface InternalClaims {
  principal: Principal;
  /**
   * Request id and W3C traceparent: tokens signed by the router no longer carry
   * them (they are the `x-request-id` and `traceparent` headers); older tokens,
   * and tests, still may.
   */
  requestId?: string;
  traceparent?: string;
}

/** Accepts a PEM, or a PEM base64-encoded onto one line (convenient in env files). */
function pem(value: string): string {
  const v = value.trim();
  return v.startsWith('-----') ? v : Buffer.from(v, 'base64').toString('utf8');
}

export function loadInternalPrivateKey(value: string): KeyObject {
  return createPrivateKey(pem(value));
}

export function loadInternalPublicKey(value: string): KeyObject {
  return createPublicKey(pem(value));
}

/** A fresh router key pair, PEM-encoded (used by `npm start` and tests). */
export function generateInternalKeyPair(): { privateKey: string; publicKey: string } {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return {
    privateKey: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    publicKey: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  };
}

export async function signInternalToken(
  key: KeyObject,
  audience: string,
  claims: InternalClaims,
  ttlSeconds = INTERNAL_TOKEN_TTL_SECONDS,
): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ pri: claims.principal, rid: claims.requestId, tp: claims.traceparent })
    .setProtectedHeader({ alg: ALG, typ: 'tg-internal+jwt' })
    .setIssuer(INTERNAL_ISSUER)
    .setAudience(audience)
    .setIssuedAt(now)
    .setExpirationTime(now + ttlSeconds)
    .sign(key);
}

export class InternalTokenError extends Error {
  override name = 'InternalTokenError';
}

export async function verifyInternalToken(
  key: KeyObject,
  audience: string,
  token: string | undefined,
): Promise<InternalClaims> {
  return (await verifyWithTimes(key, audience, token)).claims;
}

/** Verifies a token; also answers until when (ms) it keeps verifying: expiry or maximum age, plus the tolerance. */
async function verifyWithTimes(
  key: KeyObject,
  audience: string,
  token: string | undefined,
  now?: number,
): Promise<{ claims: InternalClaims; validUntilMs: number }> {
  if (!token) throw new InternalTokenError('missing internal token');
  try {
    const { payload } = await jwtVerify(token, key, {
      algorithms: [ALG],
      issuer: INTERNAL_ISSUER,
      audience,
      typ: 'tg-internal+jwt',
      clockTolerance: CLOCK_TOLERANCE_SECONDS,
      maxTokenAge: `${MAX_TOKEN_AGE_SECONDS}s`,
      requiredClaims: ['exp', 'iat'],
      ...(now !== undefined ? { currentDate: new Date(now) } : {}),
    });
    const principal = payload.pri as Principal | undefined;
    if (!principal || typeof principal !== 'object' || typeof principal.kind !== 'string') {
      throw new InternalTokenError('internal token carries no principal');
    }
    const claims: InternalClaims = {
      principal,
      ...(typeof payload.rid === 'string' ? { requestId: payload.rid } : {}),
      ...(typeof payload.tp === 'string' ? { traceparent: payload.tp } : {}),
    };
    const until = Math.min(payload.exp!, payload.iat! + MAX_TOKEN_AGE_SECONDS) + CLOCK_TOLERANCE_SECONDS;
    return { claims, validUntilMs: until * 1000 };
  } catch (err) {
    if (err instanceof InternalTokenError) throw err;
    if (err instanceof joseErrors.JOSEError)
      throw new InternalTokenError(`invalid internal token: ${err.code}`);
    throw err;
  }
}

export interface InternalTokenSignerOptions {
  ttlSeconds?: number;
  /** Reuse a token this long; after that a fresh one is signed (default INTERNAL_TOKEN_REUSE_SECONDS). */
  reuseSeconds?: number;
  /** Distinct principal + audience pairs kept (oldest dropped first). */
  maxEntries?: number;
  now?: () => number;
}

/**
 * The router's token source: a token per principal + audience, reused for
 * `reuseSeconds` of its `ttlSeconds` lifetime (so it always has at least
 * ttl − reuse seconds left when sent). Anonymous shoppers all share one token
 * per subgraph; a user whose role or permissions change gets a new one at once
 * (the principal is the key).
 */
export function createInternalTokenSigner(
  key: KeyObject,
  opts: InternalTokenSignerOptions = {},
): (audience: string, principal: Principal) => Promise<string> {
  const ttl = opts.ttlSeconds ?? INTERNAL_TOKEN_TTL_SECONDS;
  const reuseMs = Math.min(opts.reuseSeconds ?? INTERNAL_TOKEN_REUSE_SECONDS, ttl / 2) * 1000;
  const maxEntries = opts.maxEntries ?? 10_000;
  const now = opts.now ?? Date.now;
  const cache = new Map<string, { token: Promise<string>; freshUntil: number }>();
  return (audience, principal) => {
    const cacheKey = `${audience}\n${JSON.stringify(principal)}`;
    const at = now();
    const hit = cache.get(cacheKey);
    if (hit && at < hit.freshUntil) return hit.token;
    if (hit) cache.delete(cacheKey);
    else if (cache.size >= maxEntries) cache.delete(cache.keys().next().value as string);
    const token = signInternalToken(key, audience, { principal }, ttl);
    cache.set(cacheKey, { token, freshUntil: at + reuseMs });
    token.catch(() => {
      if (cache.get(cacheKey)?.token === token) cache.delete(cacheKey);
    });
    return token;
  };
}

export interface InternalTokenVerifierOptions {
  /** Distinct verified tokens remembered (oldest dropped first). */
  maxEntries?: number;
  now?: () => number;
}

/**
 * A subgraph's token check: verifies a token (signature, issuer, audience,
 * type, lifetime) the first time it is seen and remembers the result until the
 * token would stop verifying (expiry or maximum age, with the same clock
 * tolerance), so a token the router reuses costs one Ed25519 verification.
 * Only tokens that verified are remembered; every caller gets its own copy of
 * the claims.
 */
export function createInternalTokenVerifier(
  key: KeyObject,
  audience: string,
  opts: InternalTokenVerifierOptions = {},
): (token: string | undefined) => Promise<InternalClaims> {
  const maxEntries = opts.maxEntries ?? 10_000;
  const now = opts.now ?? Date.now;
  const cache = new Map<string, { claims: string; validUntil: number }>();
  // Concurrent first sightings of one token share a single verification.
  const pending = new Map<string, Promise<string>>();
  const verify = async (token: string): Promise<string> => {
    try {
      const { claims, validUntilMs } = await verifyWithTimes(key, audience, token, now());
      const json = JSON.stringify(claims);
      if (cache.size >= maxEntries) cache.delete(cache.keys().next().value as string);
      cache.set(token, { claims: json, validUntil: validUntilMs });
      return json;
    } finally {
      pending.delete(token);
    }
  };
  return async (token) => {
    if (!token) throw new InternalTokenError('missing internal token');
    const hit = cache.get(token);
    if (hit) {
      if (now() < hit.validUntil) return JSON.parse(hit.claims) as InternalClaims;
      cache.delete(token);
    }
    let verified = pending.get(token);
    if (!verified) {
      verified = verify(token);
      pending.set(token, verified);
    }
    return JSON.parse(await verified) as InternalClaims;
  };
}
