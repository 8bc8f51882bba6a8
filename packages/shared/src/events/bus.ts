import type { DatabaseConfig, Orm } from '../db/orm.ts';
import type { Logger } from '../logger.ts';
import { isEventType, topicOf, topicsOf } from './catalogue.ts';
import { type EventsConfig, loadEventsConfig } from './config.ts';
import {
  type AnyEventHandler,
  assertProcessedEventsTable,
  type ConsumerStats,
  createRecordProcessor,
  type HandlerMap,
} from './consumer.ts';
import type { EventEnvelope } from './envelope.ts';
import { createKafkaTransport } from './kafka/transport.ts';
import { registerDeadLetterSource, registerLagSource } from './metrics.ts';
import { createMysqlTransport } from './mysql/transport.ts';
import {
  assertName,
  type DeadLetter,
  type IncomingRecord,
  type LagRow,
  type OutgoingRecord,
  type TopicInfo,
  type Transport,
} from './transport.ts';

export interface CreateEventBusOptions {
  db: DatabaseConfig;
  logger: Logger;
  /** Producing/consuming service, e.g. `identity` (Kafka client id, logs). */
  serviceName: string;
  /** Environment to read the events settings from (default process.env). */
  env?: Record<string, string | undefined>;
  /** Settings that win over the environment (tests). */
  overrides?: Partial<EventsConfig>;
}

export interface EventProducer {
  /** Publishes envelopes (topic from the type, key = aggregateId). Services publish through the outbox instead. */
  send(envelopes: EventEnvelope[]): Promise<void>;
  /** Publishes already-serialized records (the relay uses this). */
  sendRecords(records: OutgoingRecord[]): Promise<void>;
}

export interface SubscribeOptions {
  /** Consumer group: every group receives every event of its topics once; members of a group share partitions. */
  group: string;
  /** The consuming service's ORM: processed_events and the handler's effect share one of its transactions. */
  orm: Orm;
  /** Typed handlers per event type; the topics follow from the types. Other types on those topics are skipped. */
  handlers?: HandlerMap;
  /** Or one handler for every event of `topics`. */
  handler?: AnyEventHandler;
  /** Topics to read (required with `handler`; with `handlers`, extra topics to add). */
  topics?: string[];
  /** Attempts before the event goes to `dlq.<group>` (default EVENTS_MAX_ATTEMPTS). */
  maxAttempts?: number;
  retryBaseMs?: number;
  retryMaxMs?: number;
  handlerTimeoutMs?: number;
  /** A new group starts at the oldest retained event (default) or only sees events written after it joined. */
  fromBeginning?: boolean;
}

export interface Subscription {
  readonly group: string;
  readonly topics: string[];
  stats(): ConsumerStats;
  /** Finishes in-flight handlers, commits offsets, leaves the group. */
  close(): Promise<void>;
}

/** Where a consumer group stands on one partition it reads (see `EventBus.positions`). */
export interface GroupPosition {
  topic: string;
  partition: number;
  /** Offset the next message written to the partition will get. */
  head: number;
  /** Every record below this offset has been applied by the group (handled, skipped or dead-lettered). */
  applied: number;
}

export type AppliedListener = (topic: string, partition: number, applied: number) => void;

export interface ReplayResult {
  eventId: string;
  status: 'replayed' | 'not-found';
  groups: string[];
  topic?: string;
}

export interface EventBus {
  readonly kind: 'mysql' | 'kafka';
  readonly config: EventsConfig;
  readonly serviceName: string;
  readonly producer: EventProducer;
  subscribe(opts: SubscribeOptions): Promise<Subscription>;
  /** Readiness: resolves when the bus is reachable, throws a readable error otherwise. */
  ready(): Promise<void>;
  lag(groups?: string[]): Promise<LagRow[]>;
  /**
   * The partitions of the topics this process subscribes `group` to, each with
   * its log head and how far the group has applied it: the larger of its
   * committed offset and what this process's subscriptions have applied
   * (committed offsets trail by up to EVENTS_COMMIT_INTERVAL_MS). Empty when
   * this process does not subscribe the group.
   */
  positions(group: string): Promise<GroupPosition[]>;
  /**
   * Calls `listener` whenever a subscription of `group` in this process has
   * applied a record, with the partition and the offset now applied up to
   * (exclusive); returns the unsubscribe.
   */
  onApplied(group: string, listener: AppliedListener): () => void;
  topics(): Promise<TopicInfo[]>;
  deadLetters(opts?: { group?: string; includeReplayed?: boolean }): Promise<DeadLetter[]>;
  /**
   * Re-publishes dead-lettered events (same envelope, same id) to the topic
   * they came from. The group that failed handles them again; groups that
   * already applied them skip them (processed_events).
   */
  replay(eventIds: string[], opts?: { group?: string }): Promise<ReplayResult[]>;
  tail(
    topic: string,
    opts: { fromBeginning: boolean; signal: AbortSignal },
    onRecord: (rec: IncomingRecord) => void,
  ): Promise<void>;
  /** Closes subscriptions (gracefully) and connections. */
  close(): Promise<void>;
  /** @internal the transport, for tests and the CLI */
  readonly transport: Transport;
}

