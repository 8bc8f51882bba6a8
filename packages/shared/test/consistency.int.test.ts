import { Migration } from '@mikro-orm/migrations';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EntityManager, type Orm, openDatabase } from '../src/db/orm.ts';
import {
  createEventBus,
  type EventBus,
  OUTBOX_TABLE_SQL,
  OutboxMessage,
  PROCESSED_EVENTS_TABLE_SQL,
  publish,
  registerEventTypes,
  type Subscription,
} from '../src/events/index.ts';
import type { MysqlTransport } from '../src/events/mysql/transport.ts';
import { type OutboxRelay, startOutboxRelay } from '../src/events/relay.ts';
import { type Consistency, createConsistency } from '../src/kernel/consistency.ts';
import { createLogger } from '../src/logger.ts';
import { dropTestDatabases, testDatabaseConfig } from '../src/testing/index.ts';

/**
 * Read-your-writes (kernel/consistency.ts) against the real MySQL log: a
 * mutation's events are in the log when afterCommit returns, and settle
 * waits until the service's consumer group has applied the log as it was.
 */

declare module '../src/events/catalogue.ts' {
  interface EventCatalogue {
    'platform.consistency.checked': { version: 1; payload: { step: string } };
  }
}
registerEventTypes({ 'platform.consistency.checked': 1 });

const db = testDatabaseConfig();
const logger = createLogger('test', 'silent');
const GROUP = 'svc';

class ServiceInit extends Migration {
  override name = '0001-service';
  up() {
    this.addSql(OUTBOX_TABLE_SQL);
    this.addSql(PROCESSED_EVENTS_TABLE_SQL);
    this.addSql('create table effects (event_id char(26) primary key, step varchar(60) not null)');
  }
}

let orm: Orm;
/** The same database through another ORM: its commits do not wake this process's relay (another process's would not). */
let elsewhere: Orm;
let bus: EventBus;
let relay: OutboxRelay;
let subscription: Subscription;
let consistency: Consistency;
/** What the handler does per step: nothing (apply at once), or wait for a promise. */
const holds = new Map<string, Promise<void>>();

beforeAll(async () => {
  orm = await openDatabase({ db, name: 'svc', entities: [OutboxMessage], migrations: [ServiceInit], logger });
  elsewhere = await openDatabase({ db, name: 'svc', entities: [OutboxMessage], migrations: [], logger });
  bus = await createEventBus({
    db,
    logger,
    serviceName: GROUP,
    // A long commit interval: settle must not rely on committed offsets for what this process applies.
    env: { EVENTS_PARTITIONS: '4', EVENTS_LEASE_MS: '2000', EVENTS_COMMIT_INTERVAL_MS: '60000' },
  });
  // The relay's own poll is slow: only afterCommit's wake-up (or the commit hook) moves events quickly.
  relay = startOutboxRelay({ orm, bus, logger, serviceName: GROUP, pollIntervalMs: 60_000 });
  subscription = await bus.subscribe({
    group: GROUP,
    orm,
    handlers: {
      'platform.consistency.checked': async (em, e) => {
        await holds.get(e.payload.step);
        await em.execute('insert into effects (event_id, step) values (?, ?)', [e.id, e.payload.step]);
      },
    },
  });
  consistency = createConsistency({
    group: GROUP,
    bus,
    relay,
    logger,
    consumes: () => true,
    publishWaitMs: 2000,
    settleTimeoutMs: 5000,
  });
});

afterAll(async () => {
  await subscription?.close();
  await relay?.stop();
  await bus?.close();
  await orm?.close();
  await elsewhere?.close();
  await dropTestDatabases(db);
});

/** A committed unit of work that wrote one event per step (as `write` does); returns the event ids. */
async function commitEvents(steps: string[], on: Orm = orm): Promise<string[]> {
  const ids: string[] = [];
  await on.em.fork().transactional(async (em) => {
    for (const step of steps) {
      const e = publish(em as EntityManager, { source: GROUP }, 'platform.consistency.checked', {
        aggregateId: `agg-${step}`,
        orgId: null,
        payload: { step },
      });
      ids.push(e.id);
    }
  });
  return ids;
}

async function inLog(eventIds: string[]): Promise<string[]> {
  const rows = await (bus.transport as MysqlTransport).sql.all<{ event_id: string }>(
    `select event_id from messages where event_id in (${eventIds.map(() => '?').join(', ')})`,
    eventIds,
  );
  return rows.map((r) => r.event_id).sort();
}

async function applied(step: string): Promise<boolean> {
  const rows = await orm.em.fork().execute('select 1 from effects where step = ?', [step]);
  return rows.length === 1;
}

function gate(): { promise: Promise<void>; open: () => void } {
  let open!: () => void;
  const promise = new Promise<void>((r) => {
    open = r;
  });
  return { promise, open };
}

