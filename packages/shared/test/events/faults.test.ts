/**
 * Fault tests on the mysql transport with real processes killed by SIGKILL.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Orm } from '../../src/db/orm.ts';
import { createEnvelope, type EventBus } from '../../src/events/index.ts';
import {
  assertPerKeyOrder,
  dropDatabases,
  effects,
  openBus,
  openServiceDb,
  recordEffect,
  testPrefix,
  waitFor,
} from './helpers.ts';

const prefix = testPrefix();
const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));
const children = new Set<ChildProcess>();

interface Child {
  proc: ChildProcess;
  line(text: string): Promise<void>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stderr(): string;
}

function start(script: string, args: string[], env: Record<string, string> = {}): Child {
  const proc = spawn(process.execPath, [fixture(script), ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, LOG_LEVEL: 'silent', ...env },
  });
  children.add(proc);
  let out = '';
  let err = '';
  proc.stdout!.on('data', (d: Buffer) => {
    out += d.toString();
  });
  proc.stderr!.on('data', (d: Buffer) => {
    err += d.toString();
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    proc.once('exit', (code, signal) => {
      children.delete(proc);
      resolve({ code, signal });
    }),
  );
  return {
    proc,
    exited,
    stderr: () => err,
    line: (text) =>
      waitFor(
        `"${text}" from ${script}`,
        () => {
          if (proc.exitCode !== null) throw new Error(`${script} exited (${proc.exitCode}): ${err}`);
          return out;
        },
        (o) => o.includes(text),
        30_000,
      ).then(() => {}),
  };
}

let bus: EventBus;
let consumerDb: Orm;
let producerDb: Orm;

beforeAll(async () => {
  // create the databases before children race to migrate them
  producerDb = await openServiceDb(prefix, 'producer');
  consumerDb = await openServiceDb(prefix, 'consumer');
  bus = await openBus(prefix);
}, 30_000);

afterAll(async () => {
  for (const c of children) c.kill('SIGKILL');
  await bus?.close();
  await producerDb?.close();
  await consumerDb?.close();
  await dropDatabases(prefix);
}, 30_000);

describe('mysql transport under faults', { timeout: 60_000 }, () => {
  it('kill -9 of a producing process mid-stream: every committed event is delivered after restart, once', async () => {
    const sub = await bus.subscribe({
      group: 'kill-producer',
      orm: consumerDb,
      handlers: { 'platform.probe.emitted': recordEffect('kill-producer') },
    });
    const producer = start('producer.ts', [prefix, 'produce']);
    await producer.line('producing');
    const outbox = () =>
      producerDb.em
        .fork()
        .execute<{ event_id: string; aggregate_id: string; published: number }[]>(
          'select event_id, aggregate_id, published_at is not null as published from outbox order by seq',
        );
    await waitFor('a backlog of committed events', outbox, (rows) => rows.length >= 900, 30_000, 20);
    producer.proc.kill('SIGKILL');
    expect(await producer.exited).toEqual({ code: null, signal: 'SIGKILL' });

    const committed = await outbox();
    const unpublished = committed.filter((r) => !r.published).length;
    // the interesting case happened: events committed but not yet published when the process died
    expect(unpublished).toBeGreaterThan(100);

    const relay = start('producer.ts', [prefix, 'relay']);
    await relay.line('relaying');
    await waitFor('outbox drained', outbox, (rows) => rows.every((r) => r.published), 30_000);
    const rows = await waitFor(
      'every committed event applied',
      () => effects(consumerDb, 'kill-producer'),
      (r) => r.length >= committed.length,
      30_000,
    );
    await new Promise((r) => setTimeout(r, 300));
    const final = await effects(consumerDb, 'kill-producer');
    expect(final).toHaveLength(committed.length);
    expect(new Set(final.map((r) => r.event_id))).toEqual(new Set(committed.map((r) => r.event_id)));
    const perKey = new Map<string, number>();
    for (const c of committed) perKey.set(c.aggregate_id, (perKey.get(c.aggregate_id) ?? 0) + 1);
    assertPerKeyOrder(rows, perKey);

    relay.proc.kill('SIGTERM');
    expect((await relay.exited).code).toBe(0);
    await sub.close();
  });

  it('a consumer killed between its effect and its offset commit applies nothing twice; a rewind neither', async () => {
    // an event log of its own, so offsets are exactly this test's
    const logBus = await openBus(prefix, { EVENTS_DB_NAME: 'events_k' });
    try {
      const group = 'kill-consumer';
      const N = 300;
      await logBus.producer.send(
        Array.from({ length: N }, (_, seq) =>
          createEnvelope({ source: 'faults' }, 'platform.probe.emitted', {
            aggregateId: 'k-1',
            orgId: null,
            payload: { probeId: 'k-1', seq },
          }),
        ),
      );
      const consumer = start('consumer.ts', [prefix, group, '250'], { EVENTS_DB_NAME: 'events_k' });
      expect(await consumer.exited).toEqual({ code: null, signal: 'SIGKILL' });
      const before = await effects(consumerDb, group);
      expect(before.map((r) => r.seq)).toEqual(Array.from({ length: 250 }, (_, i) => i));
      const committed = (await logBus.lag([group])).reduce((n, r) => n + (r.committed ?? 0), 0);
      // the offset was committed after the first fetched batch (200) only: effects 200..249 are past it
      expect(committed).toBe(200);

      // restart (here, in-process): the dead member's lease expires, the partition moves, 200.. is redelivered
      const sub = await logBus.subscribe({
        group,
        orm: consumerDb,
        handlers: { 'platform.probe.emitted': recordEffect(group) },
      });
      await waitFor(
        'all effects',
        () => effects(consumerDb, group),
        (r) => r.length >= N,
        30_000,
      );
      await waitFor(
        'lag 0',
        () => logBus.lag([group]),
        (rows) => rows.every((r) => r.lag === 0),
      );
      const after = await effects(consumerDb, group);
      expect(after.map((r) => r.seq)).toEqual(Array.from({ length: N }, (_, i) => i));
      expect(new Set(after.map((r) => r.event_id)).size).toBe(N);
      expect(sub.stats()).toMatchObject({ duplicates: 50, handled: 50 });
      await sub.close();

      // redelivery of everything (offsets rewound to 0): effects stay exactly once
      await (
        logBus.transport as unknown as { sql: { run(s: string, p: unknown[]): Promise<unknown> } }
      ).sql.run('update consumer_offsets set next_offset = 0 where group_id = ?', [group]);
      const again = await logBus.subscribe({
        group,
        orm: consumerDb,
        handlers: { 'platform.probe.emitted': recordEffect(group) },
      });
      await waitFor(
        'redeliveries',
        () => again.stats(),
        (s) => s.duplicates >= N,
        30_000,
      );
      expect(again.stats()).toMatchObject({ duplicates: N, handled: 0 });
      expect(await effects(consumerDb, group)).toHaveLength(N);
      await again.close();
    } finally {
      await logBus.close();
    }
  });
});
