import type { Logger } from '@tradegraph/shared';
import { Redis } from 'ioredis';

/**
 * The router's Redis client (rate-limit buckets, persisted queries, trusted
 * documents). Commands fail at once while Redis is unreachable instead of
 * queueing, so every caller can fall back to its in-process store without
 * making the request wait; ioredis keeps reconnecting in the background.
 */
export function connectRedis(url: string, logger: Logger): Redis {
  const redis = new Redis(url, {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    connectTimeout: 2000,
    commandTimeout: 500,
    // Reconnect forever, at most every 2 s: the router keeps serving meanwhile.
    retryStrategy: (attempt) => Math.min(attempt * 200, 2000),
    lazyConnect: false,
  });
  let down = false;
  redis.on('error', (err) => {
    if (down) return;
    down = true;
    logger.warn({ err: err.message }, 'redis: unreachable, in-process fallbacks in use');
  });
  redis.on('ready', () => {
    if (down) logger.info('redis: connected again');
    down = false;
  });
  return redis;
}

/**
 * Resolves once Redis is connected, or after `timeoutMs` (false): a router
 * should start with shared buckets when it can, but never hang on Redis.
 */
export function redisReady(redis: Redis, timeoutMs: number): Promise<boolean> {
  if (redis.status === 'ready') return Promise.resolve(true);
  return new Promise((resolve) => {
    const done = (ok: boolean) => {
      clearTimeout(timer);
      redis.off('ready', onReady);
      resolve(ok);
    };
    const onReady = () => done(true);
    const timer = setTimeout(() => done(false), timeoutMs);
    redis.on('ready', onReady);
  });
}
