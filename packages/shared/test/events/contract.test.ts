/**
 * The transport contract: the same suite runs against every transport.
 * mysql always; kafka only when KAFKA_BROKERS is set (the run says so when it skips).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EntityManager, Orm } from '../../src/db/orm.ts';
import {
  createEnvelope,
  type EventBus,
  type EventEnvelope,
  type OutboxRelay,
  type Subscription,
  startOutboxRelay,
} from '../../src/events/index.ts';
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

const KAFKA_BROKERS = process.env.KAFKA_BROKERS;
if (!KAFKA_BROKERS) {
  console.warn(
    '[events contract] KAFKA_BROKERS is not set: the kafka transport contract tests are SKIPPED (only mysql runs). ' +
      'Start docker/kafka.compose.yml and set KAFKA_BROKERS=localhost:9092 to run them.',
  );
}

interface TransportCase {
  name: string;
  skip: boolean;
  env: (prefix: string) => Record<string, string>;
  /** Kafka group joins take seconds; mysql is fast. */
  timeoutMs: number;
}

const transports: TransportCase[] = [
  { name: 'mysql', skip: false, env: () => ({ EVENTS_TRANSPORT: 'mysql' }), timeoutMs: 30_000 },
  {
    name: 'kafka',
    skip: !KAFKA_BROKERS,
    env: (prefix) => ({
      EVENTS_TRANSPORT: 'kafka',
      KAFKA_BROKERS: KAFKA_BROKERS ?? '',
      KAFKA_TOPIC_PREFIX: prefix,
      KAFKA_REPLICATION_FACTOR: '1',
      KAFKA_SESSION_TIMEOUT_MS: '10000',
    }),
    timeoutMs: 90_000,
  },
];

/** An envelope as `publish` makes it, for direct producer sends (no outbox). */
function probe(aggregateId: string, seq: number, note?: string): EventEnvelope {
  return createEnvelope({ source: 'contract' }, 'platform.probe.emitted', {
    aggregateId,
    orgId: 'org_1',
    payload: { probeId: aggregateId, seq, ...(note ? { note } : {}) },
  });
}