/**
 * Creates the event bus of a process: the Kafka transport when KAFKA_BROKERS
 * is set (or EVENTS_TRANSPORT=kafka), otherwise the MySQL log in
 * `${DB_PREFIX}${EVENTS_DB_NAME}`. Throws ConfigError for bad settings.
 */
export async function createEventBus(opts: CreateEventBusOptions): Promise<EventBus> {
  const config = { ...loadEventsConfig(opts.env ?? process.env), ...opts.overrides } as EventsConfig;
  const logger = opts.logger.child({ component: 'events', transport: config.transport });
  const transport: Transport =
    config.transport === 'kafka'
      ? await createKafkaTransport({ config, logger, clientId: config.KAFKA_CLIENT_ID ?? opts.serviceName })
      : await createMysqlTransport({ db: opts.db, config, logger });
  logger.info(
    config.transport === 'kafka'
      ? { brokers: config.KAFKA_BROKERS }
      : { database: `${opts.db.DB_PREFIX}${config.EVENTS_DB_NAME}` },
    'event bus ready',
  );
  return new Bus(transport, config, logger, opts.serviceName);
}

function envelopeRecord(e: EventEnvelope): OutgoingRecord {
  return {
    topic: topicOf(e.type),
    key: e.aggregateId,
    eventId: e.id,
    value: JSON.stringify(e),
    headers: { type: e.type, ...(e.traceparent ? { traceparent: e.traceparent } : {}) },
  };
}

class Bus implements EventBus {
  readonly kind: 'mysql' | 'kafka';
  readonly config: EventsConfig;
  readonly serviceName: string;
  readonly transport: Transport;
  readonly producer: EventProducer;
  private readonly log: Logger;
  private readonly subs = new Set<Subscription>();
  private readonly groups = new Map<string, number>();
  /** Per group: `topic\0partition` → next offset to apply, as this process's subscriptions applied it (only grows). */
  private readonly applied = new Map<string, Map<string, number>>();
  private readonly appliedListeners = new Map<string, Set<AppliedListener>>();
  private unregisterMetrics: (() => void)[] = [];
  private closed = false;

  constructor(transport: Transport, config: EventsConfig, log: Logger, serviceName: string) {
    this.transport = transport;
    this.kind = transport.kind;
    this.config = config;
    this.log = log;
    this.serviceName = serviceName;
    this.producer = {
      send: (envelopes) => this.transport.send(envelopes.map(envelopeRecord)),
      sendRecords: (records) => this.transport.send(records),
    };
  }

  private trackGroup(group: string, delta: 1 | -1): void {
    const n = (this.groups.get(group) ?? 0) + delta;
    if (n <= 0) this.groups.delete(group);
    else this.groups.set(group, n);
    if (!this.unregisterMetrics.length && this.groups.size) {
      this.unregisterMetrics.push(
        registerLagSource(async () => {
          const rows = await this.transport.lag([...this.groups.keys()]);
          return rows.map((r) => ({ group: r.group, topic: r.topic, partition: r.partition, lag: r.lag }));
        }, this.log),
        registerDeadLetterSource(() => this.transport.deadLetterCounts([...this.groups.keys()]), this.log),
      );
    }
  }

