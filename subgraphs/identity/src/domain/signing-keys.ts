import { createCipheriv, createDecipheriv, generateKeyPairSync, randomBytes, scryptSync } from 'node:crypto';
import { type EntityManager, type Logger, newId, type Orm } from '@tradegraph/shared';
import { type CryptoKey, exportJWK, importPKCS8, type JWK, SignJWT } from 'jose';
import type { SigningKey } from '../entities/index.ts';
import {
  inKeyTransaction,
  insertSigningKey,
  signingKeysWithStatus,
  verifyingSigningKeys,
  withSigningKeyLock,
} from '../store/signing-keys.ts';

/**
 * RS256 signing keys, persisted so every identity instance signs with the same
 * key and restarts keep tokens valid. Rotation adds a new ACTIVE key and moves
 * the old one to RETIRING: it is still published in the JWKS until every token
 * it signed has expired, then `retire` drops it. Instances re-read the table
 * every minute, so a rotation by the CLI reaches running processes.
 */

const ALG = 'RS256';
const REFRESH_MS = 60_000;

function sealKey(secret: string): Buffer {
  return scryptSync(secret, 'tradegraph-signing-keys', 32);
}

export function sealPrivateKey(pem: string, secret: string | undefined): string {
  if (!secret) return pem;
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', sealKey(secret), iv);
  const data = Buffer.concat([cipher.update(pem, 'utf8'), cipher.final()]);
  return `sealed:v1:${iv.toString('base64')}:${cipher.getAuthTag().toString('base64')}:${data.toString('base64')}`;
}

export function openPrivateKey(stored: string, secret: string | undefined): string {
  if (!stored.startsWith('sealed:v1:')) return stored;
  if (!secret) throw new Error('signing keys are sealed: set KEY_ENCRYPTION_SECRET');
  const [, , iv, tag, data] = stored.split(':');
  const decipher = createDecipheriv('aes-256-gcm', sealKey(secret), Buffer.from(iv!, 'base64'));
  decipher.setAuthTag(Buffer.from(tag!, 'base64'));
  return Buffer.concat([decipher.update(Buffer.from(data!, 'base64')), decipher.final()]).toString('utf8');
}

async function createKey(em: EntityManager, secret: string | undefined): Promise<SigningKey> {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const kid = newId('key');
  const jwk = await exportJWK(publicKey);
  return insertSigningKey(em, {
    kid,
    alg: ALG,
    privateKey: sealPrivateKey(privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), secret),
    publicJwk: { ...jwk, kid, alg: ALG, use: 'sig' },
    status: 'ACTIVE',
    createdAt: new Date(),
    retiredAt: null,
  });
}

/** Makes sure an ACTIVE key exists (first start). */
export async function ensureActiveKey(orm: Orm, secret: string | undefined): Promise<void> {
  await withSigningKeyLock(orm, async (em) => {
    if ((await signingKeysWithStatus(em, 'ACTIVE')).length) return;
    await createKey(em, secret);
  });
}

/** Adds a new ACTIVE key; the previous ACTIVE keys keep verifying as RETIRING. */
export async function rotateSigningKey(orm: Orm, secret: string | undefined): Promise<string> {
  return withSigningKeyLock(orm, async (em) => {
    const current = await signingKeysWithStatus(em, 'ACTIVE');
    for (const k of current) k.status = 'RETIRING';
    const key = await createKey(em, secret);
    return key.kid;
  });
}

/** Drops RETIRING keys older than `olderThanSeconds` (longer than an access token lives) from the JWKS. */
export async function retireSigningKeys(orm: Orm, olderThanSeconds: number): Promise<string[]> {
  return inKeyTransaction(orm, async (em) => {
    const cutoff = new Date(Date.now() - olderThanSeconds * 1000);
    // A RETIRING key stopped signing when its successor was created.
    const [active] = await signingKeysWithStatus(em, 'ACTIVE');
    if (!active || active.createdAt > cutoff) return [];
    const retiring = await signingKeysWithStatus(em, 'RETIRING');
    for (const k of retiring) {
      k.status = 'RETIRED';
      k.retiredAt = new Date();
    }
    return retiring.map((k) => k.kid);
  });
}

export class KeyStore {
  readonly #orm: Orm;
  readonly #secret: string | undefined;
  readonly #log: Logger;
  #loadedAt = 0;
  #loading: Promise<void> | null = null;
  #signing: { kid: string; key: CryptoKey } | null = null;
  #jwks: JWK[] = [];

  constructor(orm: Orm, secret: string | undefined, log: Logger) {
    this.#orm = orm;
    this.#secret = secret;
    this.#log = log;
  }

  async #refresh(force = false): Promise<void> {
    if (!force && this.#signing && Date.now() - this.#loadedAt < REFRESH_MS) return;
    this.#loading ??= (async () => {
      try {
        const keys = await verifyingSigningKeys(this.#orm);
        const active = keys.find((k) => k.status === 'ACTIVE');
        if (!active) throw new Error('no ACTIVE signing key (run identity once to create one)');
        if (this.#signing?.kid !== active.kid) {
          const pem = openPrivateKey(active.privateKey, this.#secret);
          this.#signing = { kid: active.kid, key: await importPKCS8(pem, ALG) };
          this.#log.info({ kid: active.kid }, 'signing with key');
        }
        this.#jwks = keys.map((k) => k.publicJwk as JWK);
        this.#loadedAt = Date.now();
      } finally {
        this.#loading = null;
      }
    })();
    await this.#loading;
  }

  async jwks(): Promise<{ keys: JWK[] }> {
    await this.#refresh();
    return { keys: this.#jwks };
  }

  async sign(
    claims: Record<string, unknown>,
    opts: { subject: string; issuer: string; audience: string; ttlSeconds: number },
  ) {
    await this.#refresh();
    const signing = this.#signing!;
    const now = Math.floor(Date.now() / 1000);
    const exp = now + opts.ttlSeconds;
    const token = await new SignJWT(claims)
      .setProtectedHeader({ alg: ALG, kid: signing.kid, typ: 'JWT' })
      .setSubject(opts.subject)
      .setIssuer(opts.issuer)
      .setAudience(opts.audience)
      .setIssuedAt(now)
      .setExpirationTime(exp)
      .setJti(newId('at'))
      .sign(signing.key);
    return { token, expiresAt: new Date(exp * 1000) };
  }

  /** Forces a reload (after a rotation in this process). */
  reload(): Promise<void> {
    return this.#refresh(true);
  }
}