for (const t of transports) {
  const title = t.skip
    ? `${t.name} transport contract — SKIPPED: set KAFKA_BROKERS to run it`
    : `${t.name} transport contract`;
  describe.skipIf(t.skip)(title, { timeout: t.timeoutMs }, () => {
    const prefix = testPrefix();
    let orm: Orm;
    let bus: EventBus;
    let relay: OutboxRelay;
    const subs: Subscription[] = [];
    const subscribe = async (...args: Parameters<EventBus['subscribe']>) => {
      const s = await bus.subscribe(...args);
      subs.push(s);
      return s;
    };

    beforeAll(async () => {
      orm = await openServiceDb(prefix);
      bus = await openBus(prefix, t.env(prefix));
      relay = startOutboxRelay({ orm, bus, logger: quietLogger, serviceName: 'contract' });
    }, 60_000);

    afterAll(async () => {
      for (const s of subs) await s.close().catch(() => {});
      await relay?.stop();
      await bus?.close();
      await orm?.close();
      await dropDatabases(prefix);
    }, 60_000);

    it('reports ready and the transport it uses', async () => {
      await expect(bus.ready()).resolves.toBeUndefined();
      expect(bus.kind).toBe(t.name);
    });

    it('delivers every event once to every group, in order per aggregate, envelope intact', async () => {
      const items = Array.from({ length: 300 }, (_, i) => ({
        aggregateId: `order-${i % 10}`,
        seq: Math.floor(i / 10),
      }));
      const sent = await publishProbes(orm, items, 15);
      const received = new Map<string, EventEnvelope>();
      await subscribe({
        group: 'c-a',
        orm,
        handlers: {
          'platform.probe.emitted': async (em, e) => {
            received.set(e.id, e);
            await recordEffect('c-a')(em, e);
          },
        },
      });
      await subscribe({ group: 'c-b', orm, handler: recordEffect('c-b'), topics: ['platform.probe'] });
      const perKey = new Map(Array.from({ length: 10 }, (_, i) => [`order-${i}`, 30]));
      for (const g of ['c-a', 'c-b']) {
        const rows = await waitFor(
          `300 effects for ${g}`,
          () => effects(orm, g),
          (r) => r.length >= 300,
        );
        expect(rows).toHaveLength(300);
        expect(new Set(rows.map((r) => r.event_id)).size).toBe(300);
        assertPerKeyOrder(rows, perKey);
      }
      for (const e of sent) expect(received.get(e.id)).toEqual(e);
      // nothing more arrives
      await new Promise((r) => setTimeout(r, 300));
      expect(await effects(orm, 'c-a')).toHaveLength(300);
    });

    it('applies redelivered (duplicate) messages once', async () => {
      const envs = Array.from({ length: 40 }, (_, i) => probe(`dup-${i % 4}`, Math.floor(i / 4)));
      // the same envelopes three times: what a relay crash or a consumer rewind produces
      await bus.producer.send(envs);
      await bus.producer.send(envs);
      await bus.producer.send(envs);
      const sub = await subscribe({
        group: 'c-dup',
        orm,
        handler: recordEffect('c-dup'),
        topics: ['platform.probe'],
      });
      await waitFor(
        'all deliveries',
        () => sub.stats(),
        (s) => s.handled + s.duplicates >= 120 + 300,
      );
      const rows = (await effects(orm, 'c-dup')).filter((r) => r.aggregate_id.startsWith('dup-'));
      expect(rows).toHaveLength(40);
      assertPerKeyOrder(rows, new Map(['dup-0', 'dup-1', 'dup-2', 'dup-3'].map((k) => [k, 10])));
      expect(sub.stats().duplicates).toBe(80);
    });

    it('retries a failing handler with backoff; failed attempts leave no effect', async () => {
      const attempts = new Map<string, number>();
      const target = probe('retry-1', 0);
      const sub = await subscribe({
        group: 'c-retry',
        orm,
        fromBeginning: false,
        maxAttempts: 5,
        retryBaseMs: 30,
        handlers: {
          'platform.probe.emitted': async (em, e) => {
            if (e.aggregateId !== 'retry-1') return;
            const n = (attempts.get(e.id) ?? 0) + 1;
            attempts.set(e.id, n);
            await recordEffect('c-retry')(em, e); // written, then rolled back when we throw
            if (n <= 2) throw new Error(`transient failure ${n}`);
          },
        },
      });
      await new Promise((r) => setTimeout(r, t.name === 'kafka' ? 5000 : 100));
      const t0 = Date.now();
      await bus.producer.send([target]);
      await waitFor(
        'the retried event',
        () => effects(orm, 'c-retry'),
        (r) => r.length >= 1,
      );
      expect(attempts.get(target.id)).toBe(3);
      expect(await effects(orm, 'c-retry')).toHaveLength(1);
      expect(sub.stats().retries).toBe(2);
      // backoff: ~30 ms then ~60 ms (±25% jitter)
      expect(Date.now() - t0).toBeGreaterThanOrEqual(60);
    });

    it('dead-letters a poison message after maxAttempts without blocking its partition, and replays it', async () => {
      let healed = false;
      const seen: number[] = [];
      const sub = await subscribe({
        group: 'c-poison',
        orm,
        fromBeginning: false,
        maxAttempts: 3,
        retryBaseMs: 10,
        handlers: {
          'platform.probe.emitted': async (em, e) => {
            if (e.aggregateId !== 'poison-1') return;
            const p = e.payload;
            if (p.note === 'poison' && !healed) throw new Error('cannot digest this');
            seen.push(p.seq);
            await recordEffect('c-poison')(em, e);
          },
        },
      });
      await new Promise((r) => setTimeout(r, t.name === 'kafka' ? 5000 : 100));
      const envs = [0, 1, 2, 3, 4].map((seq) => probe('poison-1', seq, seq === 2 ? 'poison' : undefined));
      await bus.producer.send(envs);
      await waitFor(
        'the events after the poison one',
        () => effects(orm, 'c-poison'),
        (r) => r.length >= 4,
      );
      expect(seen).toEqual([0, 1, 3, 4]);
      expect(sub.stats().deadLettered).toBe(1);
      const dl = await waitFor(
        'the dead letter',
        () => bus.deadLetters({ group: 'c-poison' }),
        (r) => r.length >= 1,
      );
      expect(dl).toHaveLength(1);
      expect(dl[0]).toMatchObject({
        group: 'c-poison',
        eventId: envs[2]!.id,
        type: 'platform.probe.emitted',
        topic: 'platform.probe',
        attempts: 3,
      });
      expect(dl[0]!.error).toContain('cannot digest this');
      expect(JSON.parse(dl[0]!.value)).toEqual(envs[2]);

      healed = true;
      const res = await bus.replay([envs[2]!.id, '01ARZ3NDEKTSV4RRFFQ69G5FAV']);
      expect(res.map((r) => r.status)).toEqual(['replayed', 'not-found']);
      await waitFor(
        'the replayed event',
        () => effects(orm, 'c-poison'),
        (r) => r.length >= 5,
      );
      expect(seen).toEqual([0, 1, 3, 4, 2]);
      // other groups on the topic already applied the event or skip it: no double effect anywhere
      await new Promise((r) => setTimeout(r, 300));
      expect(await effects(orm, 'c-poison')).toHaveLength(5);
      if (t.name === 'mysql') expect(await bus.deadLetters({ group: 'c-poison' })).toHaveLength(0);
    });

    it('does not spend attempts on an unreachable consumer database (no dead letter during an outage)', async () => {
      let outage = 3;
      const sub = await subscribe({
        group: 'c-outage',
        orm,
        fromBeginning: false,
        maxAttempts: 1,
        handlers: {
          'platform.probe.emitted': async (em, e) => {
            if (e.aggregateId !== 'outage-1') return;
            if (outage-- > 0) throw Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' });
            await recordEffect('c-outage')(em, e);
          },
        },
      });
      await new Promise((r) => setTimeout(r, t.name === 'kafka' ? 5000 : 100));
      await bus.producer.send([probe('outage-1', 0)]);
      await waitFor(
        'the event after the outage',
        () => effects(orm, 'c-outage'),
        (r) => r.length >= 1,
        20_000,
      );
      expect(outage).toBe(-1);
      expect(sub.stats().deadLettered).toBe(0);
      expect(await effects(orm, 'c-outage')).toHaveLength(1);
    });

    it('dead-letters a message that is not a valid envelope at once', async () => {
      const sub = await subscribe({
        group: 'c-garbage',
        orm,
        fromBeginning: false,
        handler: recordEffect('c-garbage'),
        topics: ['platform.probe'],
      });
      await new Promise((r) => setTimeout(r, t.name === 'kafka' ? 5000 : 100));
      await bus.producer.sendRecords([
        { topic: 'platform.probe', key: 'garbage', eventId: '', value: '{"not":"an envelope"' },
      ]);
      const after = probe('garbage', 0);
      await bus.producer.send([after]);
      await waitFor(
        'the event after the garbage',
        () => effects(orm, 'c-garbage'),
        (r) => r.length >= 1,
      );
      expect(sub.stats().deadLettered).toBe(1);
      const dl = await bus.deadLetters({ group: 'c-garbage' });
      expect(dl).toHaveLength(1);
      expect(dl[0]!.error).toMatch(/EnvelopeError: envelope is not JSON/);
      expect(dl[0]!.attempts).toBe(1);
    });

    it('graceful close finishes the in-flight handler and commits its offset', async () => {
      let started = 0;
      let finished = 0;
      const slow = {
        'platform.probe.emitted': async (em: EntityManager, e: EventEnvelope) => {
          if (!e.aggregateId.startsWith('slow-')) return;
          started++;
          await new Promise((r) => setTimeout(r, 250));
          await recordEffect('c-slow')(em, e);
          finished++;
        },
      };
      const first = await subscribe({ group: 'c-slow', orm, fromBeginning: false, handlers: slow });
      await new Promise((r) => setTimeout(r, t.name === 'kafka' ? 5000 : 100));
      await bus.producer.send([
        probe('slow-1', 0),
        probe('slow-1', 1),
        probe('slow-1', 2),
        probe('slow-1', 3),
      ]);
      await waitFor(
        'a handler in flight',
        () => started,
        (n) => n >= 1,
      );
      await first.close();
      // the in-flight handler completed and was not cut off
      expect(finished).toBe(started);
      const done = finished;
      expect((await effects(orm, 'c-slow')).length).toBe(done);
      // a new member continues after the committed offset: nothing is redelivered
      const second = await subscribe({ group: 'c-slow', orm, fromBeginning: false, handlers: slow });
      await waitFor(
        'the rest',
        () => effects(orm, 'c-slow'),
        (r) => r.length >= 4,
      );
      expect(second.stats().duplicates).toBe(0);
      expect(second.stats().handled).toBe(4 - done);
      assertPerKeyOrder(await effects(orm, 'c-slow'), new Map([['slow-1', 4]]));
    });

    it('a group that starts at the end does not see older events; lag drops to zero', async () => {
      await bus.producer.send([probe('late-1', 0)]);
      const sub = await subscribe({
        group: 'c-late',
        orm,
        fromBeginning: false,
        handlers: { 'platform.probe.emitted': recordEffect('c-late') },
      });
      await new Promise((r) => setTimeout(r, t.name === 'kafka' ? 5000 : 200));
      await bus.producer.send([probe('late-1', 1)]);
      const rows = await waitFor(
        'the new event',
        () => effects(orm, 'c-late'),
        (r) => r.length >= 1,
      );
      expect(rows.map((r) => r.seq)).toEqual([1]);
      await waitFor(
        'zero lag',
        async () => (await bus.lag(['c-late'])).reduce((n, r) => n + r.lag, 0),
        (n) => n === 0,
      );
      expect(sub.stats().handled).toBe(1);
    });
  });
}