  async subscribe(opts: SubscribeOptions): Promise<Subscription> {
    if (this.closed) throw new Error('event bus is closed');
    assertName('group', opts.group);
    if (!opts.orm) throw new Error(`subscribe(${opts.group}): orm (the consuming service's ORM) is required`);
    if (Boolean(opts.handlers) === Boolean(opts.handler)) {
      throw new Error(`subscribe(${opts.group}): give either handlers (per type) or handler (with topics)`);
    }
    let topics = opts.topics ?? [];
    let handlerFor: (type: string) => AnyEventHandler | undefined;
    if (opts.handlers) {
      const types = Object.keys(opts.handlers);
      const unknown = types.filter((t) => !isEventType(t));
      if (unknown.length)
        throw new Error(`subscribe(${opts.group}): unknown event types ${unknown.join(', ')}`);
      if (!types.length) throw new Error(`subscribe(${opts.group}): handlers is empty`);
      topics = [...new Set([...topicsOf(types), ...topics])];
      const map = opts.handlers as Record<string, AnyEventHandler | undefined>;
      handlerFor = (type) => map[type];
    } else {
      if (!topics.length)
        throw new Error(`subscribe(${opts.group}): topics are required with a single handler`);
      const h = opts.handler!;
      handlerFor = () => h;
    }
    for (const t of topics) assertName('topic', t);
    await assertProcessedEventsTable(opts.orm);
    const processor = createRecordProcessor({
      group: opts.group,
      orm: opts.orm,
      handlerFor,
      maxAttempts: opts.maxAttempts ?? this.config.EVENTS_MAX_ATTEMPTS,
      retryBaseMs: opts.retryBaseMs ?? this.config.EVENTS_RETRY_BASE_MS,
      retryMaxMs: opts.retryMaxMs ?? this.config.EVENTS_RETRY_MAX_MS,
      handlerTimeoutMs: opts.handlerTimeoutMs ?? this.config.EVENTS_HANDLER_TIMEOUT_MS,
      transport: this.transport,
      logger: this.log,
      service: this.serviceName,
    });
    const applied = this.applied.get(opts.group) ?? new Map<string, number>();
    this.applied.set(opts.group, applied);
    const consumer = await this.transport.consume({
      group: opts.group,
      topics,
      fromBeginning: opts.fromBeginning ?? true,
      onRecord: async (rec, ctx) => {
        await processor.process(rec, ctx);
        // Done means applied for good (the effect committed with its processed_events row), so this
        // stays a valid lower bound even after the partition moves to another member.
        const key = `${rec.topic}\u0000${rec.partition}`;
        const next = Number(rec.offset) + 1;
        if (next <= (applied.get(key) ?? 0)) return;
        applied.set(key, next);
        for (const l of this.appliedListeners.get(opts.group) ?? []) l(rec.topic, rec.partition, next);
      },
    });
    this.trackGroup(opts.group, 1);
    let closing: Promise<void> | undefined;
    const sub: Subscription = {
      group: opts.group,
      topics,
      stats: () => ({ ...processor.stats }),
      close: () => {
        closing ??= (async () => {
          await consumer.close();
          this.subs.delete(sub);
          this.trackGroup(opts.group, -1);
        })();
        return closing;
      },
    };
    this.subs.add(sub);
    this.log.info({ group: opts.group, topics }, 'subscribed');
    return sub;
  }

  ready(): Promise<void> {
    return this.transport.ping();
  }

  lag(groups?: string[]): Promise<LagRow[]> {
    return this.transport.lag(groups);
  }

  async positions(group: string): Promise<GroupPosition[]> {
    const topics = [...new Set([...this.subs].filter((s) => s.group === group).flatMap((s) => s.topics))];
    if (!topics.length) return [];
    const local = this.applied.get(group);
    return (await this.transport.offsets(group, topics)).map((o) => ({
      topic: o.topic,
      partition: o.partition,
      head: o.head,
      applied: Math.max(o.committed ?? 0, local?.get(`${o.topic}\u0000${o.partition}`) ?? 0),
    }));
  }

  onApplied(group: string, listener: AppliedListener): () => void {
    const set = this.appliedListeners.get(group) ?? new Set();
    set.add(listener);
    this.appliedListeners.set(group, set);
    return () => {
      set.delete(listener);
      if (!set.size && this.appliedListeners.get(group) === set) this.appliedListeners.delete(group);
    };
  }

  topics(): Promise<TopicInfo[]> {
    return this.transport.topics();
  }

  deadLetters(opts?: { group?: string; includeReplayed?: boolean }): Promise<DeadLetter[]> {
    return this.transport.deadLetters(opts);
  }

  async replay(eventIds: string[], opts: { group?: string } = {}): Promise<ReplayResult[]> {
    const all = await this.transport.deadLetters({
      ...(opts.group ? { group: opts.group } : {}),
      includeReplayed: true,
    });
    const out: ReplayResult[] = [];
    for (const id of eventIds) {
      const found = all.filter((d) => d.eventId === id && d.eventId !== '');
      if (!found.length) {
        out.push({ eventId: id, status: 'not-found', groups: [] });
        continue;
      }
      const byTopic = new Map<string, DeadLetter>();
      for (const d of found) if (!byTopic.has(d.topic)) byTopic.set(d.topic, d);
      await this.transport.send(
        [...byTopic.values()].map((d) => ({
          topic: d.topic,
          key: d.key,
          eventId: d.eventId,
          value: d.value,
          headers: { 'x-replayed-from': `dlq.${d.group}` },
        })),
      );
      for (const d of found) await this.transport.markReplayed(d.group, d.eventId);
      out.push({
        eventId: id,
        status: 'replayed',
        groups: found.map((d) => d.group),
        topic: found[0]!.topic,
      });
      this.log.info({ eventId: id, groups: found.map((d) => d.group) }, 'dead letter replayed');
    }
    return out;
  }

  tail(
    topic: string,
    opts: { fromBeginning: boolean; signal: AbortSignal },
    onRecord: (rec: IncomingRecord) => void,
  ): Promise<void> {
    assertName('topic', topic);
    return this.transport.tail(topic, opts, onRecord);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all([...this.subs].map((s) => s.close()));
    for (const u of this.unregisterMetrics) u();
    this.unregisterMetrics = [];
    await this.transport.close();
  }
}
