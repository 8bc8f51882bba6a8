import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { errors as joseErrors, jwtVerify, SignJWT } from 'jose';
import type { Principal } from './principal.ts';

/**
 * The router signs a short-lived token for every subgraph fetch carrying the
 * verified principal. Ed25519: only the router holds the private key, so a
 * compromised subgraph cannot mint tokens for the others. The audience is the
 * subgraph's name, so a token captured at one subgraph is useless at another.
 */

export const INTERNAL_TOKEN_HEADER = 'x-tradegraph-internal-token';
export const INTERNAL_ISSUER = 'tradegraph-router';
export const INTERNAL_TOKEN_TTL_SECONDS = 60;
const ALG = 'EdDSA';

export interface InternalClaims {
  principal: Principal;
  requestId: string;
  /** W3C traceparent of the router span, when the client sent one. */
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
  if (!token) throw new InternalTokenError('missing internal token');
  try {
    const { payload } = await jwtVerify(token, key, {
      algorithms: [ALG],
      issuer: INTERNAL_ISSUER,
      audience,
      typ: 'tg-internal+jwt',
      clockTolerance: 5,
      maxTokenAge: `${INTERNAL_TOKEN_TTL_SECONDS + 10}s`,
    });
    const principal = payload.pri as Principal | undefined;
    if (!principal || typeof principal !== 'object' || typeof principal.kind !== 'string') {
      throw new InternalTokenError('internal token carries no principal');
    }
    return {
      principal,
      requestId: typeof payload.rid === 'string' ? payload.rid : '',
      traceparent: typeof payload.tp === 'string' ? payload.tp : undefined,
    };
  } catch (err) {
    if (err instanceof InternalTokenError) throw err;
    if (err instanceof joseErrors.JOSEError)
      throw new InternalTokenError(`invalid internal token: ${err.code}`);
    throw err;
  }
}
