import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { type DatabaseConfig, databaseName, type Orm, openDatabase } from '../../db/orm.ts';
import { placeholders } from '../../db/sql.ts';
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
  partitionOf,
  sleep,
  type TopicInfo,
  type Transport,
  type TransportConsumer,
} from '../transport.ts';
import { Sql, type Trx, utcMillis } from './db.ts';
import { EVENT_LOG_MIGRATIONS, EventTopic } from './schema.ts';
import { announceHeads, HeadWatcher, registerWatcher } from './watcher.ts';

const FETCH_BATCH = 200;
const INSERT_CHUNK = 200;

interface MessageRow {
  msg_offset: number | string;
  msg_key: string;
  headers: string | null;
  value: string;
  created_at: string | Date;
}

function toRecord(topic: string, partition: number, r: MessageRow): IncomingRecord {
  return {
    topic,
    partition,
    offset: String(r.msg_offset),
    key: r.msg_key,
    value: r.value,
    headers: r.headers ? (JSON.parse(r.headers) as Record<string, string>) : {},
    timestamp: utcMillis(r.created_at),
  };
}

/**
 * Opens the broker database, creating it and its tables if needed. Migrations
 * run under a MySQL named lock so processes starting together do not race.
 */
async function openEventLog(db: DatabaseConfig, config: EventsConfig, logger: Logger): Promise<Orm> {
  const orm = await openDatabase({
    db: { ...db, DB_POOL_MAX: config.EVENTS_DB_POOL_MAX },
    name: config.EVENTS_DB_NAME,
    entities: [EventTopic],
    migrations: EVENT_LOG_MIGRATIONS,
    logger,
    migrate: false,
  });
  const sql = new Sql(orm);
  const lock = `${databaseName(db, config.EVENTS_DB_NAME)}.migrate`;
  await sql.tx(async (trx) => {
    const got = await sql.one<{ ok: number | null }>('select get_lock(?, 60) as ok', [lock], trx);
    if (got?.ok !== 1) throw new Error(`event log: could not take the migration lock "${lock}" within 60 s`);
    try {
      await orm.migrator.up();
    } finally {
      await sql.all('select release_lock(?)', [lock], trx);
    }
  });
  return orm;
}

export async function createMysqlTransport(opts: {
  db: DatabaseConfig;
  config: EventsConfig;
  logger: Logger;
}): Promise<MysqlTransport> {
  let orm: Orm;
  try {
    orm = await openEventLog(opts.db, opts.config, opts.logger);
  } catch (err) {
    const name = databaseName(opts.db, opts.config.EVENTS_DB_NAME);
    throw new Error(
      `event log database ${name} at ${opts.db.DB_HOST}:${opts.db.DB_PORT} is unreachable or cannot be migrated: ${(err as Error).message}`,
      { cause: err },
    );
  }
  return new MysqlTransport(orm, opts.db, opts.config, opts.logger);
}

/**
 * The default transport: a durable log in a dedicated MySQL database. Topics
 * have a fixed number of partitions; a record goes to the partition of its
 * key's hash, gets the next offset of that partition and stays until the
 * retention deletes it. Consumer groups share partitions through leases and
 * commit the next offset to read per partition.
 */
export class MysqlTransport implements Transport {
  readonly kind = 'mysql' as const;
  readonly sql: Sql;
  readonly config: EventsConfig;
  readonly log: Logger;
  readonly dbName: string;
  private readonly orm: Orm;
  private readonly dbKey: string;
  private readonly topicPartitions = new Map<string, Promise<number>>();
  private readonly consumers = new Set<MysqlGroupConsumer>();
  private watcher: HeadWatcher | undefined;
  private unregisterWatcher: (() => void) | undefined;
  private janitor: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(orm: Orm, db: DatabaseConfig, config: EventsConfig, logger: Logger) {
    this.orm = orm;
    this.sql = new Sql(orm);
    this.config = config;
    this.log = logger.child({ component: 'event-log' });
    this.dbName = databaseName(db, config.EVENTS_DB_NAME);
    this.dbKey = `${db.DB_HOST}:${db.DB_PORT}/${this.dbName}`;
    // retention: first run soon after start (jittered so processes do not collide), then every 5 minutes
    const every = 5 * 60_000;
    const first = 10_000 + Math.floor(Math.random() * 20_000);
    this.janitor = setTimeout(() => this.runJanitor(every), first);
    this.janitor.unref();
  }

