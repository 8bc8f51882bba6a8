/**
 * 10,000 events through outbox → relay → mysql log → 3 consumer groups (each
 * with its own service database): none lost, none applied twice, order per key kept.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Orm } from '../../src/db/orm.ts';
import { type EventBus, type OutboxRelay, startOutboxRelay } from '../../src/events/index.ts';
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
const GROUPS = ['scale-billing', 'scale-search', 'scale-audit'];
const TOTAL = 10_000;
const KEYS = 100;

let bus: EventBus;
let relay: OutboxRelay;
let producer: Orm;
const consumers: Orm[] = [];

beforeAll(async () => {
  producer = await openServiceDb(prefix, 'producer');
  for (const g of GROUPS) consumers.push(await openServiceDb(prefix, g.replace('-', '_'), 6));
  bus = await openBus(prefix, { EVENTS_PARTITIONS: '8' });
  relay = startOutboxRelay({ orm: producer, bus, logger: quietLogger, serviceName: 'scale' });
}, 30_000);

afterAll(async () => {
  await relay?.stop();
  await bus?.close();
  await producer?.close();
  for (const c of consumers) await c.close();
  await dropDatabases(prefix);
}, 30_000);

describe('scale', () => {
  it(`${TOTAL} events to ${GROUPS.length} consumer groups: none lost, none doubled, order per key kept`, async () => {
    const subs = await Promise.all(
      GROUPS.map((group, i) =>
        bus.subscribe({
          group,
          orm: consumers[i]!,
          handlers: { 'platform.probe.emitted': recordEffect(group) },
        }),
      ),
    );
    // 4 writers, each owning a quarter of the keys, 25 events per transaction
    const t0 = Date.now();
    await Promise.all(
      [0, 1, 2, 3].map(async (w) => {
        const items: { aggregateId: string; seq: number }[] = [];
        for (let n = w; n < TOTAL; n += 4) {
          const k = Math.floor(n / 4) % (KEYS / 4);
          items.push({ aggregateId: `key-${w}-${k}`, seq: Math.floor(n / KEYS) });
        }
        await publishProbes(producer, items, 25);
      }),
    );
    const perKey = new Map<string, number>();
    for (let w = 0; w < 4; w++) for (let k = 0; k < KEYS / 4; k++) perKey.set(`key-${w}-${k}`, TOTAL / KEYS);

    for (const [i, group] of GROUPS.entries()) {
      await waitFor(
        `${group} to apply ${TOTAL}`,
        () => subs[i]!.stats().handled,
        (n) => n >= TOTAL,
        120_000,
        100,
      );
      const rows = await effects(consumers[i]!, group);
      expect(rows).toHaveLength(TOTAL);
      expect(new Set(rows.map((r) => r.event_id)).size).toBe(TOTAL);
      assertPerKeyOrder(rows, perKey);
    }
    const seconds = (Date.now() - t0) / 1000;
    console.log(`[scale] ${TOTAL} events × ${GROUPS.length} groups applied in ${seconds.toFixed(1)} s`);
    const lag = await bus.lag(GROUPS);
    expect(lag).toHaveLength(GROUPS.length * 8);
    expect(lag.every((r) => r.lag === 0)).toBe(true);
    for (const s of subs) await s.close();
  }, 150_000);
});
