import {
  INTERNAL_TOKEN_HEADER,
  type Logger,
  REVOCATION_CHANNEL,
  REVOCATION_SET,
  REVOCATIONS_PATH,
} from '@tradegraph/shared/edge';
import { Redis } from 'ioredis';
import { type Dispatcher, fetch } from 'undici';

/**
 * Revocations of access (identity's `identity.access.revoked` payloads): a
 * token that matches every non-null id of a revocation and was issued before
 * its `notBefore` is refused. The router never touches a database: it learns
 * revocations from Redis (channel + sorted set, when REDIS_URL is set) and from
 * identity's revocation feed (long-polled without Redis; every few seconds as a
 * backstop with it). Kept for RETENTION_MS, longer than any access token lives.
 */

export interface Revocation {
  id: string;
  userId: string | null;
  organizationId: string | null;
  sessionId: string | null;
  apiKeyId: string | null;
  /** ms since the epoch (identity's clock, like the tokens' issue times). */
  notBefore: number;
}

/** What a verified access token says about who it is for and when it was issued. */
export interface TokenSubject {
  userId: string;
  organizationId: string | null;
  sessionId: string | null;
  /** ms since the epoch. */
  issuedAt: number;
}

const RETENTION_MS = 86_400_000 + 60_000;
const nullableString = (v: unknown) => v === null || v === undefined || typeof v === 'string';

/** A feed or Redis item as a Revocation; null when it is not one (ignored, logged by the caller). */
export function parseRevocation(item: unknown): Revocation | null {
  const o = item as Record<string, unknown> | null;
  if (!o || typeof o.revocationId !== 'string' || typeof o.notBefore !== 'string') return null;
  if (![o.userId, o.organizationId, o.sessionId, o.apiKeyId].every(nullableString)) return null;
  const notBefore = Date.parse(o.notBefore);
  if (!Number.isFinite(notBefore)) return null;
  const r = {
    id: o.revocationId,
    userId: (o.userId as string | null | undefined) ?? null,
    organizationId: (o.organizationId as string | null | undefined) ?? null,
    sessionId: (o.sessionId as string | null | undefined) ?? null,
    apiKeyId: (o.apiKeyId as string | null | undefined) ?? null,
    notBefore,
  };
  // A revocation of nothing in particular would refuse everybody: not one identity sends.
  return r.userId || r.organizationId || r.sessionId || r.apiKeyId ? r : null;
}

export class RevocationList {
  readonly #byKey = new Map<string, Revocation[]>();
  readonly #seen = new Map<string, number>();
  readonly #listeners: ((r: Revocation) => void)[] = [];

