import { ConnectionException } from '@mikro-orm/core';
import type { EntityManager, Orm } from '../db/orm.ts';
import { recordConsumedInvalidations } from '../kernel/cache-invalidations.ts';
import type { Logger } from '../logger.ts';
import { tracedConsume } from '../telemetry/kernel.ts';
import type { EventType, PayloadOf } from './catalogue.ts';
import { EnvelopeError, type EventEnvelope, parseEnvelope } from './envelope.ts';
import { eventMetrics } from './metrics.ts';
import {
  AbortedError,
  DLQ_HEADERS,
  dlqTopic,
  type IncomingRecord,
  type RecordContext,
  sleep,
  type Transport,
} from './transport.ts';

/**
 * SQL to include in the migrations of every service that consumes events. One
 * row per (consumer group, event id) that the group has applied; written in the
 * same transaction as the handler's effect, so a redelivered event finds its
 * row and is skipped.
 */
export const PROCESSED_EVENTS_TABLE_SQL = `create table if not exists processed_events (
  consumer_group varchar(190) not null,
  event_id char(26) not null,
  event_type varchar(120) not null,
  processed_at datetime(3) not null,
  primary key (consumer_group, event_id),
  key processed_events_at_idx (processed_at)
) default character set utf8mb4 collate utf8mb4_unicode_ci`;

export type TypedEnvelope<T extends EventType> = EventEnvelope<PayloadOf<T>> & { type: T };
/** A handler applies the event's effect through `em` (a transaction that also holds the dedupe row). */
export type EventHandler<T extends EventType = EventType> = (
  em: EntityManager,
  envelope: TypedEnvelope<T>,
) => Promise<void>;
export type HandlerMap = { [T in EventType]?: EventHandler<T> };

/**
 * One handler for several event types (e.g. every status change of one
 * aggregate that carries the same payload), as a slice of a `HandlerMap`:
 * `{ ...handleEach(['a.b.created', 'a.b.changed'], apply) }`. The handler sees
 * the union of their envelopes, so no cast is needed.
 */
export function handleEach<T extends EventType>(
  types: readonly T[],
  handler: EventHandler<T>,
): Record<T, EventHandler<T>> {
  return Object.fromEntries(types.map((type) => [type, handler])) as Record<T, EventHandler<T>>;
}
export type AnyEventHandler = (em: EntityManager, envelope: EventEnvelope) => Promise<void>;

export type HandleOutcome = 'handled' | 'duplicate';

export class HandlerTimeoutError extends Error {
  constructor(ms: number) {
    super(`handler did not finish within ${ms} ms`);
    this.name = 'HandlerTimeoutError';
  }
}

/**
 * Applies `handler` to `envelope` at most once for `group`: inside one MikroORM
 * transaction it inserts the (group, event id) row into processed_events, runs
 * the handler with the transactional EntityManager and commits both. If the row
 * is already there (a redelivery) nothing runs and 'duplicate' is returned. A
 * concurrent delivery of the same event waits on the row lock and then sees the
 * duplicate. The handler's own writes (including `publish` to the outbox) are
 * flushed with the commit; a throw rolls everything back.
 */
export async function handleOnce(
  em: EntityManager,
  group: string,
  envelope: EventEnvelope,
  handler: AnyEventHandler,
  opts: { timeoutMs?: number } = {},
): Promise<HandleOutcome> {
  if (group.length > 190) throw new Error(`consumer group "${group}" is longer than 190 characters`);
  if (envelope.id.length !== 26) throw new Error(`event id "${envelope.id}" is not a ULID`);
  return em.fork().transactional(async (tem) => {
    const res = await tem.execute<{ affectedRows: number }>(
      'insert ignore into processed_events (consumer_group, event_id, event_type, processed_at) values (?, ?, ?, utc_timestamp(3))',
      [group, envelope.id, envelope.type],
      'run',
    );
    if (res.affectedRows === 0) return 'duplicate' as const;
    // the service's `consumed` rule: written with the handler's effect, never for a duplicate
    recordConsumedInvalidations(tem as EntityManager, envelope);
    const run = handler(tem as EntityManager, envelope);
    if (opts.timeoutMs) {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new HandlerTimeoutError(opts.timeoutMs!)), opts.timeoutMs);
      });
      try {
        await Promise.race([run, timeout]);
      } finally {
        clearTimeout(timer);
        // a timed-out handler keeps running; swallow its late rejection
        run.catch(() => {});
      }
    } else {
      await run;
    }
    return 'handled' as const;
  });
}