  private runJanitor(every: number): void {
    this.enforceRetention()
      .catch((err) => this.log.warn({ err }, 'event log: retention run failed'))
      .finally(() => {
        if (this.closed) return;
        this.janitor = setTimeout(() => this.runJanitor(every), every);
        this.janitor.unref();
      });
  }

  /** Deletes messages older than their topic's retention, and long-gone group members. Returns messages deleted. */
  async enforceRetention(): Promise<number> {
    const topics = await this.sql.all<{ name: string; retention_hours: number }>(
      'select name, retention_hours from topics',
    );
    let deleted = 0;
    for (const t of topics) {
      for (;;) {
        const res = await this.sql.run(
          'delete from messages where topic = ? and created_at < utc_timestamp(3) - interval ? hour limit 5000',
          [t.name, t.retention_hours],
        );
        deleted += res.affectedRows;
        if (res.affectedRows < 5000) break;
      }
    }
    await this.sql.run('delete from group_members where heartbeat_at < utc_timestamp(3) - interval 1 day');
    if (deleted) this.log.info({ deleted }, 'event log: retention deleted old messages');
    return deleted;
  }

  /** Creates the topic (with EVENTS_PARTITIONS partitions) if missing; returns its partition count. */
  ensureTopic(topic: string): Promise<number> {
    let p = this.topicPartitions.get(topic);
    if (!p) {
      p = this.createTopic(topic);
      this.topicPartitions.set(topic, p);
      p.catch(() => this.topicPartitions.delete(topic));
    }
    return p;
  }

  private async createTopic(topic: string): Promise<number> {
    assertName('topic', topic);
    const retention = topic.startsWith(DLQ_PREFIX)
      ? this.config.EVENTS_DLQ_RETENTION_HOURS
      : this.config.EVENTS_RETENTION_HOURS;
    await this.sql.run(
      'insert ignore into topics (name, partitions, retention_hours, created_at) values (?, ?, ?, utc_timestamp(3))',
      [topic, this.config.EVENTS_PARTITIONS, retention],
    );
    const row = await this.sql.one<{ partitions: number }>('select partitions from topics where name = ?', [
      topic,
    ]);
    if (!row) throw new Error(`event log: topic "${topic}" vanished while being created`);
    const n = row.partitions;
    const values: unknown[] = [];
    for (let i = 0; i < n; i++) values.push(topic, i);
    await this.sql.run(
      `insert ignore into partition_heads (topic, partition_no, next_offset) values ${new Array(n).fill('(?, ?, 0)').join(', ')}`,
      values,
    );
    return n;
  }

  async send(records: OutgoingRecord[]): Promise<void> {
    if (!records.length) return;
    const groups = new Map<string, { topic: string; partition: number; recs: OutgoingRecord[] }>();
    for (const r of records) {
      if (r.key.length > 190)
        throw new Error(`record key "${r.key.slice(0, 40)}…" is longer than 190 characters`);
      const partitions = await this.ensureTopic(r.topic);
      const partition = partitionOf(r.key, partitions);
      const k = `${r.topic}\u0000${partition}`;
      const g = groups.get(k) ?? { topic: r.topic, partition, recs: [] };
      groups.set(k, g);
      g.recs.push(r);
    }
    // lock partition heads in one global order: concurrent producers never deadlock
    const sorted = [...groups.values()].sort((a, b) =>
      a.topic === b.topic ? a.partition - b.partition : a.topic < b.topic ? -1 : 1,
    );
    const heads = await this.sql.tx(async (trx) => {
      const out: { topic: string; partition: number; head: number }[] = [];
      for (const g of sorted) {
        const head = await this.reserve(g.topic, g.partition, g.recs.length, trx);
        let offset = head - g.recs.length;
        for (let i = 0; i < g.recs.length; i += INSERT_CHUNK) {
          const chunk = g.recs.slice(i, i + INSERT_CHUNK);
          const params: unknown[] = [];
          for (const r of chunk) {
            params.push(
              g.topic,
              g.partition,
              offset++,
              r.eventId,
              r.key,
              r.headers && Object.keys(r.headers).length ? JSON.stringify(r.headers) : null,
              r.value,
            );
          }
          await this.sql.run(
            `insert into messages (topic, partition_no, msg_offset, event_id, msg_key, headers, value, created_at) values ${new Array(
              chunk.length,
            )
              .fill('(?, ?, ?, ?, ?, ?, ?, utc_timestamp(3))')
              .join(', ')}`,
            params,
            trx,
          );
        }
        out.push({ topic: g.topic, partition: g.partition, head });
      }
      return out;
    });
    announceHeads(this.dbKey, heads);
    for (const g of sorted) eventMetrics.published.inc({ transport: 'mysql', topic: g.topic }, g.recs.length);
  }

