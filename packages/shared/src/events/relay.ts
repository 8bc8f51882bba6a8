import type { Orm } from '../db/orm.ts';
import { placeholders } from '../db/sql.ts';
import type { Logger } from '../logger.ts';
import { tracedRelayPublish } from '../telemetry/kernel.ts';
import type { EventBus } from './bus.ts';
import { eventMetrics, registerOutboxSource } from './metrics.ts';
import { Sql, utcMillis } from './mysql/db.ts';
import { OutboxMessage } from './outbox.ts';
import { type OutgoingRecord, sleep } from './transport.ts';

export interface OutboxRelayOptions {
  /** The service's ORM (its database holds the `outbox` table). */
  orm: Orm;
  bus: EventBus;
  logger: Logger;
  serviceName: string;
  /** Rows per pass (default EVENTS_RELAY_BATCH). */
  batchSize?: number;
  /** Fallback poll interval (default EVENTS_RELAY_POLL_MS). */
  pollIntervalMs?: number;
  /** Published rows are deleted after this many hours (default EVENTS_OUTBOX_RETENTION_HOURS). */
  retentionHours?: number;
  /** How often published rows older than the retention are deleted (default 10 minutes; first run after a minute at most). */
  cleanupIntervalMs?: number;
  /** Wake automatically after every committed transaction that wrote outbox rows (default true). */
  autoNotify?: boolean;
}

export interface OutboxRelay {
  /** Wake the relay now (call after committing a transaction that published; done automatically by default). */
  notify(): void;
  /** Publishes what is pending now, until the outbox is empty or rows are held by another relay; returns rows published. */
  drain(): Promise<number>;
  /**
   * Resolves true once every one of `eventIds` (outbox rows committed by this
   * service) is in the log, false after `timeoutMs`. Wakes the relay. Events
   * this relay publishes are signalled in-process; the outbox rows are also
   * checked now and then, since another relay process of the service may
   * publish them.
   */
  whenPublished(eventIds: readonly string[], timeoutMs: number): Promise<boolean>;
  /** Stops the loop after the pass in progress and tries a final drain. Call before closing the bus. */
  stop(): Promise<void>;
}

/** Ids of events this relay published lately, so a waiter that registers just after the pass still sees them. */
const RECENT_PUBLISHED = 4096;
/** Delays between checks of the outbox rows while waiting (the in-process signal usually comes first). */
const OUTBOX_CHECK_MS = [20, 40, 80, 160, 250];

interface OutboxRow {
  seq: number | string;
  event_id: string;
  type: string;
  topic: string;
  aggregate_id: string;
  envelope: string | object;
  occurred_at: string | Date;
}

/**
 * Moves a service's outbox rows to the bus.
 *
 * Each pass, in a READ COMMITTED transaction, locks the oldest unpublished
 * rows with `FOR UPDATE SKIP LOCKED`, publishes them in `seq` order, marks
 * them `published_at` and commits. Several relays of one service (several
 * processes) share the outbox this way without publishing a row twice on the
 * happy path. To keep per-aggregate order, a relay publishes an aggregate's
 * rows only up to the first older unpublished row it did not lock (held by
 * another relay, or committed after its read); the rest waits for a later pass. A crash after publishing and before the commit
 * publishes those rows again: consumers dedupe by event id.
 */