const TRANSIENT_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EHOSTUNREACH',
  'PROTOCOL_CONNECTION_LOST',
  'ER_CON_COUNT_ERROR',
]);
// CR_CONNECTION_ERROR, CR_CONN_HOST_ERROR, CR_SERVER_GONE_ERROR, CR_SERVER_LOST, ER_CON_COUNT_ERROR, ER_SERVER_SHUTDOWN
const TRANSIENT_ERRNOS = new Set([2002, 2003, 2006, 2013, 1040, 1053]);

/**
 * True for lock conflicts (deadlock, lock wait timeout): transient by nature,
 * e.g. two partitions upserting neighbouring rows of one projection. Retried
 * promptly without spending the event's attempts.
 */
export function isLockConflict(err: unknown): boolean {
  for (let e = err, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const { code, errno } = e as { code?: unknown; errno?: unknown };
    if (code === 'ER_LOCK_DEADLOCK' || code === 'ER_LOCK_WAIT_TIMEOUT' || errno === 1213 || errno === 1205)
      return true;
  }
  return false;
}

/** Lock conflicts retried per event before they count as ordinary failures. */
const MAX_LOCK_RETRIES = 20;

/**
 * True for failures of the consuming service's database connection (not of
 * the event): those are retried without counting attempts, so an outage
 * never dead-letters healthy events.
 */
export function isInfrastructureError(err: unknown): boolean {
  for (let e = err, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    if (e instanceof ConnectionException) return true;
    const { code, errno } = e as { code?: unknown; errno?: unknown };
    if (typeof code === 'string' && TRANSIENT_CODES.has(code)) return true;
    if (typeof errno === 'number' && TRANSIENT_ERRNOS.has(errno)) return true;
  }
  return false;
}

export class InfrastructureError extends Error {
  constructor(cause: unknown) {
    super(`consumer database unavailable: ${(cause as Error)?.message ?? String(cause)}`, { cause });
    this.name = 'InfrastructureError';
  }
}

/** Throws a readable error when the consuming service's database lacks processed_events. */
export async function assertProcessedEventsTable(orm: Orm): Promise<void> {
  try {
    await orm.em.getConnection().execute('select 1 from processed_events limit 0');
  } catch (err) {
    throw new Error(
      `the consuming service's database has no processed_events table: add PROCESSED_EVENTS_TABLE_SQL to its migrations (${(err as Error).message})`,
      { cause: err },
    );
  }
}

/** Deletes processed-event records older than `olderThanDays` (keep them longer than the log's retention). */
export async function purgeProcessedEvents(orm: Orm, olderThanDays: number, batch = 5000): Promise<number> {
  let total = 0;
  for (;;) {
    const res = await orm.em
      .fork()
      .execute<{ affectedRows: number }>(
        'delete from processed_events where processed_at < utc_timestamp(3) - interval ? day limit ?',
        [olderThanDays, batch],
        'run',
      );
    total += res.affectedRows;
    if (res.affectedRows < batch) return total;
  }
}

export interface ConsumerStats {
  /** Handlers that committed. */
  handled: number;
  /** Deliveries skipped because the group had already applied the event. */
  duplicates: number;
  /** Events of types this subscription has no handler for (acknowledged without a record). */
  skipped: number;
  /** Failed attempts that were retried. */
  retries: number;
  deadLettered: number;
}

export interface ProcessorOptions {
  group: string;
  orm: Orm;
  handlerFor(type: string): AnyEventHandler | undefined;
  maxAttempts: number;
  retryBaseMs: number;
  retryMaxMs: number;
  handlerTimeoutMs: number;
  transport: Transport;
  logger: Logger;
  /** The consuming service, whose spans the handling is traced in (default: the group). */
  service?: string;
}

/**
 * Turns one transport record into an applied effect: parse, dedupe + handle in
 * a transaction, retry with exponential backoff (full jitter around the
 * nominal delay), dead-letter after `maxAttempts`. Resolves when the record is
 * done; rejects with AbortedError when the consumer stops mid-retry, and with
 * InfrastructureError when the consuming database is unreachable (in both
 * cases the record is not committed and is delivered again).
 */