  /** Adds a revocation (once per id) and tells the listeners (the API-key cache). */
  add(r: Revocation): boolean {
    if (this.#seen.has(r.id)) return false;
    this.#seen.set(r.id, r.notBefore);
    // Indexed under its most specific id (a key's under the key); a token is checked under its sid, sub and org.
    const key = r.apiKeyId
      ? `k:${r.apiKeyId}`
      : r.sessionId
        ? `s:${r.sessionId}`
        : r.userId
          ? `u:${r.userId}`
          : `o:${r.organizationId}`;
    const list = this.#byKey.get(key);
    if (list) list.push(r);
    else this.#byKey.set(key, [r]);
    for (const listener of this.#listeners) listener(r);
    return true;
  }

  onRevocation(listener: (r: Revocation) => void): void {
    this.#listeners.push(listener);
  }

  /** Whether an access token for `t` was revoked. */
  refusesToken(t: TokenSubject): boolean {
    const keys = [`u:${t.userId}`];
    if (t.sessionId) keys.push(`s:${t.sessionId}`);
    if (t.organizationId) keys.push(`o:${t.organizationId}`);
    for (const key of keys) {
      for (const r of this.#byKey.get(key) ?? []) {
        if (r.apiKeyId || r.notBefore <= t.issuedAt) continue;
        if (r.userId && r.userId !== t.userId) continue;
        if (r.organizationId && r.organizationId !== t.organizationId) continue;
        if (r.sessionId && r.sessionId !== t.sessionId) continue;
        return true;
      }
    }
    return false;
  }

  /** Whether this API key was revoked (a key's revocation is for good). */
  refusesApiKey(apiKeyId: string): boolean {
    return (this.#byKey.get(`k:${apiKeyId}`) ?? []).some((r) => r.apiKeyId === apiKeyId);
  }

  /** Forgets revocations older than any token that could still be valid. */
  prune(now = Date.now()): void {
    const horizon = now - RETENTION_MS;
    for (const [key, list] of this.#byKey) {
      const kept = list.filter((r) => r.notBefore >= horizon);
      if (kept.length === 0) this.#byKey.delete(key);
      else if (kept.length < list.length) this.#byKey.set(key, kept);
    }
    for (const [id, notBefore] of this.#seen) if (notBefore < horizon) this.#seen.delete(id);
  }

  get size(): number {
    return this.#seen.size;
  }
}

export interface RevocationFeedOptions {
  list: RevocationList;
  identityUrl: string;
  /** The router's internal token for identity (the feed is router-only). */
  signRouterToken: () => Promise<string>;
  redisUrl?: string | undefined;
  dispatcher: Dispatcher;
  logger: Logger;
  /** Long-poll wait without Redis (default 20 s); with Redis the feed is a backstop polled every BACKSTOP_MS. */
  longPollMs?: number;
  timeoutMs: number;
}

export interface RunningRevocationFeed {
  /** Resolves once the first read (feed and Redis set) is done, or failed and was logged. */
  ready: Promise<void>;
  stop(): Promise<void>;
}

const BACKSTOP_MS = 5_000;
/** The feed's cursor is identity's clock; re-reading this much overlap costs little (ids de-duplicate). */
const OVERLAP_MS = 2_000;

/** Starts learning revocations (Redis when given, and identity's feed); see RevocationList. */
export function startRevocationFeed(opts: RevocationFeedOptions): RunningRevocationFeed {
  const { list, logger } = opts;
  const abort = new AbortController();
  const take = (item: unknown, from: string) => {
    const r = parseRevocation(item);
    if (!r) logger.warn({ from }, 'revocations: ignored an item that is not a revocation');
    else if (list.add(r)) logger.debug({ id: r.id, from }, 'revocation learned');
  };

  let subscriber: Redis | undefined;
  let reader: Redis | undefined;
  let redisReady: Promise<void> = Promise.resolve();
  if (opts.redisUrl) {
    subscriber = new Redis(opts.redisUrl, { maxRetriesPerRequest: null, lazyConnect: true });
    reader = new Redis(opts.redisUrl, { maxRetriesPerRequest: 1, lazyConnect: true });
    for (const c of [subscriber, reader])
      c.on('error', (err) => logger.warn({ err: err.message }, 'revocations: Redis error'));
    subscriber.on('message', (_channel, message) => {
      try {
        take(JSON.parse(message), 'redis');
      } catch (err) {
        logger.warn({ err: (err as Error).message }, 'revocations: unreadable Redis message');
      }
    });
    // On every (re)connection: subscribe, then read the recent set, so nothing published meanwhile is missed.
    const catchUp = async () => {
      const items = await reader!.zrangebyscore(REVOCATION_SET, Date.now() - RETENTION_MS, '+inf');
      for (const item of items) take(JSON.parse(item), 'redis-set');
    };
    subscriber.on('ready', () => {
      subscriber!
        .subscribe(REVOCATION_CHANNEL)
        .then(catchUp)
        .catch((err) => logger.warn({ err: err.message }, 'revocations: Redis catch-up failed'));
    });
    redisReady = Promise.all([subscriber.connect(), reader.connect()])
      .then(() => subscriber!.subscribe(REVOCATION_CHANNEL))
      .then(catchUp)
      .catch((err) => logger.error({ err: err.message }, 'revocations: Redis unavailable; using the feed'));
  }

  const endpoint = new URL(REVOCATIONS_PATH, opts.identityUrl);
  let since = 0;
  const read = async (waitMs: number) => {
    endpoint.searchParams.set('since', String(since));
    endpoint.searchParams.set('wait', String(waitMs));
    const res = await fetch(endpoint, {
      headers: { [INTERNAL_TOKEN_HEADER]: await opts.signRouterToken() },
      dispatcher: opts.dispatcher,
      signal: AbortSignal.any([abort.signal, AbortSignal.timeout(waitMs + opts.timeoutMs)]),
    });
    if (!res.ok) {
      await res.body?.cancel();
      throw new Error(`revocation feed answered HTTP ${res.status}`);
    }
    const body = (await res.json()) as { now?: unknown; revocations?: unknown };
    if (typeof body.now !== 'number' || !Array.isArray(body.revocations))
      throw new Error('revocation feed answered something else');
    for (const item of body.revocations) take(item, 'feed');
    since = body.now - OVERLAP_MS;
    list.prune();
  };
  const pause = (ms: number) =>
    new Promise<void>((resolve) => {
      const t = setTimeout(resolve, ms);
      abort.signal.addEventListener('abort', () => {
        clearTimeout(t);
        resolve();
      });
    });

  const first = read(0).catch((err) =>
    logger.error({ err: (err as Error).message }, 'revocations: first read of the feed failed'),
  );
  const loop = (async () => {
    await first;
    while (!abort.signal.aborted) {
      try {
        if (subscriber) {
          await pause(BACKSTOP_MS);
          if (!abort.signal.aborted) await read(0);
        } else {
          await read(opts.longPollMs ?? 20_000);
        }
      } catch (err) {
        if (abort.signal.aborted) break;
        logger.warn({ err: (err as Error).message }, 'revocations: feed read failed; retrying');
        await pause(1_000);
      }
    }
  })();

  return {
    ready: Promise.all([first, redisReady]).then(() => undefined),
    async stop() {
      abort.abort();
      await loop;
      for (const c of [subscriber, reader]) await c?.quit().catch(() => c.disconnect());
    },
  };
}