export function startOutboxRelay(opts: OutboxRelayOptions): OutboxRelay {
  const { orm, bus, serviceName } = opts;
  const cfg = bus.config;
  const batch = opts.batchSize ?? cfg.EVENTS_RELAY_BATCH;
  const pollMs = opts.pollIntervalMs ?? cfg.EVENTS_RELAY_POLL_MS;
  const retentionHours = opts.retentionHours ?? cfg.EVENTS_OUTBOX_RETENTION_HOURS;
  const log = opts.logger.child({ component: 'outbox-relay', service: serviceName });
  const sql = new Sql(orm);

  let stopped = false;
  const stopSignal = new AbortController();
  let pending = false;
  let waker: (() => void) | undefined;
  const cleanupEvery = opts.cleanupIntervalMs ?? 10 * 60_000;
  let lastCleanup = Date.now() - cleanupEvery + Math.min(60_000, cleanupEvery); // first run within a minute

  const notify = () => {
    if (stopped) return;
    pending = true;
    waker?.();
  };

  // wake after commits of transactions that wrote outbox rows
  if (opts.autoNotify !== false) {
    const wrote = new WeakSet<object>();
    orm.em.getEventManager().registerSubscriber({
      getSubscribedEntities: () => [OutboxMessage],
      afterCreate: (args) => {
        wrote.add(args.em);
      },
      afterTransactionCommit: (args) => {
        if (args.transaction && 'savepointName' in args.transaction) return;
        if (wrote.has(args.em)) {
          wrote.delete(args.em);
          notify();
        }
      },
    });
  }

  // whenPublished: waiters per event id, and the ids published lately (insertion order = age)
  const waiters = new Map<string, Set<() => void>>();
  const recent = new Set<string>();
  function published(eventIds: readonly string[]): void {
    for (const id of eventIds) {
      recent.add(id);
      const ws = waiters.get(id);
      if (ws) {
        waiters.delete(id);
        for (const w of ws) w();
      }
    }
    for (const id of recent) {
      if (recent.size <= RECENT_PUBLISHED) break;
      recent.delete(id);
    }
  }

  /** Of `eventIds`, those whose outbox row is still unpublished (a deleted row was published long ago). */
  async function unpublished(eventIds: readonly string[]): Promise<Set<string>> {
    const rows = await sql.all<{ event_id: string }>(
      `select event_id from outbox where published_at is null and event_id in (${placeholders(eventIds.length)})`,
      [...eventIds],
    );
    return new Set(rows.map((r) => r.event_id));
  }

  function whenPublished(eventIds: readonly string[], timeoutMs: number): Promise<boolean> {
    const left = new Set(eventIds.filter((id) => !recent.has(id)));
    if (!left.size) return Promise.resolve(true);
    return new Promise<boolean>((resolve) => {
      let done = false;
      const registered: [string, () => void][] = [];
      let checkTimer: NodeJS.Timeout | undefined;
      const finish = (ok: boolean) => {
        if (done) return;
        done = true;
        clearTimeout(deadline);
        clearTimeout(checkTimer);
        for (const [id, w] of registered) {
          const ws = waiters.get(id);
          ws?.delete(w);
          if (ws && !ws.size) waiters.delete(id);
        }
        resolve(ok);
      };
      const deadline = setTimeout(() => finish(false), timeoutMs);
      for (const id of left) {
        const w = () => {
          left.delete(id);
          if (!left.size) finish(true);
        };
        registered.push([id, w]);
        const ws = waiters.get(id) ?? new Set();
        ws.add(w);
        waiters.set(id, ws);
      }
      notify();
      // Fallback for rows another relay process publishes (it signals nobody here).
      const check = (attempt: number) => {
        checkTimer = setTimeout(
          async () => {
            if (done) return;
            try {
              const still = await unpublished([...left]);
              for (const id of [...left]) if (!still.has(id)) left.delete(id);
              if (!left.size) return finish(true);
            } catch (err) {
              log.warn({ err }, 'outbox relay: could not check whether events were published');
            }
            if (!done) check(attempt + 1);
          },
          OUTBOX_CHECK_MS[Math.min(attempt, OUTBOX_CHECK_MS.length - 1)],
        );
      };
      check(0);
    });
  }

  /** One locked batch: returns rows locked and the ids of the events published. */
  async function pass(): Promise<{ locked: number; sent: string[] }> {
    return sql.tx(async (trx) => {
      const rows = await sql.all<OutboxRow>(
        'select seq, event_id, type, topic, aggregate_id, envelope, occurred_at from outbox where published_at is null order by seq limit ? for update skip locked',
        [batch],
        trx,
      );
      if (!rows.length) return { locked: 0, sent: [] };
      // Unpublished rows of the same aggregates, older than our newest, that we did not lock: another
      // relay holds them (or their transaction committed after our read). Rows of an aggregate after
      // such a row must wait, or the aggregate would be published out of order.
      const mine = new Set(rows.map((r) => Number(r.seq)));
      const lastSeq = new Map<string, number>();
      for (const r of rows) lastSeq.set(r.aggregate_id, Number(r.seq));
      const aggs = [...lastSeq.keys()];
      const others = await sql.all<{ aggregate_id: string; seq: number | string }>(
        `select aggregate_id, seq from outbox where published_at is null and seq < ? and aggregate_id in (${placeholders(aggs.length)})`,
        [Math.max(...lastSeq.values()), ...aggs],
        trx,
      );
      const firstForeign = new Map<string, number>();
      for (const o of others) {
        const seq = Number(o.seq);
        if (mine.has(seq)) continue;
        const cur = firstForeign.get(o.aggregate_id);
        if (cur === undefined || seq < cur) firstForeign.set(o.aggregate_id, seq);
      }
      const send = rows.filter((r) => Number(r.seq) < (firstForeign.get(r.aggregate_id) ?? Infinity));
      if (!send.length) return { locked: rows.length, sent: [] };
      const records: OutgoingRecord[] = send.map((r) => {
        const value = typeof r.envelope === 'string' ? r.envelope : JSON.stringify(r.envelope);
        const traceparent = (JSON.parse(value) as { traceparent?: string }).traceparent;
        return {
          topic: r.topic,
          key: r.aggregate_id,
          eventId: r.event_id,
          value,
          headers: { type: r.type, ...(traceparent ? { traceparent } : {}) },
        };
      });
      await tracedRelayPublish(serviceName, records, () => bus.producer.sendRecords(records));
      await sql.run(
        `update outbox set published_at = utc_timestamp(3) where seq in (${placeholders(send.length)})`,
        send.map((r) => r.seq),
        trx,
      );
      const now = Date.now();
      for (const r of send) {
        const at = utcMillis(r.occurred_at);
        if (!Number.isNaN(at))
          eventMetrics.outboxPublishDelay.observe({ service: serviceName }, Math.max(0, now - at) / 1000);
      }
      eventMetrics.outboxPublished.inc({ service: serviceName }, send.length);
      return { locked: rows.length, sent: send.map((r) => r.event_id) };
    });
  }

  let blockedSeen = false;
  async function drain(): Promise<number> {
    let total = 0;
    blockedSeen = false;
    for (;;) {
      const r = await pass();
      // signalled after the commit: a waiter that registers later finds the row published (or the id in `recent`)
      published(r.sent);
      total += r.sent.length;
      if (r.sent.length < r.locked) blockedSeen = true;
      if (r.locked < batch || r.sent.length === 0) return total;
    }
  }

  async function cleanup(): Promise<void> {
    if (Date.now() - lastCleanup < cleanupEvery) return;
    lastCleanup = Date.now();
    let deleted = 0;
    for (;;) {
      const res = await sql.run(
        'delete from outbox where published_at is not null and published_at < utc_timestamp(3) - interval ? hour limit 1000',
        [retentionHours],
      );
      deleted += res.affectedRows;
      if (res.affectedRows < 1000) break;
    }
    if (deleted) log.info({ deleted }, 'outbox: published rows removed');
  }

  const unregister = registerOutboxSource(
    serviceName,
    async () => {
      const row = await sql.one<{ n: number | string; age_us: number | string | null }>(
        'select count(*) as n, timestampdiff(microsecond, min(occurred_at), utc_timestamp(3)) as age_us from outbox where published_at is null',
      );
      return { backlog: Number(row?.n ?? 0), oldestAgeSeconds: Math.max(0, Number(row?.age_us ?? 0) / 1e6) };
    },
    log,
  );

  const loop = (async () => {
    let failures = 0;
    while (!stopped) {
      pending = false;
      try {
        await drain();
        await cleanup();
        failures = 0;
      } catch (err) {
        failures++;
        const wait = Math.min(30_000, 100 * 2 ** Math.min(failures, 9));
        log.error({ err, retryInMs: wait }, 'outbox relay pass failed');
        await sleep(wait, stopSignal.signal).catch(() => {});
        continue;
      }
      if (stopped || pending) continue;
      // rows held by another relay: look again soon rather than at the next poll
      const wait = blockedSeen ? Math.min(pollMs, 20) : pollMs;
      await new Promise<void>((resolve) => {
        const t = setTimeout(done, wait);
        function done() {
          clearTimeout(t);
          waker = undefined;
          resolve();
        }
        waker = done;
        if (pending || stopped) done();
      });
    }
  })();

  log.info({ batch, pollMs }, 'outbox relay started');

  return {
    notify,
    drain,
    whenPublished,
    async stop() {
      if (stopped) return;
      stopped = true;
      stopSignal.abort();
      waker?.();
      await loop;
      try {
        await drain();
      } catch (err) {
        log.warn({ err }, 'outbox relay: final drain failed (rows stay in the outbox for the next start)');
      }
      unregister();
      log.info('outbox relay stopped');
    },
  };
}
