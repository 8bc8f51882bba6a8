import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EntityManager, Orm } from '../../src/db/orm.ts';
import { type EventBus, type EventEnvelope, publish, startOutboxRelay } from '../../src/events/index.ts';
import { metricsRegistry } from '../../src/metrics.ts';
import {
  assertPerKeyOrder,
  dropDatabases,
  effects,
  openBus,
  openServiceDb,
  publishProbes,
  quietLogger,
  recordEffect,
  testPrefix,
  waitFor,
} from './helpers.ts';

const prefix = testPrefix();
let bus: EventBus;
const orms: Orm[] = [];
async function svc(name: string): Promise<Orm> {
  const orm = await openServiceDb(prefix, name);
  orms.push(orm);
  return orm;
}

async function metric(name: string, labels: string): Promise<number | undefined> {
  const text = await metricsRegistry.getSingleMetricAsString(name);
  const line = text.split('\n').find((l) => l.startsWith(`${name}{${labels}}`));
  return line ? Number(line.split(' ').pop()) : undefined;
}

const outboxRows = (orm: Orm) =>
  orm.em
    .fork()
    .execute<{ seq: number; event_id: string; published_at: string | null }[]>(
      'select seq, event_id, published_at from outbox order by seq',
    );

beforeAll(async () => {
  bus = await openBus(prefix);
}, 30_000);

afterAll(async () => {
  await bus?.close();
  for (const o of orms) await o.close();
  await dropDatabases(prefix);
}, 30_000);