export function createRecordProcessor(opts: ProcessorOptions): {
  process(rec: IncomingRecord, ctx: RecordContext): Promise<void>;
  stats: ConsumerStats;
} {
  const stats: ConsumerStats = { handled: 0, duplicates: 0, skipped: 0, retries: 0, deadLettered: 0 };
  const log = opts.logger.child({ group: opts.group });

  async function deadLetter(
    rec: IncomingRecord,
    envelope: EventEnvelope | null,
    err: unknown,
    attempts: number,
  ) {
    const message = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
    await opts.transport.send([
      {
        topic: dlqTopic(opts.group),
        key: rec.key,
        eventId: envelope?.id ?? '',
        value: rec.value,
        headers: {
          ...rec.headers,
          [DLQ_HEADERS.group]: opts.group,
          [DLQ_HEADERS.error]: message.slice(0, 2000),
          [DLQ_HEADERS.attempts]: String(attempts),
          [DLQ_HEADERS.topic]: rec.topic,
          [DLQ_HEADERS.partition]: String(rec.partition),
          [DLQ_HEADERS.offset]: rec.offset,
          [DLQ_HEADERS.at]: new Date().toISOString(),
        },
      },
    ]);
    stats.deadLettered++;
    eventMetrics.consumed.inc({ group: opts.group, topic: rec.topic, outcome: 'dead_lettered' });
    log.error(
      {
        err,
        eventId: envelope?.id,
        type: envelope?.type,
        topic: rec.topic,
        partition: rec.partition,
        offset: rec.offset,
        attempts,
      },
      'event dead-lettered',
    );
  }

  async function process(rec: IncomingRecord, ctx: RecordContext): Promise<void> {
    let envelope: EventEnvelope;
    try {
      envelope = parseEnvelope(rec.value);
    } catch (err) {
      if (err instanceof EnvelopeError) return deadLetter(rec, null, err, 1);
      throw err;
    }
    const handler = opts.handlerFor(envelope.type);
    if (!handler) {
      stats.skipped++;
      eventMetrics.consumed.inc({ group: opts.group, topic: rec.topic, outcome: 'skipped' });
      return;
    }
    return tracedConsume(opts.service ?? opts.group, opts.group, rec.topic, envelope, () =>
      apply(rec, ctx, envelope, handler),
    );
  }

  async function apply(
    rec: IncomingRecord,
    ctx: RecordContext,
    envelope: EventEnvelope,
    handler: AnyEventHandler,
  ): Promise<void> {
    let lockRetries = 0;
    for (let attempt = 1; ; attempt++) {
      if (ctx.signal.aborted) throw new AbortedError();
      try {
        const outcome = await handleOnce(opts.orm.em as EntityManager, opts.group, envelope, handler, {
          timeoutMs: opts.handlerTimeoutMs,
        });
        if (outcome === 'handled') {
          stats.handled++;
          const latency = (Date.now() - Date.parse(envelope.occurredAt)) / 1000;
          eventMetrics.handleLatency.observe({ group: opts.group }, Math.max(0, latency));
        } else {
          stats.duplicates++;
        }
        eventMetrics.consumed.inc({ group: opts.group, topic: rec.topic, outcome });
        return;
      } catch (err) {
        if (isInfrastructureError(err)) {
          // not the event's fault: the transport retries the record later, attempts are not counted
          throw new InfrastructureError(err);
        }
        if (isLockConflict(err) && lockRetries < MAX_LOCK_RETRIES) {
          lockRetries++;
          attempt--;
          stats.retries++;
          log.debug({ eventId: envelope.id, type: envelope.type, lockRetries }, 'lock conflict; retrying');
          await sleep(5 + Math.round(Math.random() * 20 * lockRetries), ctx.signal);
          continue;
        }
        if (attempt >= opts.maxAttempts) return deadLetter(rec, envelope, err, attempt);
        stats.retries++;
        eventMetrics.retries.inc({ group: opts.group, topic: rec.topic });
        const nominal = Math.min(opts.retryMaxMs, opts.retryBaseMs * 2 ** (attempt - 1));
        const delay = Math.round(nominal * (0.75 + Math.random() * 0.5));
        log.warn(
          {
            err,
            eventId: envelope.id,
            type: envelope.type,
            attempt,
            maxAttempts: opts.maxAttempts,
            retryInMs: delay,
          },
          'event handler failed; will retry',
        );
        // wait in slices so a long backoff keeps the group membership alive
        let left = delay;
        while (left > 0) {
          const slice = Math.min(left, 3000);
          await sleep(slice, ctx.signal);
          left -= slice;
          if (left > 0) await ctx.heartbeat();
        }
      }
    }
  }

  return { process, stats };
}
