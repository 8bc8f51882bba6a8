/**
 * Behaviour specific to the mysql transport: consumer-group balancing, idle
 * cost, retention, topic metadata, metrics, errors.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Orm, openDatabase } from '../../src/db/orm.ts';
import {
  createEnvelope,
  createEventBus,
  type EventBus,
  type EventEnvelope,
  OutboxMessage,
  partitionOf,
} from '../../src/events/index.ts';
import type { MysqlTransport } from '../../src/events/mysql/transport.ts';
import { metricsRegistry } from '../../src/metrics.ts';
import {
  assertPerKeyOrder,
  dbConfig,
  dropDatabases,
  effects,
  openBus,
  openServiceDb,
  quietLogger,
  recordEffect,
  testPrefix,
  waitFor,
} from './helpers.ts';

const prefix = testPrefix();
let bus: EventBus;
let orm: Orm;
const mysql = () => bus.transport as unknown as MysqlTransport;

const probes = (key: string, from: number, n: number): EventEnvelope[] =>
  Array.from({ length: n }, (_, i) =>
    createEnvelope({ source: 'mysql-log' }, 'platform.probe.emitted', {
      aggregateId: key,
      orgId: null,
      payload: { probeId: key, seq: from + i },
    }),
  );

beforeAll(async () => {
  orm = await openServiceDb(prefix);
  bus = await openBus(prefix, { EVENTS_PARTITIONS: '6' });
}, 30_000);

afterAll(async () => {
  await bus?.close();
  await orm?.close();
  await dropDatabases(prefix);
}, 30_000);

describe('mysql transport', { timeout: 30_000 }, () => {
  it('partitions by a stable hash of the key', () => {
    // pinned: changing the hash would reorder aggregates across partitions of existing logs
    expect(partitionOf('org_01HZX', 8)).toBe(partitionOf('org_01HZX', 8));
    expect([partitionOf('a', 8), partitionOf('order-1', 8), partitionOf('ünïcode', 16)]).toEqual([4, 5, 11]);
  });

  it('members of one group split the partitions, and the survivor takes over all of them', async () => {
    const other = await openBus(prefix, { EVENTS_PARTITIONS: '6' });
    try {
      const handlers = { 'platform.probe.emitted': recordEffect('split') };
      const m1 = await bus.subscribe({ group: 'split', orm, handlers });
      const m2 = await other.subscribe({ group: 'split', orm, handlers });
      // balanced: 3 + 3 of 6 partitions, each held by one member
      const owners = await waitFor(
        'a balanced group',
        async () => (await bus.lag(['split'])).map((r) => r.owner),
        (o) =>
          o.length === 6 &&
          o.every(Boolean) &&
          new Set(o).size === 2 &&
          o.filter((x) => x === o[0]).length === 3,
        10_000,
        50,
      );
      expect(owners).toHaveLength(6);
      const keys = Array.from({ length: 12 }, (_, i) => `split-${i}`);
      for (let round = 0; round < 10; round++)
        await bus.producer.send(keys.flatMap((k) => probes(k, round * 5, 5)));
      await waitFor(
        '600 effects',
        () => effects(orm, 'split'),
        (r) => r.length >= 600,
      );
      expect(m1.stats().handled).toBeGreaterThan(0);
      expect(m2.stats().handled).toBeGreaterThan(0);
      expect(m1.stats().handled + m2.stats().handled).toBe(600);

      // one member leaves gracefully: the other takes everything over and continues in order
      await m2.close();
      await waitFor(
        'one owner for all partitions',
        async () => new Set((await bus.lag(['split'])).map((r) => r.owner)),
        (s) => s.size === 1 && !s.has(null),
        10_000,
        50,
      );
      await bus.producer.send(keys.flatMap((k) => probes(k, 50, 5)));
      const rows = await waitFor(
        '660 effects',
        () => effects(orm, 'split'),
        (r) => r.length >= 660,
      );
      expect(rows).toHaveLength(660);
      assertPerKeyOrder(rows, new Map(keys.map((k) => [k, 55])));
      expect(m1.stats().duplicates + m2.stats().duplicates).toBe(0);
      await m1.close();
    } finally {
      await other.close();
    }
  });

  it('idle consumers poll the partition heads with backoff, not in a tight loop', async () => {
    const sub = await bus.subscribe({
      group: 'idle',
      orm,
      fromBeginning: false,
      handlers: { 'platform.probe.emitted': async () => {} },
    });
    await new Promise((r) => setTimeout(r, 500)); // settle to the maximum interval
    const watcher = mysql().getWatcher();
    const before = watcher.polls;
    await new Promise((r) => setTimeout(r, 2000));
    const polls = watcher.polls - before;
    // EVENTS_POLL_MAX_MS=250 → about 8 cheap queries in 2 s for the whole process, however many partitions
    expect(polls).toBeGreaterThan(5);
    expect(polls).toBeLessThanOrEqual(25);
    await sub.close();
  });

  it('a producer in the same process wakes consumers at once', async () => {
    const seen = new Map<string, number>();
    const sub = await bus.subscribe({
      group: 'wake',
      orm,
      fromBeginning: false,
      handlers: {
        'platform.probe.emitted': async (_em, e) => {
          seen.set(e.id, performance.now());
        },
      },
    });
    await new Promise((r) => setTimeout(r, 800)); // consumer idle, poll interval at its maximum
    const lat: number[] = [];
    for (const e of probes('wake-1', 0, 15)) {
      const t = performance.now();
      await bus.producer.send([e]);
      await waitFor(
        'delivery',
        () => seen.get(e.id),
        (v) => v !== undefined,
        5000,
        1,
      );
      lat.push(seen.get(e.id)! - t);
      await new Promise((r) => setTimeout(r, 150)); // let the poll back off again
    }
    lat.sort((a, b) => a - b);
    // the poll interval is 100 ms by now; the median delivery is well under it
    expect(lat[7]).toBeLessThan(60);
    await sub.close();
  });

  it('retention deletes old messages; a consumer behind them skips to the oldest retained', async () => {
    await bus.producer.send(probes('old-1', 0, 10));
    const p = partitionOf('old-1', 6);
    const sql = mysql().sql;
    await sql.run(
      "update messages set created_at = utc_timestamp(3) - interval 200 hour where topic = 'platform.probe' and msg_key = 'old-1' and json_value(value, '$.payload.seq') < 6",
    );
    const deleted = await mysql().enforceRetention();
    expect(deleted).toBe(6);
    const sub = await bus.subscribe({
      group: 'late-reader',
      orm,
      handlers: { 'platform.probe.emitted': recordEffect('late-reader') },
    });
    const rows = await waitFor(
      'the retained old-1 events',
      async () => (await effects(orm, 'late-reader')).filter((r) => r.aggregate_id === 'old-1'),
      (r) => r.length >= 4,
    );
    expect(rows.map((r) => r.seq)).toEqual([6, 7, 8, 9]);
    // The group also consumes the partition's other messages and commits on an
    // interval: it must catch up to the head, not be there at this instant.
    const lag = await waitFor(
      'the late reader to catch up',
      async () => (await bus.lag(['late-reader'])).find((r) => r.partition === p)!,
      (r) => r.lag === 0,
    );
    expect(lag.lag).toBe(0);
    await sub.close();
  });

  it('a topic keeps the partition count it was created with', async () => {
    const wider = await openBus(prefix, { EVENTS_PARTITIONS: '12' });
    try {
      const topics = await wider.topics();
      expect(topics.find((t) => t.topic === 'platform.probe')).toMatchObject({
        partitions: 6,
        retentionHours: 168,
      });
      await wider.producer.send(probes('wide-1', 0, 3));
      const heads = await mysql().sql.all<{ n: number }>(
        "select count(*) as n from partition_heads where topic = 'platform.probe'",
      );
      expect(Number(heads[0]!.n)).toBe(6);
    } finally {
      await wider.close();
    }
  });

  it('exports consumer lag and dead-letter gauges on /metrics', async () => {
    const sub = await bus.subscribe({
      group: 'metrics-probe',
      orm,
      fromBeginning: false,
      maxAttempts: 1,
      handlers: {
        'platform.probe.emitted': async (_em, e) => {
          if (e.aggregateId === 'metrics-bad') throw new Error('bad');
        },
      },
    });
    await bus.producer.send([...probes('metrics-bad', 0, 2), ...probes('metrics-ok', 0, 1)]);
    await waitFor(
      'dead letters',
      () => sub.stats().deadLettered,
      (n) => n >= 2,
    );
    await new Promise((r) => setTimeout(r, 2100)); // gauge cache
    const text = await metricsRegistry.metrics();
    expect(text).toMatch(/tradegraph_events_dead_letters\{group="metrics-probe"\} 2/);
    expect(text).toMatch(
      /tradegraph_events_consumer_lag\{group="metrics-probe",topic="platform.probe",partition="\d"\} 0/,
    );
    expect(text).toMatch(
      /tradegraph_events_consumed_total\{group="metrics-probe",topic="platform.probe",outcome="dead_lettered"\} 2/,
    );
    expect(text).toMatch(/tradegraph_events_handle_latency_seconds_count\{group="metrics-probe"\} 1/);
    await sub.close();
  });

  it('fails with a readable error when the database is unreachable', async () => {
    await expect(
      createEventBus({
        db: { ...dbConfig(prefix), DB_PORT: 1 },
        logger: quietLogger,
        serviceName: 't',
        env: {},
      }),
    ).rejects.toThrow(/event log database tg_t[0-9a-f]+_events at 127\.0\.0\.1:1 is unreachable/);
    const bare = await openDatabase({
      db: dbConfig(prefix),
      name: 'bare',
      entities: [OutboxMessage],
      migrations: [],
      logger: quietLogger,
    });
    try {
      await expect(
        bus.subscribe({ group: 'bare', orm: bare, handlers: { 'platform.probe.emitted': async () => {} } }),
      ).rejects.toThrow(/has no processed_events table: add PROCESSED_EVENTS_TABLE_SQL to its migrations/);
    } finally {
      await bare.close();
    }
    await expect(
      bus.subscribe({ group: 'bad group!', orm, handler: async () => {}, topics: ['platform.probe'] }),
    ).rejects.toThrow(/invalid group name/);
    await expect(
      bus.subscribe({ group: 'g', orm, handlers: { 'nope.nope.nope': async () => {} } as never }),
    ).rejects.toThrow(/unknown event types nope.nope.nope/);
  });
});