describe('outbox relay', { timeout: 30_000 }, () => {
  it('publishes committed rows in outbox order, marks them sent and reports the backlog', async () => {
    const orm = await svc('r1');
    // a long poll and no auto-notify: nothing moves until we say so
    const relay = startOutboxRelay({
      orm,
      bus,
      logger: quietLogger,
      serviceName: 'r1',
      pollIntervalMs: 60_000,
      autoNotify: false,
    });
    await new Promise((r) => setTimeout(r, 100)); // initial pass over the empty outbox
    const sent = await publishProbes(
      orm,
      Array.from({ length: 30 }, (_, i) => ({ aggregateId: 'r1-agg', seq: i })),
      7,
    );
    // a rolled-back transaction leaves nothing in the outbox
    await expect(
      orm.em.fork().transactional(async (em) => {
        publish(em as EntityManager, { source: 't' }, 'platform.probe.emitted', {
          aggregateId: 'r1-agg',
          orgId: null,
          payload: { probeId: 'x', seq: 999 },
        });
        await em.flush();
        throw new Error('business rule failed');
      }),
    ).rejects.toThrow('business rule failed');
    expect((await outboxRows(orm)).filter((r) => r.published_at === null)).toHaveLength(30);
    expect(await metric('tradegraph_outbox_backlog', 'service="r1"')).toBe(30);
    expect(await metric('tradegraph_outbox_publish_lag_seconds', 'service="r1"')).toBeGreaterThan(0);

    relay.notify();
    await waitFor(
      'outbox drained',
      () => outboxRows(orm),
      (rows) => rows.every((r) => r.published_at !== null),
    );
    // the log holds them in the same order (one aggregate = one partition)
    const log = await (
      bus.transport as unknown as { sql: { all<T>(s: string, p: unknown[]): Promise<T[]> } }
    ).sql.all<{
      event_id: string;
      msg_offset: number;
    }>(
      "select event_id, msg_offset from messages where topic = 'platform.probe' and msg_key = ? order by msg_offset",
      ['r1-agg'],
    );
    expect(log.map((r) => r.event_id)).toEqual(sent.map((e) => e.id));
    await new Promise((r) => setTimeout(r, 2100)); // metric cache
    expect(await metric('tradegraph_outbox_backlog', 'service="r1"')).toBe(0);
    expect(await metric('tradegraph_outbox_published_total', 'service="r1"')).toBe(30);
    await relay.stop();
  });

  it('wakes on commit in the same process (no poll needed) and falls back to polling otherwise', async () => {
    const orm = await svc('r2');
    const got = new Map<string, number>();
    const sub = await bus.subscribe({
      group: 'r2-consumer',
      orm,
      fromBeginning: false,
      handlers: {
        'platform.probe.emitted': async (_em, e) => {
          got.set(e.id, Date.now());
        },
      },
    });
    const relay = startOutboxRelay({
      orm,
      bus,
      logger: quietLogger,
      serviceName: 'r2',
      pollIntervalMs: 60_000,
    });
    await new Promise((r) => setTimeout(r, 100));
    const latencies: number[] = [];
    for (let i = 0; i < 10; i++) {
      const [e] = await publishProbes(orm, [{ aggregateId: 'r2-agg', seq: i }]);
      const committed = Date.now();
      await waitFor(
        'delivery',
        () => got.get(e!.id),
        (v) => v !== undefined,
        5000,
        2,
      );
      latencies.push(got.get(e!.id)! - committed);
    }
    latencies.sort((a, b) => a - b);
    // a 60 s poll could not deliver these: the commit hook woke the relay
    expect(latencies[latencies.length - 1]).toBeLessThan(1000);
    expect(latencies[5]).toBeLessThan(150);
    await relay.stop();

    // without the hook, a commit waits for the poll
    const polling = startOutboxRelay({
      orm,
      bus,
      logger: quietLogger,
      serviceName: 'r2',
      pollIntervalMs: 400,
      autoNotify: false,
    });
    await new Promise((r) => setTimeout(r, 100));
    const [e] = await publishProbes(orm, [{ aggregateId: 'r2-agg', seq: 10 }]);
    const t0 = Date.now();
    await waitFor(
      'polled delivery',
      () => got.get(e!.id),
      (v) => v !== undefined,
      5000,
      5,
    );
    expect(got.get(e!.id)! - t0).toBeGreaterThanOrEqual(150);
    // explicit notify() is immediate
    const [e2] = await publishProbes(orm, [{ aggregateId: 'r2-agg', seq: 11 }]);
    const t1 = Date.now();
    polling.notify();
    await waitFor(
      'notified delivery',
      () => got.get(e2!.id),
      (v) => v !== undefined,
      5000,
      2,
    );
    expect(got.get(e2!.id)! - t1).toBeLessThan(300);
    await polling.stop();
    await sub.close();
  });

  it('two relays on one outbox publish every row exactly once, keeping per-aggregate order', async () => {
    const a = await svc('r3');
    const b = await openServiceDb(prefix, 'r3'); // a second "process" on the same service database
    orms.push(b);
    const small = { batchSize: 5, pollIntervalMs: 20 };
    const relayA = startOutboxRelay({ orm: a, bus, logger: quietLogger, serviceName: 'r3-a', ...small });
    const relayB = startOutboxRelay({ orm: b, bus, logger: quietLogger, serviceName: 'r3-b', ...small });
    const sub = await bus.subscribe({
      group: 'r3-consumer',
      orm: a,
      fromBeginning: false,
      handlers: { 'platform.probe.emitted': recordEffect('r3-consumer') },
    });
    const AGGS = 12;
    const PER = 60;
    // 4 writers, alternating between the two ORMs; each aggregate is written by one writer, in seq order
    await Promise.all(
      [0, 1, 2, 3].map(async (w) => {
        const orm = w % 2 ? b : a;
        const mine = Array.from({ length: AGGS }, (_, i) => i).filter((i) => i % 4 === w);
        for (let seq = 0; seq < PER; seq += 3) {
          await publishProbes(
            orm,
            mine.flatMap((i) => [0, 1, 2].map((k) => ({ aggregateId: `r3-${i}`, seq: seq + k }))),
            mine.length * 3,
          );
        }
      }),
    );
    const total = AGGS * PER;
    const rows = await waitFor(
      'all effects',
      () => effects(a, 'r3-consumer'),
      (r) => r.length >= total,
      30_000,
    );
    expect(rows).toHaveLength(total);
    assertPerKeyOrder(rows, new Map(Array.from({ length: AGGS }, (_, i) => [`r3-${i}`, PER])));
    expect(sub.stats().duplicates).toBe(0);
    const published =
      ((await metric('tradegraph_outbox_published_total', 'service="r3-a"')) ?? 0) +
      ((await metric('tradegraph_outbox_published_total', 'service="r3-b"')) ?? 0);
    expect(published).toBe(total);
    expect(await metric('tradegraph_outbox_published_total', 'service="r3-a"')).toBeGreaterThan(0);
    expect(await metric('tradegraph_outbox_published_total', 'service="r3-b"')).toBeGreaterThan(0);
    await relayA.stop();
    await relayB.stop();
    await sub.close();
  });

  it('deletes published rows after the retention, never unpublished ones', async () => {
    const orm = await svc('r4');
    const relay = startOutboxRelay({ orm, bus, logger: quietLogger, serviceName: 'r4', pollIntervalMs: 50 });
    await publishProbes(orm, [
      { aggregateId: 'r4', seq: 0 },
      { aggregateId: 'r4', seq: 1 },
    ]);
    await waitFor(
      'published',
      () => outboxRows(orm),
      (r) => r.length === 2 && r.every((x) => x.published_at !== null),
    );
    await relay.stop();
    // age them, add an unpublished one, and run a relay that cleans up at once
    await orm.em.fork().execute('update outbox set published_at = utc_timestamp(3) - interval 3 hour');
    const cleaner = startOutboxRelay({
      orm,
      bus,
      logger: quietLogger,
      serviceName: 'r4',
      pollIntervalMs: 50,
      retentionHours: 2,
      cleanupIntervalMs: 100,
      autoNotify: false,
    });
    await waitFor(
      'cleanup',
      () => outboxRows(orm),
      (r) => r.length === 0,
      5000,
    );
    await cleaner.stop();
    const envs: EventEnvelope[] = await publishProbes(orm, [{ aggregateId: 'r4', seq: 2 }]);
    const left = await outboxRows(orm);
    expect(left.map((r) => r.event_id)).toEqual([envs[0]!.id]);
  });
});