  /** Advances the partition head by n under its row lock; returns the new head (exclusive end of the range). */
  private async reserve(topic: string, partition: number, n: number, trx: Trx): Promise<number> {
    const res = await this.sql.run(
      'update partition_heads set next_offset = last_insert_id(next_offset + ?) where topic = ? and partition_no = ?',
      [n, topic, partition],
      trx,
    );
    if (res.affectedRows !== 1) throw new Error(`event log: partition ${topic}/${partition} does not exist`);
    const head = Number(res.insertId);
    if (Number.isFinite(head) && head >= n) return head;
    const row = await this.sql.one<{ next_offset: number }>(
      'select next_offset from partition_heads where topic = ? and partition_no = ?',
      [topic, partition],
      trx,
    );
    return Number(row!.next_offset);
  }

  async fetch(
    topic: string,
    partition: number,
    from: number,
    limit = FETCH_BATCH,
  ): Promise<IncomingRecord[]> {
    const rows = await this.sql.all<MessageRow>(
      'select msg_offset, msg_key, headers, value, created_at from messages where topic = ? and partition_no = ? and msg_offset >= ? order by msg_offset limit ?',
      [topic, partition, from, limit],
    );
    return rows.map((r) => toRecord(topic, partition, r));
  }

  getWatcher(): HeadWatcher {
    if (!this.watcher) {
      this.watcher = new HeadWatcher(
        this.sql,
        this.config.EVENTS_POLL_MIN_MS,
        this.config.EVENTS_POLL_MAX_MS,
        this.log,
      );
      this.unregisterWatcher = registerWatcher(this.dbKey, this.watcher);
    }
    return this.watcher;
  }

  async consume(opts: ConsumeOptions): Promise<TransportConsumer> {
    if (this.closed) throw new Error('event log: transport is closed');
    assertName('group', opts.group);
    const c = new MysqlGroupConsumer(this, opts);
    this.consumers.add(c);
    try {
      await c.start();
    } catch (err) {
      this.consumers.delete(c);
      await c.close().catch(() => {});
      throw err;
    }
    const close = async () => {
      await c.close();
      this.consumers.delete(c);
    };
    return { close };
  }

  async ping(): Promise<void> {
    try {
      await this.sql.all('select 1 from partition_heads limit 1');
    } catch (err) {
      throw new Error(`event log database ${this.dbName} is unreachable: ${(err as Error).message}`);
    }
  }

  async lag(groups?: string[]): Promise<LagRow[]> {
    if (groups && !groups.length) return [];
    const where = groups ? `where o.group_id in (${placeholders(groups.length)})` : '';
    const rows = await this.sql.all<{
      group_id: string;
      topic: string;
      partition_no: number;
      next_offset: number | string;
      owner: string | null;
      live: number | null;
      head: number | string;
    }>(
      `select o.group_id, o.topic, o.partition_no, o.next_offset, o.owner, o.lease_until > utc_timestamp(3) as live, h.next_offset as head
       from consumer_offsets o join partition_heads h on h.topic = o.topic and h.partition_no = o.partition_no
       ${where} order by o.group_id, o.topic, o.partition_no`,
      groups ?? [],
    );
    return rows.map((r) => {
      const committed = Number(r.next_offset);
      const head = Number(r.head);
      return {
        group: r.group_id,
        topic: r.topic,
        partition: r.partition_no,
        committed,
        head,
        lag: Math.max(0, head - committed),
        owner: r.live ? r.owner : null,
      };
    });
  }

