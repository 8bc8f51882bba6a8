import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { KeyValueCache } from '@apollo/utils.keyvaluecache';
import type { Logger } from '@tradegraph/shared';
import { GraphQLError } from 'graphql';
import type { Redis } from 'ioredis';

/**
 * Trusted documents: the operations the client apps were built with,
 * registered ahead of time by `npm run documents -- register` (sha256 of the
 * exact text → text), plus automatic persisted queries (APQ) for everybody else.
 *
 *   off               APQ only; the registry is not consulted.
 *   allow-registered  registered documents can be sent by hash alone (even to a
 *                     router that never saw them); any other operation still runs.
 *   require           only registered documents run; APQ cannot register new ones.
 */
export const TRUSTED_DOCUMENT_MODES = ['off', 'allow-registered', 'require'] as const;
export type TrustedDocumentMode = (typeof TRUSTED_DOCUMENT_MODES)[number];

export const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/** The manifest format of GraphQL Codegen's persisted documents (and of TRUSTED_DOCUMENTS_FILE). */
export type DocumentManifest = Record<string, string>;

export function readManifest(path: string): DocumentManifest {
  const parsed = JSON.parse(readFileSync(path, 'utf8')) as unknown;
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new Error(`${path} is not a JSON object of hash → document`);
  }
  for (const [hash, text] of Object.entries(parsed)) {
    if (typeof text !== 'string') throw new Error(`${path}: the document of ${hash} is not a string`);
  }
  return parsed as DocumentManifest;
}

/** The Redis hash that holds registered documents (field = sha256, value = text). */
export const trustedDocumentsKey = (prefix: string) => `${prefix}trusted-documents`;

export class NotInSafelistError extends GraphQLError {
  constructor() {
    super('This operation is not a registered trusted document; the router only runs registered operations', {
      extensions: { code: 'PERSISTED_QUERY_NOT_IN_LIST', http: { status: 400 } },
    });
  }
}

export interface TrustedDocuments {
  mode: TrustedDocumentMode;
  /** The registered text of `hash`, or undefined. */
  lookup(hash: string): Promise<string | undefined>;
  /** Apollo Server's persisted-query cache: registered documents first, then APQ entries. */
  apqCache: KeyValueCache<string>;
}

/** A small LRU of strings (APQ entries when there is no Redis). */
function lruCache(maxEntries: number) {
  const map = new Map<string, string>();
  return {
    get(key: string) {
      const value = map.get(key);
      if (value !== undefined) {
        map.delete(key);
        map.set(key, value);
      }
      return value;
    },
    set(key: string, value: string) {
      map.delete(key);
      map.set(key, value);
      while (map.size > maxEntries) map.delete(map.keys().next().value!);
    },
    delete: (key: string) => map.delete(key),
  };
}

export function createTrustedDocuments(opts: {
  mode: TrustedDocumentMode;
  /** Registered documents from TRUSTED_DOCUMENTS_FILE. */
  manifest?: DocumentManifest;
  redis?: Redis;
  prefix: string;
  apqTtlSeconds: number;
  apqMaxEntries: number;
  logger: Logger;
}): TrustedDocuments {
  // Registered documents never change under their hash, so what was found once stays known.
  const registered = new Map(Object.entries(opts.manifest ?? {}));
  const apqMemory = lruCache(opts.apqMaxEntries);
  const registry = trustedDocumentsKey(opts.prefix);
  const apqKey = (hash: string) => `${opts.prefix}apq:${hash}`;
  let warned = false;
  const redisFailed = (err: unknown) => {
    if (warned) return;
    warned = true;
    opts.logger.warn(
      { err: (err as Error).message },
      'trusted documents: Redis unavailable, using local copies',
    );
  };

  async function lookup(hash: string): Promise<string | undefined> {
    const known = registered.get(hash);
    if (known !== undefined || !opts.redis) return known;
    try {
      const text = await opts.redis.hget(registry, hash);
      warned = false;
      if (text !== null) registered.set(hash, text);
      return text ?? undefined;
    } catch (err) {
      redisFailed(err);
      return undefined;
    }
  }

  const APQ_PREFIX = 'apq:';
  const apqCache: KeyValueCache<string> = {
    async get(key) {
      const hash = key.startsWith(APQ_PREFIX) ? key.slice(APQ_PREFIX.length) : key;
      if (opts.mode !== 'off') {
        const text = await lookup(hash);
        if (text !== undefined) return text;
      }
      // Documents registered through APQ do not count as trusted.
      if (opts.mode === 'require') return undefined;
      const local = apqMemory.get(hash);
      if (local !== undefined || !opts.redis) return local;
      try {
        return (await opts.redis.get(apqKey(hash))) ?? undefined;
      } catch (err) {
        redisFailed(err);
        return undefined;
      }
    },
    async set(key, value) {
      if (opts.mode === 'require') return;
      const hash = key.startsWith(APQ_PREFIX) ? key.slice(APQ_PREFIX.length) : key;
      apqMemory.set(hash, value);
      if (!opts.redis) return;
      try {
        await opts.redis.set(apqKey(hash), value, 'EX', opts.apqTtlSeconds);
      } catch (err) {
        redisFailed(err);
      }
    },
    async delete(key) {
      apqMemory.delete(key.startsWith(APQ_PREFIX) ? key.slice(APQ_PREFIX.length) : key);
    },
  };

  return { mode: opts.mode, lookup, apqCache };
}
