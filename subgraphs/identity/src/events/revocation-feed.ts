import type { AccessRevokedPayload } from '@tradegraph/contracts';
import {
  type EntityManager,
  forkEm,
  type Logger,
  type Orm,
  REVOCATION_CHANNEL,
  REVOCATION_SET,
} from '@tradegraph/shared';
import { Redis } from 'ioredis';
import { AccessRevocation } from '../entities/index.ts';
import { revocationsSince } from '../store/revocations.ts';
import { accessRevoked } from './publish.ts';

/** A revocation as the feed serves it: the payload plus when this process first saw it (its cursor). */
interface SeenRevocation {
  seenAt: number;
  revocation: AccessRevokedPayload;
}

export interface RevocationFeedOptions {
  pollMs: number;
  /** How long a revocation matters: the longest life of an access token, plus a margin. */
  retentionMs: number;
  redisUrl?: string | undefined;
  logger: Logger;
}

/**
 * Carries identity's revocations (access_revocations rows) to the routers
 * without the routers touching a database: this process reads new rows as soon
 * as one of its own transactions that wrote one commits, and every `pollMs` for
 * those of other identity processes; it keeps the recent ones in memory for `GET /internal/revocations`
 * (long-poll), and, when REDIS_URL is set, adds each to a sorted set and
 * publishes it on a channel. Reads look back OVERLAP_MS so that a row whose
 * transaction committed after a read is still seen (ids de-duplicate).
 */
export class RevocationFeed {
  static readonly OVERLAP_MS = 5_000;
  readonly #recent: SeenRevocation[] = [];
  readonly #ids = new Set<string>();
  readonly #waiters = new Set<() => void>();
  readonly #orm: Orm;
  readonly #em: () => EntityManager;
  #stopped = false;
  readonly #opts: RevocationFeedOptions;
  readonly #redis: Redis | null;
  #timer: NodeJS.Timeout | undefined;
  #lastRead = 0;
  #polling: Promise<void> | undefined;

  constructor(orm: Orm, opts: RevocationFeedOptions) {
    this.#orm = orm;
    this.#em = () => forkEm(orm);
    this.#opts = opts;
    this.#redis = opts.redisUrl
      ? new Redis(opts.redisUrl, { maxRetriesPerRequest: 1, lazyConnect: true })
      : null;
    this.#redis?.on('error', (err) => opts.logger.warn({ err: err.message }, 'revocations: Redis error'));
  }

  async start(): Promise<void> {
    if (this.#redis) await this.#redis.connect();
    // This process's revocations: read once their transaction commits, not at the next poll.
    const wrote = new WeakSet<object>();
    this.#orm.em.getEventManager().registerSubscriber({
      getSubscribedEntities: () => [AccessRevocation],
      afterCreate: (args) => {
        const trx = args.em.getTransactionContext();
        if (trx) wrote.add(trx);
        else this.#wake();
      },
      afterTransactionCommit: (args) => {
        if (args.transaction && wrote.has(args.transaction)) {
          wrote.delete(args.transaction);
          this.#wake();
        }
      },
    });
    this.#lastRead = Date.now() - this.#opts.retentionMs;
    await this.poll();
    this.#timer = setInterval(() => {
      this.poll().catch((err) => this.#opts.logger.error({ err }, 'revocations: reading new rows failed'));
    }, this.#opts.pollMs);
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    clearInterval(this.#timer);
    await this.#polling;
    for (const wake of this.#waiters) wake();
    if (this.#redis) await this.#redis.quit().catch(() => this.#redis?.disconnect());
  }

  #wake(): void {
    if (this.#stopped || !this.#timer) return;
    // a read already under way may have started before the commit: read once more after it
    const running = this.#polling;
    const next = running ? running.then(() => this.poll()) : this.poll();
    next.catch((err) => this.#opts.logger.error({ err }, 'revocations: reading new rows failed'));
  }

  /** Reads rows added since the last read (one at a time); new ones are served and published. */
  poll(): Promise<void> {
    this.#polling ??= this.#read().finally(() => {
      this.#polling = undefined;
    });
    return this.#polling;
  }

  async #read(): Promise<void> {
    const startedAt = Date.now();
    const rows = await revocationsSince(
      this.#em(),
      new Date(this.#lastRead - RevocationFeed.OVERLAP_MS),
      10_000,
    );
    this.#lastRead = startedAt;
    const fresh = rows.map(accessRevoked).filter((r) => !this.#ids.has(r.revocationId));
    this.#forgetOld(startedAt);
    if (fresh.length === 0) return;
    const seenAt = Date.now();
    for (const revocation of fresh) {
      this.#ids.add(revocation.revocationId);
      this.#recent.push({ seenAt, revocation });
    }
    for (const wake of this.#waiters) wake();
    this.#waiters.clear();
    if (this.#redis) await this.#publish(fresh, seenAt);
  }

  async #publish(fresh: AccessRevokedPayload[], now: number): Promise<void> {
    const redis = this.#redis!;
    try {
      const multi = redis.multi();
      for (const r of fresh) {
        const json = JSON.stringify(r);
        // Channel: every router now; sorted set (score: notBefore): a router that (re)connects.
        multi.zadd(REVOCATION_SET, Date.parse(r.notBefore), json).publish(REVOCATION_CHANNEL, json);
      }
      multi.zremrangebyscore(REVOCATION_SET, '-inf', now - this.#opts.retentionMs);
      await multi.exec();
    } catch (err) {
      // The routers' slower feed poll (their backstop) still brings these within seconds.
      this.#opts.logger.error({ err: (err as Error).message }, 'revocations: publishing to Redis failed');
    }
  }

  #forgetOld(now: number) {
    const horizon = now - this.#opts.retentionMs;
    while (this.#recent.length > 0 && this.#recent[0]!.seenAt < horizon) {
      this.#ids.delete(this.#recent.shift()!.revocation.revocationId);
    }
  }

  /**
   * The revocations this process saw at or after `since` (ms, its clock), and
   * `now` to pass back as the next `since` (minus a margin). Waits up to
   * `waitMs` for one when there is none yet.
   */
  async since(since: number, waitMs: number): Promise<{ now: number; revocations: AccessRevokedPayload[] }> {
    const pick = () => this.#recent.filter((r) => r.seenAt >= since).map((r) => r.revocation);
    let found = pick();
    if (found.length === 0 && waitMs > 0) {
      await new Promise<void>((resolve) => {
        const wake = () => {
          clearTimeout(timer);
          this.#waiters.delete(wake);
          resolve();
        };
        const timer = setTimeout(wake, waitMs);
        this.#waiters.add(wake);
      });
      found = pick();
    }
    return { now: Date.now(), revocations: found };
  }
}