  async offsets(group: string, topics: string[]): Promise<PartitionOffsets[]> {
    if (!topics.length) return [];
    const rows = await this.sql.all<{
      topic: string;
      partition_no: number;
      head: number | string;
      committed: number | string | null;
    }>(
      `select h.topic, h.partition_no, h.next_offset as head, o.next_offset as committed
       from partition_heads h left join consumer_offsets o
         on o.group_id = ? and o.topic = h.topic and o.partition_no = h.partition_no
       where h.topic in (${placeholders(topics.length)}) order by h.topic, h.partition_no`,
      [group, ...topics],
    );
    return rows.map((r) => ({
      topic: r.topic,
      partition: r.partition_no,
      head: Number(r.head),
      committed: r.committed === null ? null : Number(r.committed),
    }));
  }

  async topics(): Promise<TopicInfo[]> {
    const rows = await this.sql.all<{
      name: string;
      partitions: number;
      retention_hours: number;
      n: number | string;
    }>(
      'select t.name, t.partitions, t.retention_hours, (select count(*) from messages m where m.topic = t.name) as n from topics t order by t.name',
    );
    return rows.map((r) => ({
      topic: r.name,
      partitions: r.partitions,
      messages: Number(r.n),
      retentionHours: r.retention_hours,
    }));
  }

  async deadLetters(opts: { group?: string; includeReplayed?: boolean } = {}): Promise<DeadLetter[]> {
    const params: unknown[] = [];
    let where = 'm.topic like ?';
    params.push(`${DLQ_PREFIX}%`);
    if (opts.group) {
      where = 'm.topic = ?';
      params[0] = `${DLQ_PREFIX}${opts.group}`;
    }
    if (!opts.includeReplayed) where += ' and r.replayed_at is null';
    const rows = await this.sql.all<
      MessageRow & { topic: string; partition_no: number; event_id: string; replayed_at: string | null }
    >(
      `select m.topic, m.partition_no, m.msg_offset, m.event_id, m.msg_key, m.headers, m.value, m.created_at, r.replayed_at
       from messages m left join dlq_replays r on r.group_id = substring(m.topic, ${DLQ_PREFIX.length + 1}) and r.event_id = m.event_id
       where ${where} order by m.created_at, m.topic, m.partition_no, m.msg_offset`,
      params,
    );
    return rows.map((r) => deadLetterOf(toRecord(r.topic, r.partition_no, r), r.event_id, r.replayed_at));
  }

  async deadLetterCounts(groups: string[]): Promise<{ group: string; count: number }[]> {
    if (!groups.length) return [];
    const topics = groups.map((g) => `${DLQ_PREFIX}${g}`);
    const rows = await this.sql.all<{ topic: string; n: number | string }>(
      `select m.topic, count(*) as n from messages m
       left join dlq_replays r on r.group_id = substring(m.topic, ${DLQ_PREFIX.length + 1}) and r.event_id = m.event_id
       where m.topic in (${placeholders(topics.length)}) and r.replayed_at is null group by m.topic`,
      topics,
    );
    const counts = new Map(rows.map((r) => [r.topic.slice(DLQ_PREFIX.length), Number(r.n)]));
    return groups.map((group) => ({ group, count: counts.get(group) ?? 0 }));
  }

  async markReplayed(group: string, eventId: string): Promise<void> {
    await this.sql.run(
      'insert into dlq_replays (group_id, event_id, replayed_at) values (?, ?, utc_timestamp(3)) on duplicate key update replayed_at = utc_timestamp(3)',
      [group, eventId],
    );
  }

  async tail(
    topic: string,
    opts: { fromBeginning: boolean; signal: AbortSignal },
    onRecord: (rec: IncomingRecord) => void,
  ): Promise<void> {
    const pos = new Map<number, number>();
    const heads = async () =>
      (
        await this.sql.all<{ partition_no: number; next_offset: number | string }>(
          'select partition_no, next_offset from partition_heads where topic = ? order by partition_no',
          [topic],
        )
      ).map((r) => ({ partition: r.partition_no, head: Number(r.next_offset) }));
    for (const h of await heads()) pos.set(h.partition, opts.fromBeginning ? 0 : h.head);
    while (!opts.signal.aborted) {
      let got = 0;
      for (const h of await heads()) {
        const from = pos.get(h.partition) ?? (opts.fromBeginning ? 0 : h.head);
        if (!pos.has(h.partition)) pos.set(h.partition, from);
        if (h.head <= from) continue;
        const recs = await this.fetch(topic, h.partition, from);
        for (const r of recs) {
          onRecord(r);
          pos.set(h.partition, Number(r.offset) + 1);
        }
        if (!recs.length) pos.set(h.partition, h.head);
        got += recs.length;
      }
      if (!got) await sleep(200, opts.signal).catch(() => {});
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.janitor) clearTimeout(this.janitor);
    await Promise.all([...this.consumers].map((c) => c.close()));
    this.consumers.clear();
    this.unregisterWatcher?.();
    await this.watcher?.close();
    await this.orm.close();
  }
}

