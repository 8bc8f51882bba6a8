import { placeholders } from '../../db/sql.ts';
import type { Logger } from '../../logger.ts';
import { deferred, sleep } from '../transport.ts';
import type { Sql } from './db.ts';

interface Waiter {
  key: string;
  pos: number;
  resolve: () => void;
}

const keyOf = (topic: string, partition: number) => `${topic}\u0000${partition}`;

/**
 * Knows the head (next offset) of every partition of the watched topics and
 * wakes consumers waiting for a partition to move past their position.
 *
 * While some consumer waits, it polls the small `partition_heads` table with
 * adaptive backoff: the interval drops to EVENTS_POLL_MIN_MS after a change
 * and doubles up to EVENTS_POLL_MAX_MS while nothing changes. With nobody
 * waiting (all busy, or nothing subscribed) it does not poll at all. A
 * producer in the same process reports new heads directly (`advance`), so
 * in-process delivery needs no poll.
 */
export class HeadWatcher {
  private readonly sql: Sql;
  private readonly minMs: number;
  private readonly maxMs: number;
  private readonly log: Logger;
  private readonly heads = new Map<string, number>();
  private readonly topics = new Map<string, number>();
  private readonly waiters = new Set<Waiter>();
  private wake = deferred();
  private idle = true;
  private closed = false;
  private interval: number;
  private readonly loop: Promise<void>;
  /** Polls made (tests assert idle consumers stop polling). */
  polls = 0;

  constructor(sql: Sql, minMs: number, maxMs: number, log: Logger) {
    this.sql = sql;
    this.minMs = minMs;
    this.maxMs = maxMs;
    this.log = log;
    this.interval = minMs;
    this.loop = this.run();
  }

  watch(topic: string): () => void {
    this.topics.set(topic, (this.topics.get(topic) ?? 0) + 1);
    return () => {
      const n = (this.topics.get(topic) ?? 1) - 1;
      if (n <= 0) this.topics.delete(topic);
      else this.topics.set(topic, n);
    };
  }

  head(topic: string, partition: number): number | undefined {
    return this.heads.get(keyOf(topic, partition));
  }

  /** Resolves once the partition's head is beyond `pos` (or `signal` aborts). */
  waitAdvance(topic: string, partition: number, pos: number, signal: AbortSignal): Promise<void> {
    const key = keyOf(topic, partition);
    const known = this.heads.get(key);
    if ((known !== undefined && known > pos) || signal.aborted) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const w: Waiter = {
        key,
        pos,
        resolve: () => {
          this.waiters.delete(w);
          signal.removeEventListener('abort', w.resolve);
          resolve();
        },
      };
      this.waiters.add(w);
      signal.addEventListener('abort', w.resolve, { once: true });
      // poll now if the loop sleeps idle or this partition was never seen
      if (this.idle || known === undefined) this.poke();
    });
  }

  /** A producer of this process committed up to `head` (exclusive) on the partition. */
  advance(topic: string, partition: number, head: number): void {
    const key = keyOf(topic, partition);
    if ((this.heads.get(key) ?? -1) < head) this.heads.set(key, head);
    this.release(key);
  }

  private release(key?: string): void {
    for (const w of this.waiters) {
      if (key !== undefined && w.key !== key) continue;
      const h = this.heads.get(w.key);
      if (h !== undefined && h > w.pos) w.resolve();
    }
  }

  private poke(): void {
    this.interval = this.minMs;
    this.wake.resolve();
  }

  private async poll(): Promise<boolean> {
    const topics = [...this.topics.keys()];
    if (!topics.length) return false;
    this.polls++;
    const rows = await this.sql.all<{ topic: string; partition_no: number; next_offset: number | string }>(
      `select topic, partition_no, next_offset from partition_heads where topic in (${placeholders(topics.length)})`,
      topics,
    );
    let changed = false;
    for (const r of rows) {
      const key = keyOf(r.topic, r.partition_no);
      const head = Number(r.next_offset);
      const old = this.heads.get(key);
      if (old === undefined || head > old) {
        this.heads.set(key, head);
        changed = true;
      }
    }
    if (changed) this.release();
    return changed;
  }

  private async run(): Promise<void> {
    while (!this.closed) {
      if (this.waiters.size === 0 || this.topics.size === 0) {
        this.idle = true;
        await this.wake.promise;
        this.wake = deferred();
        this.idle = false;
        continue;
      }
      this.idle = false;
      try {
        const changed = await this.poll();
        this.interval = changed ? this.minMs : Math.min(this.maxMs, this.interval * 2);
      } catch (err) {
        if (this.closed) break;
        this.log.warn({ err }, 'event log: polling partition heads failed');
        this.interval = this.maxMs;
      }
      if (this.waiters.size === 0) continue;
      const ac = new AbortController();
      await Promise.race([sleep(this.interval, ac.signal).catch(() => {}), this.wake.promise]);
      ac.abort();
      this.wake = deferred();
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    this.wake.resolve();
    for (const w of this.waiters) w.resolve();
    await this.loop;
  }
}

/** Watchers of this process, per broker database, so a local producer wakes local consumers at once. */
const localWatchers = new Map<string, Set<HeadWatcher>>();

export function registerWatcher(dbKey: string, w: HeadWatcher): () => void {
  const set = localWatchers.get(dbKey) ?? new Set<HeadWatcher>();
  localWatchers.set(dbKey, set);
  set.add(w);
  return () => {
    set.delete(w);
    if (!set.size) localWatchers.delete(dbKey);
  };
}

export function announceHeads(
  dbKey: string,
  heads: { topic: string; partition: number; head: number }[],
): void {
  const set = localWatchers.get(dbKey);
  if (!set) return;
  for (const w of set) for (const h of heads) w.advance(h.topic, h.partition, h.head);
}
