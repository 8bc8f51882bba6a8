import type { Logger } from '@tradegraph/shared';
import type { Redis } from 'ioredis';

/**
 * Where cached answers live: an in-process LRU bounded by bytes (L1) and,
 * when REDIS_URL is set, Redis shared by every router (L2). Values are JSON
 * text: each hit is parsed into fresh objects, since executing a plan mutates
 * what it merges. Redis being slow or down is a miss, never an error.
 */
export interface CacheStore {
  getMany(keys: readonly string[]): Promise<(string | undefined)[]>;
  set(key: string, value: string, ttlMs: number): void;
  /** Entries and bytes in L1 (for metrics and tests). */
  readonly size: { entries: number; bytes: number };
  clear(): void;
}

interface Entry {
  value: string;
  expires: number;
}

export function createCacheStore(opts: {
  maxBytes: number;
  redis?: Redis | undefined;
  prefix: string;
  logger: Logger;
  now?: () => number;
}): CacheStore {
  const now = opts.now ?? Date.now;
  const l1 = new Map<string, Entry>();
  let bytes = 0;
  const weight = (key: string, value: string) => 2 * (key.length + value.length) + 64;

  const drop = (key: string, entry: Entry) => {
    l1.delete(key);
    bytes -= weight(key, entry.value);
  };
  const put = (key: string, value: string, expires: number) => {
    const old = l1.get(key);
    if (old) drop(key, old);
    const w = weight(key, value);
    if (w > opts.maxBytes / 8) return; // one huge answer must not flush the rest
    l1.set(key, { value, expires });
    bytes += w;
    for (const [k, e] of l1) {
      if (bytes <= opts.maxBytes) break;
      drop(k, e);
    }
  };
  const getL1 = (key: string): string | undefined => {
    const entry = l1.get(key);
    if (!entry) return undefined;
    if (entry.expires <= now()) {
      drop(key, entry);
      return undefined;
    }
    // Most recently used last.
    l1.delete(key);
    l1.set(key, entry);
    return entry.value;
  };

  return {
    async getMany(keys) {
      const out = keys.map(getL1);
      const redis = opts.redis;
      if (redis?.status !== 'ready') return out;
      const missing: number[] = [];
      out.forEach((v, i) => {
        if (v === undefined) missing.push(i);
      });
      if (missing.length === 0) return out;
      try {
        // Stored as "<expiry ms>\n<json>", so an L2 hit lands in L1 with the same expiry in one round trip.
        const values = await redis.mget(...missing.map((i) => opts.prefix + keys[i]));
        missing.forEach((i, j) => {
          const stored = values[j];
          if (typeof stored !== 'string') return;
          const nl = stored.indexOf('\n');
          const expires = Number(stored.slice(0, nl));
          if (nl < 0 || !(expires > now())) return;
          const value = stored.slice(nl + 1);
          out[i] = value;
          put(keys[i]!, value, expires);
        });
      } catch (err) {
        opts.logger.debug({ err: (err as Error).message }, 'entity cache: Redis read failed (a miss)');
      }
      return out;
    },
    set(key, value, ttlMs) {
      const expires = now() + ttlMs;
      put(key, value, expires);
      const redis = opts.redis;
      if (redis?.status === 'ready') {
        redis.set(opts.prefix + key, `${expires}\n${value}`, 'PX', ttlMs).catch((err: Error) => {
          opts.logger.debug({ err: err.message }, 'entity cache: Redis write failed');
        });
      }
    },
    get size() {
      return { entries: l1.size, bytes };
    },
    clear() {
      l1.clear();
      bytes = 0;
    },
  };
}