interface OffsetRow {
  topic: string;
  partition_no: number;
  owner: string | null;
  live: number | null;
}

/**
 * One member of a consumer group. Every heartbeat (lease/3) it renews the
 * leases of its partitions, counts live members and moves towards its fair
 * share (ceil(partitions / members)): it releases extra partitions after
 * their in-flight work is committed, and claims free or expired ones. A
 * partition is processed by one member at a time, in offset order; offset
 * commits are fenced by ownership, so a member that lost a partition cannot
 * move its offset.
 */
class MysqlGroupConsumer {
  private readonly t: MysqlTransport;
  private readonly opts: ConsumeOptions;
  readonly memberId = `${hostname()}-${process.pid}-${randomBytes(4).toString('hex')}`;
  private readonly workers = new Map<string, PartitionWorker>();
  private readonly stop = new AbortController();
  private readonly unwatch: (() => void)[] = [];
  private loop: Promise<void> | undefined;
  private closing: Promise<void> | undefined;
  leaseValidUntil = 0;
  readonly log: Logger;

  constructor(t: MysqlTransport, opts: ConsumeOptions) {
    this.t = t;
    this.opts = opts;
    this.log = t.log.child({ group: opts.group, member: this.memberId });
  }

  get group(): string {
    return this.opts.group;
  }
  get sql(): Sql {
    return this.t.sql;
  }
  get leaseMs(): number {
    return this.t.config.EVENTS_LEASE_MS;
  }

  async start(): Promise<void> {
    for (const topic of this.opts.topics) {
      await this.t.ensureTopic(topic);
      await this.sql.run(
        `insert ignore into consumer_offsets (group_id, topic, partition_no, next_offset, owner, lease_until, updated_at)
         select ?, topic, partition_no, ${this.opts.fromBeginning ? '0' : 'next_offset'}, null, null, utc_timestamp(3)
         from partition_heads where topic = ?`,
        [this.opts.group, topic],
      );
    }
    const watcher = this.t.getWatcher();
    for (const topic of this.opts.topics) this.unwatch.push(watcher.watch(topic));
    await this.cycle();
    this.loop = this.run();
  }

  private async run(): Promise<void> {
    const every = Math.max(100, Math.floor(this.leaseMs / 3));
    while (!this.stop.signal.aborted) {
      try {
        await sleep(every, this.stop.signal);
      } catch {
        break;
      }
      try {
        await this.cycle();
      } catch (err) {
        if (this.stop.signal.aborted) break;
        this.log.warn({ err }, 'event log: consumer group heartbeat failed');
      }
    }
  }

