import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { ConnectionOptions } from 'node:tls';
import type { Admin, Consumer, IHeaders, KafkaConfig, LogEntry, Producer, SASLOptions } from 'kafkajs';
import kafkajs from 'kafkajs';
import type { Logger } from '../../logger.ts';
import type { EventsConfig } from '../config.ts';
import { eventMetrics } from '../metrics.ts';
import {
  AbortedError,
  assertName,
  type ConsumeOptions,
  type DeadLetter,
  DLQ_PREFIX,
  deadLetterOf,
  type IncomingRecord,
  type LagRow,
  type OutgoingRecord,
  type PartitionOffsets,
  type TopicInfo,
  type Transport,
  type TransportConsumer,
} from '../transport.ts';

const { Kafka, Partitioners, logLevel } = kafkajs;

/** Maps the KAFKA_* settings to a kafkajs client configuration (exported for tests and docs). */
export function kafkaClientConfig(config: EventsConfig, clientId: string, logger?: Logger): KafkaConfig {
  let ssl: ConnectionOptions | undefined;
  if (config.KAFKA_SSL || config.KAFKA_SSL_CA_FILE || config.KAFKA_SSL_CERT_FILE) {
    const tls: ConnectionOptions = { rejectUnauthorized: config.KAFKA_SSL_REJECT_UNAUTHORIZED };
    if (config.KAFKA_SSL_CA_FILE) tls.ca = [readFileSync(config.KAFKA_SSL_CA_FILE, 'utf8')];
    if (config.KAFKA_SSL_CERT_FILE) tls.cert = readFileSync(config.KAFKA_SSL_CERT_FILE, 'utf8');
    if (config.KAFKA_SSL_KEY_FILE) tls.key = readFileSync(config.KAFKA_SSL_KEY_FILE, 'utf8');
    ssl = tls;
  }
  let sasl: SASLOptions | undefined;
  if (config.KAFKA_SASL_MECHANISM) {
    sasl = {
      mechanism: config.KAFKA_SASL_MECHANISM,
      username: config.KAFKA_SASL_USERNAME ?? '',
      password: config.KAFKA_SASL_PASSWORD ?? '',
    } as SASLOptions;
  }
  return {
    clientId,
    brokers: config.KAFKA_BROKERS ?? [],
    connectionTimeout: config.KAFKA_CONNECTION_TIMEOUT_MS,
    retry: { retries: config.KAFKA_RETRIES },
    ...(ssl !== undefined ? { ssl } : {}),
    ...(sasl ? { sasl } : {}),
    logLevel: logLevel.WARN,
    ...(logger
      ? {
          logCreator: () => (entry: LogEntry) => {
            const { message, ...extra } = entry.log;
            const obj = { kafka: entry.namespace, ...extra };
            if (entry.level === logLevel.ERROR) logger.error(obj, message);
            else if (entry.level === logLevel.WARN) logger.warn(obj, message);
            else logger.debug(obj, message);
          },
        }
      : {}),
  };
}

function headersOf(h: IHeaders | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(h ?? {})) {
    if (v === undefined) continue;
    out[k] = Array.isArray(v) ? v.map(String).join(',') : v.toString();
  }
  return out;
}

export async function createKafkaTransport(opts: {
  config: EventsConfig;
  logger: Logger;
  clientId: string;
}): Promise<KafkaTransport> {
  const t = new KafkaTransport(opts.config, opts.logger, opts.clientId);
  try {
    await t.connect();
  } catch (err) {
    await t.close().catch(() => {});
    throw new Error(
      `Kafka brokers ${(opts.config.KAFKA_BROKERS ?? []).join(',')} are unreachable: ${(err as Error).message}`,
    );
  }
  return t;
}

/**
 * Kafka transport (kafkajs). Topic names are the logical names with
 * KAFKA_TOPIC_PREFIX in front; the aggregate id is the message key (Kafka's
 * default murmur2 partitioner, so Java clients agree); the producer is
 * idempotent with acks=all and one request in flight, so retries neither
 * duplicate nor reorder. Consumer groups are Kafka consumer groups; offsets
 * are committed only after a record is done.
 */
export class KafkaTransport implements Transport {
  readonly kind = 'kafka' as const;
  private readonly config: EventsConfig;
  private readonly log: Logger;
  private readonly kafka: InstanceType<typeof Kafka>;
  private readonly producer: Producer;
  private readonly admin: Admin;
  private readonly prefix: string;
  private readonly knownTopics = new Set<string>();
  private readonly consumers = new Set<{ close(): Promise<void> }>();

