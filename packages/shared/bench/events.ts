/**
 * Event-bus benchmark, mysql transport (`npm run bench:events`).
 *
 * Real path end to end: business transaction writes the outbox → relay →
 * event log (`${prefix}events`) → consumer group → handler transaction with
 * the processed_events dedupe row and an effect row.
 *
 *  1. throughput: 6,000 events (20 per transaction, 4 concurrent writers, 64
 *     aggregates) consumed by one group in the same process; events/s from the
 *     first commit to the last handler commit.
 *  2. latency, same process: 150 events/s for 4 s, one event per transaction.
 *  3. latency, across processes: the same load, consumer in a child process
 *     (it learns about new messages by polling the partition heads).
 *
 * Latency is publish→handle: from `occurredAt` (set by `publish`, just before
 * the business transaction commits) to the handler running in the consumer.
 * Uses fresh databases (`tg_bench<hex>_*`) and drops them; bounded to ~60 s.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { Migration } from '@mikro-orm/migrations';
import { pino } from 'pino';
import { type DatabaseConfig, type EntityManager, type Orm, openDatabase } from '../src/db/orm.ts';
import {
  createEventBus,
  type EventBus,
  type EventEnvelope,
  OUTBOX_TABLE_SQL,
  OutboxMessage,
  PROCESSED_EVENTS_TABLE_SQL,
  publish,
  startOutboxRelay,
} from '../src/events/index.ts';
// the bench sends the kernel's test event (the kernel has no domain events)
import '../test/events/probe.ts';

const logger = pino({ level: process.env.LOG_LEVEL ?? 'warn' }, pino.destination(2));
const DEADLINE = Date.now() + 58_000;

class BenchSchema extends Migration {
  override name = '0001_bench';
  override async up(): Promise<void> {
    this.addSql(OUTBOX_TABLE_SQL);
    this.addSql(PROCESSED_EVENTS_TABLE_SQL);
    this.addSql(`create table if not exists effects (
  id bigint unsigned not null auto_increment primary key,
  event_id char(26) not null,
  note varchar(40) not null,
  latency_us bigint not null
)`);
  }
}

function dbConfig(prefix: string): DatabaseConfig {
  return {
    DB_HOST: process.env.DB_HOST ?? '127.0.0.1',
    DB_PORT: Number(process.env.DB_PORT ?? 3306),
    DB_USER: process.env.DB_USER ?? 'root',
    DB_PASSWORD: process.env.DB_PASSWORD ?? '',
    DB_PREFIX: prefix,
    DB_POOL_MAX: 16,
  };
}

const openSvc = (prefix: string, name: string) =>
  openDatabase({ db: dbConfig(prefix), name, entities: [OutboxMessage], migrations: [BenchSchema], logger });

/** Handler: records the effect with its publish→handle latency (µs). */
async function onProbe(em: EntityManager, e: EventEnvelope): Promise<void> {
  const latencyUs = Math.round(
    (performance.timeOrigin + performance.now() - Date.parse(e.occurredAt)) * 1000,
  );
  const note = (e.payload as { note?: string }).note ?? '';
  await em.execute('insert into effects (event_id, note, latency_us) values (?, ?, ?)', [
    e.id,
    note,
    latencyUs,
  ]);
}

async function publishOne(orm: Orm, aggregateId: string, seq: number, note: string): Promise<void> {
  await orm.em.fork().transactional(async (em) => {
    publish(em as EntityManager, { source: 'bench' }, 'platform.probe.emitted', {
      aggregateId,
      orgId: null,
      payload: { probeId: aggregateId, seq, note },
    });
  });
}

async function count(orm: Orm, note: string): Promise<number> {
  const [row] = await orm.em
    .fork()
    .execute<{ n: number }[]>('select count(*) as n from effects where note = ?', [note]);
  return Number(row?.n ?? 0);
}