  private async cycle(): Promise<void> {
    const t0 = Date.now();
    const { group } = this.opts;
    const micros = this.leaseMs * 1000;
    await this.sql.run(
      'insert into group_members (group_id, member_id, heartbeat_at) values (?, ?, utc_timestamp(3)) on duplicate key update heartbeat_at = utc_timestamp(3)',
      [group, this.memberId],
    );
    // renew what we hold
    const byTopic = new Map<string, number[]>();
    for (const w of this.workers.values()) {
      const list = byTopic.get(w.topic) ?? [];
      list.push(w.partition);
      byTopic.set(w.topic, list);
    }
    // One statement for every topic (a group may subscribe to dozens): each disjunct is a
    // range of the primary key, so only the held rows are read and locked.
    if (byTopic.size) {
      const held = [...byTopic].map(
        ([, parts]) => `(topic = ? and partition_no in (${placeholders(parts.length)}))`,
      );
      await this.sql.run(
        `update consumer_offsets set lease_until = utc_timestamp(3) + interval ? microsecond
         where group_id = ? and owner = ? and (${held.join(' or ')})`,
        [micros, group, this.memberId, ...[...byTopic].flatMap(([topic, parts]) => [topic, ...parts])],
      );
    }
    this.leaseValidUntil = t0 + Math.floor(this.leaseMs * 0.8);

    const rows = await this.sql.all<OffsetRow>(
      `select topic, partition_no, owner, lease_until > utc_timestamp(3) as live from consumer_offsets
       where group_id = ? and topic in (${placeholders(this.opts.topics.length)})`,
      [group, ...this.opts.topics],
    );
    const members = await this.sql.one<{ n: number | string }>(
      'select count(*) as n from group_members where group_id = ? and heartbeat_at > utc_timestamp(3) - interval ? microsecond',
      [group, micros],
    );
    const live = Math.max(1, Number(members?.n ?? 1));
    const key = (topic: string, p: number) => `${topic}\u0000${p}`;

    // partitions we run but no longer own (lease expired and taken over)
    const ownedInDb = new Set(
      rows.filter((r) => r.owner === this.memberId).map((r) => key(r.topic, r.partition_no)),
    );
    for (const [k, w] of this.workers) {
      if (!ownedInDb.has(k) || w.finished) {
        if (!w.finished)
          this.log.warn({ topic: w.topic, partition: w.partition }, 'event log: lost partition lease');
        await w.stop();
        this.workers.delete(k);
      }
    }

    const fair = Math.ceil(rows.length / live);
    if (this.workers.size > fair) {
      const extra = [...this.workers.entries()].slice(0, this.workers.size - fair);
      for (const [k, w] of extra) {
        await w.stop();
        this.workers.delete(k);
        await this.sql.run(
          'update consumer_offsets set owner = null, lease_until = null where group_id = ? and topic = ? and partition_no = ? and owner = ?',
          [group, w.topic, w.partition, this.memberId],
        );
      }
    } else if (this.workers.size < fair && !this.stop.signal.aborted) {
      const free = rows
        .filter((r) => r.owner === null || !r.live || r.owner === this.memberId)
        .filter((r) => !this.workers.has(key(r.topic, r.partition_no)));
      for (let i = free.length - 1; i > 0; i--) {
        const j = Math.floor(Math.random() * (i + 1));
        [free[i], free[j]] = [free[j]!, free[i]!];
      }
      for (const r of free) {
        if (this.workers.size >= fair) break;
        const res = await this.sql.run(
          `update consumer_offsets set owner = ?, lease_until = utc_timestamp(3) + interval ? microsecond, updated_at = utc_timestamp(3)
           where group_id = ? and topic = ? and partition_no = ? and (owner is null or lease_until is null or lease_until < utc_timestamp(3) or owner = ?)`,
          [this.memberId, micros, group, r.topic, r.partition_no, this.memberId],
        );
        if (res.affectedRows !== 1) continue;
        const row = await this.sql.one<{ next_offset: number | string }>(
          'select next_offset from consumer_offsets where group_id = ? and topic = ? and partition_no = ?',
          [group, r.topic, r.partition_no],
        );
        const w = new PartitionWorker(
          this,
          this.t,
          r.topic,
          r.partition_no,
          Number(row!.next_offset),
          this.opts,
        );
        this.workers.set(key(r.topic, r.partition_no), w);
        this.log.debug(
          { topic: r.topic, partition: r.partition_no, from: w.position },
          'event log: partition assigned',
        );
      }
    }
  }

  /** Fenced offset commit: only the current owner can move the offset. */
  async commit(topic: string, partition: number, next: number): Promise<boolean> {
    const res = await this.sql.run(
      'update consumer_offsets set next_offset = ?, updated_at = utc_timestamp(3) where group_id = ? and topic = ? and partition_no = ? and owner = ?',
      [next, this.opts.group, topic, partition, this.memberId],
    );
    return res.affectedRows === 1;
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      this.stop.abort();
      await this.loop?.catch(() => {});
      await Promise.all([...this.workers.values()].map((w) => w.stop()));
      this.workers.clear();
      for (const u of this.unwatch) u();
      try {
        await this.sql.run(
          'update consumer_offsets set owner = null, lease_until = null where group_id = ? and owner = ?',
          [this.opts.group, this.memberId],
        );
        await this.sql.run('delete from group_members where group_id = ? and member_id = ?', [
          this.opts.group,
          this.memberId,
        ]);
      } catch (err) {
        this.log.warn({ err }, 'event log: could not leave the consumer group cleanly (leases will expire)');
      }
    })();
    return this.closing;
  }
}