describe('afterCommit: publish-through', () => {
  it('returns only once the events are in the log', async () => {
    const ids = await commitEvents(['p1', 'p2', 'p3']);
    const started = performance.now();
    await consistency.afterCommit(ids);
    const waited = performance.now() - started;
    expect(await inLog(ids)).toEqual([...ids].sort());
    // the added latency of a mutation: one relay pass on an idle machine
    expect(waited).toBeLessThan(1000);
  });

  it('sees events another relay of the service published (it signals nobody here)', async () => {
    const idle = startOutboxRelay({ orm, bus, logger, serviceName: GROUP, autoNotify: false });
    await idle.stop(); // a stopped relay publishes nothing itself (its final drain is over); only the outbox rows can tell
    const ids = await commitEvents(['other-relay'], elsewhere);
    const waiting = idle.whenPublished(ids, 5000);
    await relay.drain(); // "the other process"

    expect(await waiting).toBe(true);
    expect(await inLog(ids)).toEqual(ids);
  });

  it('gives up after the bound without failing, leaving the events to the relay', async () => {
    // committed where no relay notices, and this relay is stopped: nobody publishes while we wait
    const stopped = startOutboxRelay({ orm, bus, logger, serviceName: GROUP, autoNotify: false });
    await stopped.stop();
    const ids = await commitEvents(['late'], elsewhere);
    const started = performance.now();
    expect(await stopped.whenPublished(ids, 300)).toBe(false);
    expect(performance.now() - started).toBeGreaterThanOrEqual(290);
    const late = createConsistency({
      group: GROUP,
      bus,
      relay: stopped,
      logger,
      consumes: () => true,
      publishWaitMs: 100,
    });
    await expect(late.afterCommit(ids)).resolves.toBeUndefined();
    await relay.drain();
    expect(await inLog(ids)).toEqual(ids);
  });
});

describe('settle: the consumer group catches up with the log', () => {
  it('returns at once when there is nothing to apply', async () => {
    await consistency.settle(); // whatever earlier tests left is applied
    const started = performance.now();
    expect(await consistency.settle(10_000)).toBe(true);
    expect(performance.now() - started).toBeLessThan(500);
  });

  it('waits for a slow handler and returns true once its effect is committed', async () => {
    const slow = gate();
    holds.set('slow', slow.promise);
    const ids = await commitEvents(['slow']);
    await consistency.afterCommit(ids);
    setTimeout(slow.open, 300);
    const started = performance.now();
    expect(await consistency.settle()).toBe(true);
    expect(performance.now() - started).toBeGreaterThanOrEqual(250);
    expect(await applied('slow')).toBe(true);
  });

  it('returns false after its bound when a handler is stuck', async () => {
    const stuck = gate();
    holds.set('stuck', stuck.promise);
    const ids = await commitEvents(['stuck']);
    await consistency.afterCommit(ids);
    const started = performance.now();
    expect(await consistency.settle(300)).toBe(false);
    expect(performance.now() - started).toBeGreaterThanOrEqual(290);
    expect(await applied('stuck')).toBe(false);
    stuck.open();
    expect(await consistency.settle()).toBe(true);
    expect(await applied('stuck')).toBe(true);
  });

  it("counts what this process applied before the group's offset is committed", async () => {
    const second = gate();
    holds.set('second', second.promise);
    // one transaction, one aggregate: one partition, fetched in one batch
    const ids = await orm.em.fork().transactional(async (em) =>
      ['first', 'second'].map(
        (step) =>
          publish(em as EntityManager, { source: GROUP }, 'platform.consistency.checked', {
            aggregateId: 'agg-batch',
            orgId: null,
            payload: { step },
          }).id,
      ),
    );
    await consistency.afterCommit(ids);
    try {
      const [partition] = await (bus.transport as MysqlTransport).sql.all<{
        topic: string;
        partition_no: number;
        msg_offset: number;
      }>('select topic, partition_no, msg_offset from messages where event_id = ?', [ids[0]]);
      const first = partition!;
      const position = async () =>
        (await bus.positions(GROUP)).find(
          (p) => p.topic === first.topic && p.partition === first.partition_no,
        );
      const committed = async () =>
        (await bus.lag([GROUP])).find((r) => r.topic === first.topic && r.partition === first.partition_no)
          ?.committed;
      for (let i = 0; i < 200 && !(await applied('first')); i++) await new Promise((r) => setTimeout(r, 10));
      expect(await applied('first')).toBe(true);
      // applied up to and including `first`, while the committed offset still points at it
      expect((await position())?.applied).toBe(Number(first.msg_offset) + 1);
      expect(await committed()).toBe(Number(first.msg_offset));
    } finally {
      second.open();
    }
    expect(await consistency.settle()).toBe(true);
    expect(await applied('second')).toBe(true);
  });

  it('has nothing to wait for in a service that consumes nothing', async () => {
    const producerOnly = createConsistency({ group: 'nobody', bus, relay, logger, consumes: () => false });
    expect(await producerOnly.settle(50)).toBe(true);
  });
});