async function waitCount(orm: Orm, note: string, n: number, what: string): Promise<void> {
  while ((await count(orm, note)) < n) {
    if (Date.now() > DEADLINE) throw new Error(`benchmark deadline reached while waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function latencies(orm: Orm, note: string): Promise<number[]> {
  const rows = await orm.em
    .fork()
    .execute<{ latency_us: number }[]>('select latency_us from effects where note = ? order by latency_us', [
      note,
    ]);
  return rows.map((r) => Number(r.latency_us) / 1000);
}

function pct(sorted: number[], p: number): number {
  if (!sorted.length) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}
const ms = (v: number) => `${v.toFixed(1)} ms`;

/** Steady load: `rate` events/s for `seconds`, one per transaction. */
async function steady(orm: Orm, note: string, rate: number, seconds: number): Promise<number> {
  const total = rate * seconds;
  const start = performance.now();
  for (let i = 0; i < total; i++) {
    const due = start + (i * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    await publishOne(orm, `lat-${i % 16}`, Math.floor(i / 16), note);
  }
  return total;
}

async function child(prefix: string): Promise<void> {
  // consumer process for phase 3
  const orm = await openSvc(prefix, 'consumer');
  const bus = await createEventBus({ db: dbConfig(prefix), logger, serviceName: 'bench-consumer' });
  const sub = await bus.subscribe({
    group: 'bench-remote',
    orm,
    fromBeginning: false,
    handlers: { 'platform.probe.emitted': onProbe },
  });
  process.stdout.write('ready\n');
  await new Promise<void>((resolve) => process.once('SIGTERM', () => resolve()));
  await sub.close();
  await bus.close();
  await orm.close();
}

async function main(): Promise<void> {
  const prefix = `tg_bench${randomBytes(4).toString('hex')}_`;
  let bus: EventBus | undefined;
  const orms: Orm[] = [];
  let remote: ReturnType<typeof spawn> | undefined;
  try {
    const producer = await openSvc(prefix, 'producer');
    const consumer = await openSvc(prefix, 'consumer');
    orms.push(producer, consumer);
    bus = await createEventBus({ db: dbConfig(prefix), logger, serviceName: 'bench' });
    const relay = startOutboxRelay({ orm: producer, bus, logger, serviceName: 'bench' });
    const sub = await bus.subscribe({
      group: 'bench-local',
      orm: consumer,
      handlers: { 'platform.probe.emitted': onProbe },
    });

    // 1. throughput
    const N = 6000;
    const writers = 4;
    const perTx = 20;
    const t0 = performance.now();
    await Promise.all(
      Array.from({ length: writers }, async (_, w) => {
        for (let i = w * perTx; i < N; i += writers * perTx) {
          await producer.em.fork().transactional(async (em) => {
            for (let j = i; j < Math.min(N, i + perTx); j++) {
              publish(em as EntityManager, { source: 'bench' }, 'platform.probe.emitted', {
                aggregateId: `agg-${j % 64}`,
                orgId: null,
                payload: { probeId: `agg-${j % 64}`, seq: Math.floor(j / 64), note: 'throughput' },
              });
            }
          });
        }
      }),
    );
    const committed = performance.now();
    await waitCount(consumer, 'throughput', N, 'the throughput run');
    const elapsed = (performance.now() - t0) / 1000;
    const eps = N / elapsed;
    const tput = await latencies(consumer, 'throughput');
    console.log(
      `throughput: ${N} events in ${elapsed.toFixed(2)} s (writers done after ${((committed - t0) / 1000).toFixed(2)} s) = ${Math.round(eps)} events/s; latency under this burst p50 ${ms(pct(tput, 50))}, p99 ${ms(pct(tput, 99))}`,
    );

    // 2. latency, same process
    const rate = 150;
    const secs = 4;
    const n2 = await steady(producer, 'local', rate, secs);
    await waitCount(consumer, 'local', n2, 'the same-process latency run');
    const local = await latencies(consumer, 'local');
    console.log(
      `latency, same process (${rate}/s for ${secs} s): p50 ${ms(pct(local, 50))}, p95 ${ms(pct(local, 95))}, p99 ${ms(pct(local, 99))}, max ${ms(local[local.length - 1]!)}`,
    );
    await sub.close();

    // 3. latency, consumer in another process
    remote = spawn(process.execPath, [fileURLToPath(import.meta.url), '--child', prefix], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    await new Promise<void>((resolve, reject) => {
      remote!.once('exit', (code) => reject(new Error(`consumer process exited early (${code})`)));
      remote!.stdout!.on('data', (d: Buffer) => {
        if (d.toString().includes('ready')) resolve();
      });
    });
    const n3 = await steady(producer, 'remote', rate, secs);
    await waitCount(consumer, 'remote', n3, 'the cross-process latency run');
    const rem = await latencies(consumer, 'remote');
    console.log(
      `latency, consumer in another process (${rate}/s for ${secs} s): p50 ${ms(pct(rem, 50))}, p95 ${ms(pct(rem, 95))}, p99 ${ms(pct(rem, 99))}, max ${ms(rem[rem.length - 1]!)}`,
    );
    remote.removeAllListeners('exit');
    const exited = new Promise((r) => remote!.once('exit', r));
    remote.kill('SIGTERM');
    await exited;
    remote = undefined;

    await relay.stop();
    console.log(
      `bench:events mysql: ${Math.round(eps)} events/s; publish→handle p50 ${ms(pct(local, 50))} p95 ${ms(pct(local, 95))} p99 ${ms(pct(local, 99))} (same process), p50 ${ms(pct(rem, 50))} p95 ${ms(pct(rem, 95))} p99 ${ms(pct(rem, 99))} (cross-process)`,
    );
  } finally {
    remote?.kill('SIGKILL');
    await bus?.close().catch(() => {});
    const admin = orms[0];
    if (admin) {
      const rows = await admin.em
        .fork()
        .execute<{ name: string }[]>(
          'select schema_name as name from information_schema.schemata where schema_name like ?',
          [`${prefix.replace(/_/g, '\\_')}%`],
        );
      for (const r of rows) await admin.em.fork().execute(`drop database if exists \`${r.name}\``);
    }
    for (const o of orms) await o.close().catch(() => {});
  }
}

if (process.argv[2] === '--child') await child(process.argv[3]!);
else await main();