/** Reads one partition in order, hands records to the processor, commits offsets. */
class PartitionWorker {
  readonly topic: string;
  readonly partition: number;
  private readonly c: MysqlGroupConsumer;
  private readonly t: MysqlTransport;
  private readonly opts: ConsumeOptions;
  private pos: number;
  private committed: number;
  private lastCommitAt = Date.now();
  private failures = 0;
  private stopping = false;
  finished = false;
  private readonly abort = new AbortController();
  private readonly done: Promise<void>;

  constructor(
    c: MysqlGroupConsumer,
    t: MysqlTransport,
    topic: string,
    partition: number,
    from: number,
    opts: ConsumeOptions,
  ) {
    this.c = c;
    this.t = t;
    this.topic = topic;
    this.partition = partition;
    this.pos = from;
    this.committed = from;
    this.opts = opts;
    this.done = this.run().finally(() => {
      this.finished = true;
    });
  }

  get position(): number {
    return this.pos;
  }

  private leaseOk(): boolean {
    if (Date.now() < this.c.leaseValidUntil) return true;
    this.c.log.warn(
      { topic: this.topic, partition: this.partition },
      'event log: lease not renewed in time; pausing partition',
    );
    return false;
  }

  private async commit(): Promise<void> {
    if (this.pos === this.committed) return;
    const ok = await this.c.commit(this.topic, this.partition, this.pos);
    this.lastCommitAt = Date.now();
    if (ok) {
      this.committed = this.pos;
    } else {
      this.c.log.warn(
        { topic: this.topic, partition: this.partition },
        'event log: partition taken over; offset not committed',
      );
      this.stopping = true;
    }
  }

  private async run(): Promise<void> {
    const watcher = this.t.getWatcher();
    const ctx = { signal: this.abort.signal, heartbeat: async () => {} };
    try {
      while (!this.stopping && this.leaseOk()) {
        const head = watcher.head(this.topic, this.partition);
        if (head === undefined || this.pos >= head) {
          await watcher.waitAdvance(this.topic, this.partition, this.pos, this.abort.signal);
          continue;
        }
        const recs = await this.t.fetch(this.topic, this.partition, this.pos);
        if (!recs.length) {
          // the messages up to the head were deleted by retention
          this.c.log.warn(
            { topic: this.topic, partition: this.partition, from: this.pos, to: head },
            'event log: skipped expired messages',
          );
          this.pos = head;
          continue;
        }
        const first = Number(recs[0]!.offset);
        if (first > this.pos) {
          this.c.log.warn(
            { topic: this.topic, partition: this.partition, from: this.pos, to: first },
            'event log: skipped expired messages',
          );
        }
        for (const rec of recs) {
          if (this.stopping || !this.leaseOk()) break;
          try {
            await this.opts.onRecord(rec, ctx);
          } catch (err) {
            if (err instanceof AbortedError) break;
            this.failures++;
            const wait = Math.min(5000, 100 * 2 ** Math.min(this.failures, 6));
            this.c.log.error(
              { err, topic: this.topic, partition: this.partition, offset: rec.offset, retryInMs: wait },
              'event log: record not done; retrying it',
            );
            await sleep(wait, this.abort.signal).catch(() => {});
            break;
          }
          this.failures = 0;
          this.pos = Number(rec.offset) + 1;
          if (Date.now() - this.lastCommitAt > this.t.config.EVENTS_COMMIT_INTERVAL_MS) await this.commit();
        }
        await this.commit();
      }
    } catch (err) {
      this.c.log.error(
        { err, topic: this.topic, partition: this.partition },
        'event log: partition worker failed',
      );
    } finally {
      try {
        await this.commit();
      } catch (err) {
        this.c.log.warn(
          { err, topic: this.topic, partition: this.partition },
          'event log: final offset commit failed',
        );
      }
    }
  }

  /** Stops after the in-flight record (its handler completes; a pending retry is abandoned) and commits. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.abort.abort();
    await this.done;
  }
}
