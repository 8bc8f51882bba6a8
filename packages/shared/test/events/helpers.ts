import { randomBytes } from 'node:crypto';
import { Migration } from '@mikro-orm/migrations';
import { pino } from 'pino';
import type { DatabaseConfig, EntityManager, Orm } from '../../src/db/orm.ts';
import { openDatabase } from '../../src/db/orm.ts';
import {
  createEventBus,
  type EventBus,
  type EventEnvelope,
  OUTBOX_TABLE_SQL,
  OutboxMessage,
  PROCESSED_EVENTS_TABLE_SQL,
  publish,
} from '../../src/events/index.ts';
import type { Logger } from '../../src/logger.ts';
import './probe.ts';

/** A unique database prefix per test file: `tg_t<hex>_`. */
export function testPrefix(): string {
  return `tg_t${randomBytes(4).toString('hex')}_`;
}

export function dbConfig(prefix: string, poolMax = 10): DatabaseConfig {
  return {
    DB_HOST: process.env.DB_HOST ?? '127.0.0.1',
    DB_PORT: Number(process.env.DB_PORT ?? 3306),
    DB_USER: process.env.DB_USER ?? 'root',
    DB_PASSWORD: process.env.DB_PASSWORD ?? '',
    DB_PREFIX: prefix,
    DB_POOL_MAX: poolMax,
  };
}

export const quietLogger: Logger = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });

/** A service database for tests: outbox, processed_events and an `effects` log without unique keys (double effects show). */
export class TestServiceSchema extends Migration {
  override name = '0001_test_service';
  override async up(): Promise<void> {
    this.addSql(OUTBOX_TABLE_SQL);
    this.addSql(PROCESSED_EVENTS_TABLE_SQL);
    this.addSql(`create table if not exists effects (
  id bigint unsigned not null auto_increment primary key,
  consumer_group varchar(190) not null,
  event_id char(26) not null,
  aggregate_id varchar(120) not null,
  seq int not null,
  key effects_group_idx (consumer_group, id)
)`);
  }
}

export function openServiceDb(prefix: string, name = 'svc', poolMax = 10): Promise<Orm> {
  return openDatabase({
    db: dbConfig(prefix, poolMax),
    name,
    entities: [OutboxMessage],
    migrations: [TestServiceSchema],
    logger: quietLogger,
  });
}

/** Test defaults: short leases and retries so the suite stays quick. */
export const testEnv: Record<string, string> = {
  EVENTS_LEASE_MS: '2000',
  EVENTS_RETRY_BASE_MS: '20',
  EVENTS_RETRY_MAX_MS: '200',
  EVENTS_RELAY_POLL_MS: '200',
  EVENTS_PARTITIONS: '4',
};

export function openBus(
  prefix: string,
  env: Record<string, string | undefined> = {},
  serviceName = 'test',
): Promise<EventBus> {
  return createEventBus({
    db: dbConfig(prefix),
    logger: quietLogger,
    serviceName,
    env: { ...testEnv, ...env },
  });
}

/** Publishes probes through the outbox, `perTx` events per transaction. Returns the envelopes in commit order. */
export async function publishProbes(
  orm: Orm,
  items: { aggregateId: string; seq: number; note?: string }[],
  perTx = 1,
): Promise<EventEnvelope[]> {
  const out: EventEnvelope[] = [];
  for (let i = 0; i < items.length; i += perTx) {
    const chunk = items.slice(i, i + perTx);
    await orm.em.fork().transactional(async (em) => {
      for (const it of chunk) {
        out.push(
          publish(em as EntityManager, { source: 'test' }, 'platform.probe.emitted', {
            aggregateId: it.aggregateId,
            orgId: null,
            payload: { probeId: it.aggregateId, seq: it.seq, ...(it.note ? { note: it.note } : {}) },
          }),
        );
      }
    });
  }
  return out;
}

/** The handler tests use: one effects row per applied event. */
export function recordEffect(group: string) {
  return async (em: EntityManager, e: EventEnvelope) => {
    const p = e.payload as { seq: number };
    await em.execute(
      'insert into effects (consumer_group, event_id, aggregate_id, seq) values (?, ?, ?, ?)',
      [group, e.id, e.aggregateId, p.seq],
    );
  };
}

export interface EffectRow {
  event_id: string;
  aggregate_id: string;
  seq: number;
}
export async function effects(orm: Orm, group: string): Promise<EffectRow[]> {
  return orm.em
    .fork()
    .execute<EffectRow[]>(
      'select event_id, aggregate_id, seq from effects where consumer_group = ? order by id',
      [group],
    );
}

export async function waitFor<T>(
  what: string,
  fn: () => Promise<T> | T,
  ok: (v: T) => boolean,
  timeoutMs = 20_000,
  everyMs = 25,
): Promise<T> {
  const until = Date.now() + timeoutMs;
  let last: T;
  for (;;) {
    last = await fn();
    if (ok(last)) return last;
    if (Date.now() > until) {
      throw new Error(
        `timed out after ${timeoutMs} ms waiting for ${what}; last value: ${JSON.stringify(last)?.slice(0, 500)}`,
      );
    }
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** Drops every database whose name starts with `prefix`. */
export async function dropDatabases(prefix: string): Promise<void> {
  const orm = await openDatabase({
    db: dbConfig(prefix, 2),
    name: 'dropper',
    entities: [OutboxMessage],
    migrations: [],
    logger: quietLogger,
  });
  try {
    const em = orm.em.fork();
    const rows = await em.execute<{ name: string }[]>(
      'select schema_name as name from information_schema.schemata where schema_name like ?',
      [`${prefix.replace(/_/g, '\\_')}%`],
    );
    for (const r of rows) {
      if (!r.name.startsWith(prefix) || !/^tg_t[0-9a-f]+_/.test(r.name)) continue;
      await em.execute(`drop database if exists \`${r.name}\``);
    }
  } finally {
    await orm.close();
  }
}

/** Checks per-aggregate order: for every aggregate the seqs appear ascending without gaps or repeats, starting at 0. */
export function assertPerKeyOrder(
  rows: { aggregate_id: string; seq: number }[],
  expectedPerKey: Map<string, number>,
): void {
  const next = new Map<string, number>();
  for (const r of rows) {
    const want = next.get(r.aggregate_id) ?? 0;
    if (r.seq !== want) {
      throw new Error(`aggregate ${r.aggregate_id}: expected seq ${want}, got ${r.seq}`);
    }
    next.set(r.aggregate_id, want + 1);
  }
  for (const [agg, n] of expectedPerKey) {
    if ((next.get(agg) ?? 0) !== n)
      throw new Error(`aggregate ${agg}: ${next.get(agg) ?? 0} of ${n} events applied`);
  }
}