  constructor(config: EventsConfig, logger: Logger, clientId: string) {
    this.config = config;
    this.log = logger.child({ component: 'kafka' });
    this.prefix = config.KAFKA_TOPIC_PREFIX;
    this.kafka = new Kafka(kafkaClientConfig(config, clientId, this.log));
    this.producer = this.kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      // bounded (kafkajs defaults to retrying forever when idempotent): an unreachable cluster fails the
      // relay pass after ~1 minute, which rolls back, logs, shows in the outbox backlog and is retried
      retry: { retries: 12, initialRetryTime: 300, maxRetryTime: 10_000 },
      allowAutoTopicCreation: false,
      createPartitioner: Partitioners.DefaultPartitioner,
    });
    this.admin = this.kafka.admin();
  }

  async connect(): Promise<void> {
    await this.admin.connect();
    await this.producer.connect();
  }

  private phys(topic: string): string {
    return `${this.prefix}${topic}`;
  }
  private logical(topic: string): string {
    return topic.startsWith(this.prefix) ? topic.slice(this.prefix.length) : topic;
  }

  /** Creates missing topics (EVENTS_PARTITIONS partitions; DLQ topics keep EVENTS_DLQ_RETENTION_HOURS). */
  async ensureTopics(topics: string[]): Promise<void> {
    const missing = [...new Set(topics)].filter((t) => !this.knownTopics.has(t));
    if (!missing.length) return;
    for (const t of missing) assertName('topic', t);
    if (this.config.KAFKA_CREATE_TOPICS) {
      try {
        await this.admin.createTopics({
          waitForLeaders: true,
          topics: missing.map((t) => ({
            topic: this.phys(t),
            numPartitions: this.config.EVENTS_PARTITIONS,
            replicationFactor: this.config.KAFKA_REPLICATION_FACTOR,
            configEntries: [
              {
                name: 'retention.ms',
                value: String(
                  (t.startsWith(DLQ_PREFIX)
                    ? this.config.EVENTS_DLQ_RETENTION_HOURS
                    : this.config.EVENTS_RETENTION_HOURS) * 3_600_000,
                ),
              },
            ],
          })),
        });
      } catch (err) {
        this.log.warn({ err, topics: missing }, 'kafka: could not create topics (they must exist already)');
      }
    }
    for (const t of missing) this.knownTopics.add(t);
  }

  async send(records: OutgoingRecord[]): Promise<void> {
    if (!records.length) return;
    await this.ensureTopics(records.map((r) => r.topic));
    const byTopic = new Map<string, OutgoingRecord[]>();
    for (const r of records) {
      const list = byTopic.get(r.topic) ?? [];
      list.push(r);
      byTopic.set(r.topic, list);
    }
    await this.producer.sendBatch({
      acks: -1,
      topicMessages: [...byTopic].map(([topic, recs]) => ({
        topic: this.phys(topic),
        messages: recs.map((r) => ({
          key: r.key,
          value: r.value,
          headers: { ...r.headers, 'x-event-id': r.eventId },
        })),
      })),
    });
    for (const [topic, recs] of byTopic)
      eventMetrics.published.inc({ transport: 'kafka', topic }, recs.length);
  }

  async consume(opts: ConsumeOptions): Promise<TransportConsumer> {
    assertName('group', opts.group);
    await this.ensureTopics(opts.topics);
    const consumer = this.kafka.consumer({
      groupId: this.phys(opts.group),
      sessionTimeout: this.config.KAFKA_SESSION_TIMEOUT_MS,
      heartbeatInterval: Math.max(500, Math.floor(this.config.KAFKA_SESSION_TIMEOUT_MS / 10)),
      allowAutoTopicCreation: false,
      maxWaitTimeInMs: 100,
    });
    const abort = new AbortController();
    await consumer.connect();
    await consumer.subscribe({
      topics: opts.topics.map((t) => this.phys(t)),
      fromBeginning: opts.fromBeginning,
    });
    await consumer.run({
      autoCommit: true,
      autoCommitInterval: 1000,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: Math.min(this.config.EVENTS_PARTITIONS, 16),
      eachBatch: async ({
        batch,
        resolveOffset,
        heartbeat,
        commitOffsetsIfNecessary,
        uncommittedOffsets,
        isRunning,
        isStale,
      }) => {
        const topic = this.logical(batch.topic);
        try {
          for (const m of batch.messages) {
            if (!isRunning() || isStale() || abort.signal.aborted) break;
            const rec: IncomingRecord = {
              topic,
              partition: batch.partition,
              offset: m.offset,
              key: m.key?.toString('utf8') ?? '',
              value: m.value?.toString('utf8') ?? '',
              headers: headersOf(m.headers),
              timestamp: Number(m.timestamp),
            };
            try {
              await opts.onRecord(rec, { signal: abort.signal, heartbeat });
            } catch (err) {
              if (err instanceof AbortedError) break;
              throw err;
            }
            resolveOffset(m.offset);
            await commitOffsetsIfNecessary();
            await heartbeat();
          }
        } finally {
          // commit what is done now (graceful stop, or before kafkajs retries a failed batch)
          await commitOffsetsIfNecessary(uncommittedOffsets()).catch(() => {});
        }
      },
    });
    const handle = {
      close: async () => {
        abort.abort();
        await consumer.disconnect();
        this.consumers.delete(handle);
      },
    };
    this.consumers.add(handle);
    return handle;
  }

  async ping(): Promise<void> {
    try {
      await this.admin.describeCluster();
    } catch (err) {
      throw new Error(
        `Kafka brokers ${(this.config.KAFKA_BROKERS ?? []).join(',')} are unreachable: ${(err as Error).message}`,
      );
    }
  }

  private async groupIds(groups?: string[]): Promise<string[]> {
    if (groups) return groups;
    const { groups: all } = await this.admin.listGroups();
    return all
      .map((g) => g.groupId)
      .filter((g) => g.startsWith(this.prefix) && !g.includes('tg-tail-'))
      .map((g) => this.logical(g));
  }

  async lag(groups?: string[]): Promise<LagRow[]> {
    const out: LagRow[] = [];
    const heads = new Map<string, Map<number, number>>();
    const headOf = async (topic: string) => {
      let m = heads.get(topic);
      if (!m) {
        m = new Map((await this.admin.fetchTopicOffsets(topic)).map((p) => [p.partition, Number(p.high)]));
        heads.set(topic, m);
      }
      return m;
    };
    for (const group of await this.groupIds(groups)) {
      const offsets = await this.admin.fetchOffsets({ groupId: this.phys(group) });
      for (const t of offsets) {
        const h = await headOf(t.topic);
        for (const p of t.partitions) {
          const committed = Number(p.offset) >= 0 ? Number(p.offset) : null;
          const head = h.get(p.partition) ?? 0;
          out.push({
            group,
            topic: this.logical(t.topic),
            partition: p.partition,
            committed,
            head,
            lag: Math.max(0, head - (committed ?? 0)),
          });
        }
      }
    }
    return out;
  }

  /** High-water marks of `topics` and the group's committed offsets (what the broker knows; see the bus for in-process progress). */
  async offsets(group: string, topics: string[]): Promise<PartitionOffsets[]> {
    if (!topics.length) return [];
    const committed = new Map<string, number | null>();
    const fetched = await this.admin.fetchOffsets({
      groupId: this.phys(group),
      topics: topics.map((t) => this.phys(t)),
    });
    for (const t of fetched) {
      for (const p of t.partitions) {
        committed.set(`${t.topic}\u0000${p.partition}`, Number(p.offset) >= 0 ? Number(p.offset) : null);
      }
    }
    const out: PartitionOffsets[] = [];
    for (const topic of topics) {
      const phys = this.phys(topic);
      for (const p of await this.admin.fetchTopicOffsets(phys)) {
        out.push({
          topic,
          partition: p.partition,
          head: Number(p.high),
          committed: committed.get(`${phys}\u0000${p.partition}`) ?? null,
        });
      }
    }
    return out;
  }

  async topics(): Promise<TopicInfo[]> {
    const names = (await this.admin.listTopics()).filter(
      (t) => t.startsWith(this.prefix) && !t.startsWith('__'),
    );
    const out: TopicInfo[] = [];
    for (const name of names.sort()) {
      const offs = await this.admin.fetchTopicOffsets(name);
      out.push({
        topic: this.logical(name),
        partitions: offs.length,
        messages: offs.reduce((n, p) => n + (Number(p.high) - Number(p.low)), 0),
        retentionHours: null,
      });
    }
    return out;
  }

  /** Reads a topic from its low to its high watermark with a throw-away group. */
  private async readAll(topic: string): Promise<IncomingRecord[]> {
    const phys = this.phys(topic);
    const offs = await this.admin.fetchTopicOffsets(phys);
    const remaining = new Map(
      offs.filter((p) => Number(p.high) > Number(p.low)).map((p) => [p.partition, Number(p.high)]),
    );
    if (!remaining.size) return [];
    const groupId = `${this.prefix}tg-tail-${randomBytes(6).toString('hex')}`;
    const consumer = this.kafka.consumer({ groupId, allowAutoTopicCreation: false, maxWaitTimeInMs: 100 });
    const out: IncomingRecord[] = [];
    try {
      await consumer.connect();
      await consumer.subscribe({ topics: [phys], fromBeginning: true });
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`timed out reading ${phys}`)), 30_000);
        consumer
          .run({
            autoCommit: false,
            eachMessage: async ({ partition, message }) => {
              out.push({
                topic,
                partition,
                offset: message.offset,
                key: message.key?.toString('utf8') ?? '',
                value: message.value?.toString('utf8') ?? '',
                headers: headersOf(message.headers),
                timestamp: Number(message.timestamp),
              });
              if (Number(message.offset) + 1 >= (remaining.get(partition) ?? 0)) remaining.delete(partition);
              if (!remaining.size) {
                clearTimeout(timer);
                resolve();
              }
            },
          })
          .catch(reject);
      });
    } finally {
      await consumer.disconnect().catch(() => {});
      await this.admin.deleteGroups([groupId]).catch(() => {});
    }
    return out;
  }

  async deadLetters(opts: { group?: string; includeReplayed?: boolean } = {}): Promise<DeadLetter[]> {
    const topics = opts.group
      ? [`${DLQ_PREFIX}${opts.group}`]
      : (await this.admin.listTopics()).map((t) => this.logical(t)).filter((t) => t.startsWith(DLQ_PREFIX));
    const out: DeadLetter[] = [];
    for (const t of topics) {
      for (const rec of await this.readAll(t).catch(() => [])) {
        out.push(deadLetterOf(rec, rec.headers['x-event-id'] ?? '', null));
      }
    }
    return out;
  }

  /** Kafka: dead letters still retained (replays are not subtracted: the log is immutable). */
  async deadLetterCounts(groups: string[]): Promise<{ group: string; count: number }[]> {
    const existing = new Set(await this.admin.listTopics());
    const out: { group: string; count: number }[] = [];
    for (const group of groups) {
      const phys = this.phys(`${DLQ_PREFIX}${group}`);
      if (!existing.has(phys)) {
        out.push({ group, count: 0 });
        continue;
      }
      const offs = await this.admin.fetchTopicOffsets(phys);
      out.push({ group, count: offs.reduce((n, p) => n + (Number(p.high) - Number(p.low)), 0) });
    }
    return out;
  }

  async markReplayed(): Promise<void> {
    // The Kafka log is immutable; replays are logged by the bus, not recorded here.
  }

  async tail(
    topic: string,
    opts: { fromBeginning: boolean; signal: AbortSignal },
    onRecord: (rec: IncomingRecord) => void,
  ): Promise<void> {
    const groupId = `${this.prefix}tg-tail-${randomBytes(6).toString('hex')}`;
    const consumer: Consumer = this.kafka.consumer({
      groupId,
      allowAutoTopicCreation: false,
      maxWaitTimeInMs: 200,
    });
    await consumer.connect();
    try {
      await consumer.subscribe({ topics: [this.phys(topic)], fromBeginning: opts.fromBeginning });
      await consumer.run({
        autoCommit: false,
        eachMessage: async ({ partition, message }) => {
          onRecord({
            topic,
            partition,
            offset: message.offset,
            key: message.key?.toString('utf8') ?? '',
            value: message.value?.toString('utf8') ?? '',
            headers: headersOf(message.headers),
            timestamp: Number(message.timestamp),
          });
        },
      });
      await new Promise<void>((resolve) => {
        if (opts.signal.aborted) return resolve();
        opts.signal.addEventListener('abort', () => resolve(), { once: true });
      });
    } finally {
      await consumer.disconnect().catch(() => {});
      await this.admin.deleteGroups([groupId]).catch(() => {});
    }
  }

  async close(): Promise<void> {
    await Promise.all([...this.consumers].map((c) => c.close().catch(() => {})));
    await this.producer.disconnect().catch(() => {});
    await this.admin.disconnect().catch(() => {});
  }
}
