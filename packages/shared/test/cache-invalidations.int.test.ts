import { Migration } from '@mikro-orm/migrations';
import { createConnection } from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Principal } from '../src/auth/principal.ts';
import { type EntityManager, type MigrationClass, withSqlCounter } from '../src/db/orm.ts';
import {
  createEnvelope,
  handleOnce,
  OUTBOX_TABLE_SQL,
  OutboxMessage,
  PROCESSED_EVENTS_TABLE_SQL,
  publish,
  registerEventTypes,
} from '../src/events/index.ts';
import { startService } from '../src/http/service.ts';
import {
  CACHE_INVALIDATIONS_PATH,
  CACHE_INVALIDATIONS_TABLE_SQL,
  type CacheInvalidationRules,
  cacheInvalidationsMigration,
  type InvalidationFeedPage,
  recordCacheInvalidations,
} from '../src/kernel/cache-invalidations.ts';
import { systemContext } from '../src/kernel/context.ts';
import { write } from '../src/kernel/unit-of-work.ts';
import { createLogger } from '../src/logger.ts';
import { dropTestDatabases, testDatabaseConfig, testInternalKeys } from '../src/testing/index.ts';
import './events/probe.ts';

/**
 * Cache invalidations against real MariaDB: rows written in the transaction of
 * the change (and only then), one statement per transaction, the feed's
 * bootstrap, cursor, reset and long-poll, who may read it, and pruning.
 */

declare module '../src/events/catalogue.ts' {
  interface EventCatalogue {
    'platform.gadget.changed': { version: 1; payload: { gadgetId: string; quiet?: boolean; all?: boolean } };
  }
}
registerEventTypes({ 'platform.gadget.changed': 1 });

const db = testDatabaseConfig();
const logger = createLogger('test', 'silent');
const keys = testInternalKeys();
const ROUTER: Principal = { kind: 'router' };
const USER: Principal = {
  kind: 'user',
  userId: 'usr_1',
  organizationId: 'org_1',
  organizationKind: 'BRAND',
  role: 'OWNER',
  permissions: ['catalog:write'],
};

class Init extends Migration {
  override name = '0001-init';
  up() {
    this.addSql(OUTBOX_TABLE_SQL);
    this.addSql(PROCESSED_EVENTS_TABLE_SQL);
    this.addSql(CACHE_INVALIDATIONS_TABLE_SQL);
    this.addSql('create table gadgets (id varchar(40) primary key)');
  }
}

const rules: CacheInvalidationRules = {
  published: (e) =>
    e.type === 'platform.gadget.changed' && !e.payload.quiet
      ? [e.payload.all ? { type: 'Gadget' } : { type: 'Gadget', ids: [e.payload.gadgetId] }]
      : [],
  consumed: (e) => (e.type === 'platform.probe.emitted' ? [{ type: 'Probe', ids: [e.payload.probeId] }] : []),
};

type Running = Awaited<ReturnType<typeof startSvc>>;
function startSvc(name: string, migrations: MigrationClass[] = [Init]) {
  return startService({
    name,
    config: {
      ...db,
      PORT: 0,
      HOST: '127.0.0.1',
      INTERNAL_TOKEN_PUBLIC_KEY: keys.publicKey,
      NODE_ENV: 'test',
    },
    logger,
    env: { EVENTS_RELAY_POLL_MS: '200' },
    entities: [OutboxMessage],
    migrations,
    sdl: 'type Query { hello: String }',
    resolvers: { Query: { hello: () => 'hi' } },
    services: () => ({}),
    cacheInvalidations: rules,
  });
}

let svc: Running;
let raw: Awaited<ReturnType<typeof createConnection>>;
/** A connection of its own to the service database (another process, as far as the feed knows). */
const connect = () =>
  createConnection({
    host: db.DB_HOST,
    port: db.DB_PORT,
    user: db.DB_USER,
    password: db.DB_PASSWORD,
    database: `${db.DB_PREFIX}inv`,
  });

beforeAll(async () => {
  svc = await startSvc('inv');
  raw = await connect();
});

afterAll(async () => {
  await raw?.end();
  await svc?.stop();
  await dropTestDatabases(db);
});

const feedUrl = (r: Running, query = '') => `${r.url.replace('/graphql', CACHE_INVALIDATIONS_PATH)}${query}`;

async function feed(
  query = '',
  as: Principal | null = ROUTER,
  r: Running = svc,
): Promise<{ status: number; body: unknown; headers: Headers }> {
  const res = await fetch(feedUrl(r, query), {
    headers: as ? { 'x-tradegraph-internal-token': await keys.sign(r.kernel.name, as) } : {},
  });
  return { status: res.status, body: await res.json(), headers: res.headers };
}
const page = async (query = '') => (await feed(query)).body as InvalidationFeedPage;

async function tableRows(where = '1 = 1', params: unknown[] = []) {
  const [rows] = await raw.query(
    `select seq, type, entity_id from cache_invalidations where ${where} order by seq`,
    params,
  );
  return (rows as { seq: number; type: string; entity_id: string | null }[]).map((r) => ({
    seq: Number(r.seq),
    type: r.type,
    id: r.entity_id,
  }));
}
const maxSeq = async () => {
  const [rows] = await raw.query('select coalesce(max(seq), 0) hi from cache_invalidations');
  return Number((rows as { hi: number }[])[0]!.hi);
};

/** A transaction that publishes gadget events through the outbox (the one place every service writes them). */
function publishGadgets(gadgets: { gadgetId: string; quiet?: boolean; all?: boolean }[], fail = false) {
  return svc.orm.em.fork().transactional(async (em: EntityManager) => {
    await em.execute('insert into gadgets (id) values (?)', [`g_${Math.random()}`]);
    for (const g of gadgets) {
      publish(em, { source: 'inv' }, 'platform.gadget.changed', {
        aggregateId: g.gadgetId,
        orgId: null,
        payload: g,
      });
    }
    if (fail) throw new Error('rolled back on purpose');
  });
}

describe('recording', () => {
  it('writes the published rule’s rows in the transaction of the event, deduplicated, and none when it rolls back', async () => {
    const before = await maxSeq();
    await publishGadgets([{ gadgetId: 'g_a' }, { gadgetId: 'g_b' }, { gadgetId: 'g_a' }]);
    expect(await tableRows('seq > ?', [before])).toEqual([
      { seq: expect.any(Number), type: 'Gadget', id: 'g_a' },
      { seq: expect.any(Number), type: 'Gadget', id: 'g_b' },
    ]);
    const after = await maxSeq();
    await expect(publishGadgets([{ gadgetId: 'g_gone' }], true)).rejects.toThrow(/on purpose/);
    expect(await tableRows('seq > ?', [after])).toEqual([]);
    const [outbox] = await raw.query("select count(*) n from outbox where aggregate_id = 'g_gone'");
    expect(Number((outbox as { n: number }[])[0]!.n)).toBe(0);
  });

  it('adds exactly one statement to a transaction, however many events it publishes', async () => {
    const quiet = { count: 0 };
    await withSqlCounter(quiet, () =>
      publishGadgets([
        { gadgetId: 'q1', quiet: true },
        { gadgetId: 'q2', quiet: true },
        { gadgetId: 'q3', quiet: true },
      ]),
    );
    const loud = { count: 0 };
    const before = await maxSeq();
    await withSqlCounter(loud, () =>
      publishGadgets([{ gadgetId: 'l1' }, { gadgetId: 'l2' }, { gadgetId: 'l3' }]),
    );
    expect(loud.count - quiet.count).toBe(1);
    expect((await tableRows('seq > ?', [before])).map((r) => r.id)).toEqual(['l1', 'l2', 'l3']);
  });

  it('a type-wide invalidation covers the ids of its type recorded in the same transaction', async () => {
    const before = await maxSeq();
    await publishGadgets([{ gadgetId: 'w1' }, { gadgetId: 'w2', all: true }, { gadgetId: 'w3' }]);
    expect(await tableRows('seq > ?', [before])).toEqual([
      { seq: expect.any(Number), type: 'Gadget', id: null },
    ]);
  });

  it('writes the rows of the unit of work’s events, and of domain code (recordCacheInvalidations)', async () => {
    const before = await maxSeq();
    const ctx = systemContext(svc.kernel, {});
    await write(ctx, { permission: 'system', tenant: 'service' }, async (tx) => {
      tx.publish('platform.gadget.changed', { aggregateId: 'u1', payload: { gadgetId: 'u1' } });
      recordCacheInvalidations(tx.em, [{ type: 'Widget', ids: ['wd1', 'wd2'] }, { type: 'Sprocket' }]);
    });
    await expect(
      write(ctx, { permission: 'system', tenant: 'service' }, async (tx) => {
        tx.publish('platform.gadget.changed', { aggregateId: 'u2', payload: { gadgetId: 'u2' } });
        recordCacheInvalidations(tx.em, [{ type: 'Widget', ids: ['wd3'] }]);
        throw new Error('no');
      }),
    ).rejects.toThrow('no');
    expect((await tableRows('seq > ?', [before])).map((r) => `${r.type}:${r.id}`)).toEqual([
      'Gadget:u1',
      'Widget:wd1',
      'Widget:wd2',
      'Sprocket:null',
    ]);
    expect(() => recordCacheInvalidations(ctx.em, [{ type: 'not a type' }])).toThrow(/GraphQL type name/);
  });

  it('writes the consumed rule’s rows with the handler’s effect, not for a duplicate nor a failed handler', async () => {
    const before = await maxSeq();
    const envelope = createEnvelope({ source: 'test' }, 'platform.probe.emitted', {
      aggregateId: 'p1',
      orgId: null,
      payload: { probeId: 'p1', seq: 1 },
    });
    const handler = async (em: EntityManager) => {
      await em.execute('insert into gadgets (id) values (?)', [`p_${Math.random()}`]);
    };
    const em = svc.orm.em as EntityManager;
    expect(await handleOnce(em, 'grp', envelope, handler)).toBe('handled');
    expect(await handleOnce(em, 'grp', envelope, handler)).toBe('duplicate');
    const failing = createEnvelope({ source: 'test' }, 'platform.probe.emitted', {
      aggregateId: 'p2',
      orgId: null,
      payload: { probeId: 'p2', seq: 1 },
    });
    await expect(
      handleOnce(em, 'grp', failing, async () => {
        throw new Error('handler failed');
      }),
    ).rejects.toThrow('handler failed');
    expect(await tableRows('seq > ?', [before])).toEqual([
      { seq: expect.any(Number), type: 'Probe', id: 'p1' },
    ]);
  });
});

describe('the feed', () => {
  it('serves the router only: 401 without a token, 403 for a user, 400 for bad numbers', async () => {
    expect((await feed('', null)).status).toBe(401);
    expect((await feed('', USER)).status).toBe(403);
    for (const q of ['?since=abc', '?since=-2', '?since=1.5', '?wait=soon', '?since=1&wait=1e3']) {
      expect((await feed(q)).status, q).toBe(400);
    }
    const ok = await feed('?since=0&wait=-5');
    expect(ok.status).toBe(200);
    expect(ok.headers.get('cache-control')).toBe('no-store');
  });

  it('bootstraps with the newest row per (type, id) of the window, then pages from a cursor', async () => {
    await publishGadgets([{ gadgetId: 'b1' }]);
    await publishGadgets([{ gadgetId: 'b2' }]);
    await publishGadgets([{ gadgetId: 'b1' }]);
    const hi = await maxSeq();
    for (const boot of [await page(), await page('?since=-1')]) {
      expect(boot.reset).toBe(true);
      expect(boot.cursor).toBe(hi);
      const seqs = boot.items.map((i) => i.seq);
      expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
      const pairs = boot.items.map((i) => `${i.type}:${i.id}`);
      expect(new Set(pairs).size).toBe(pairs.length);
      const b1 = boot.items.find((i) => i.id === 'b1')!;
      expect(b1.seq).toBe(hi); // the newest of its two rows, with its real seq
      expect(Math.abs(b1.at - Date.now())).toBeLessThan(60_000);
    }
    expect(await page(`?since=${hi}`)).toEqual({ cursor: hi, reset: false, items: [] });
    const two = await page(`?since=${hi - 2}`);
    expect(two.reset).toBe(false);
    expect(two.items.map((i) => [i.seq, i.id])).toEqual([
      [hi - 1, 'b2'],
      [hi, 'b1'],
    ]);
    expect(two.cursor).toBe(hi);
  });

  it('pages at most 1000 items', async () => {
    const before = await maxSeq();
    await svc.orm.em.fork().transactional(async (em: EntityManager) => {
      for (const type of ['Alpha', 'Beta', 'Gamma']) {
        recordCacheInvalidations(em, [{ type, ids: Array.from({ length: 400 }, (_, i) => `${type}-${i}`) }]);
      }
    });
    const first = await page(`?since=${before}`);
    expect(first.items).toHaveLength(1000);
    expect(first.cursor).toBe(first.items.at(-1)!.seq);
    const second = await page(`?since=${first.cursor}`);
    expect(second.items).toHaveLength(200);
    expect(second.cursor).toBe(before + 1200);
  });

  it('answers a cursor past the table (another database) with a reset', async () => {
    const hi = await maxSeq();
    const res = await page(`?since=${hi + 1000}`);
    expect(res.reset).toBe(true);
    expect(res.cursor).toBe(hi);
  });

  it('long-polls: a row committed by this process during the wait comes back at once', async () => {
    const hi = await maxSeq();
    const started = Date.now();
    const waiting = page(`?since=${hi}&wait=10000`);
    await new Promise((r) => setTimeout(r, 300));
    await publishGadgets([{ gadgetId: 'lp1' }]);
    const committedAt = Date.now();
    const res = await waiting;
    const latency = Date.now() - committedAt;
    console.info(`long-poll: row committed in this process answered ${latency} ms after the commit`);
    expect(res.items.map((i) => i.id)).toEqual(['lp1']);
    expect(latency).toBeLessThan(300);
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('long-polls: a row of another process is found by polling', async () => {
    const hi = await maxSeq();
    const waiting = page(`?since=${hi}&wait=10000`);
    await new Promise((r) => setTimeout(r, 300));
    await raw.query(
      "insert into cache_invalidations (type, entity_id, created_at) values ('Gadget', 'other', utc_timestamp(3))",
    );
    const committedAt = Date.now();
    const res = await waiting;
    const latency = Date.now() - committedAt;
    console.info(`long-poll: row of another process answered ${latency} ms after its commit`);
    expect(res.items.map((i) => i.id)).toEqual(['other']);
    expect(latency).toBeLessThan(500);
  });

  it('long-polls: answers empty when the wait ends', async () => {
    const hi = await maxSeq();
    const started = Date.now();
    expect(await page(`?since=${hi}&wait=300`)).toEqual({ cursor: hi, reset: false, items: [] });
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
  });

  it('never moves the cursor past a seq whose transaction is still committing', async () => {
    const hi = await maxSeq();
    const slow = await connect();
    try {
      await slow.query('begin');
      await slow.query(
        "insert into cache_invalidations (type, entity_id, created_at) values ('Gadget', 'slow', utc_timestamp(3))",
      );
      await publishGadgets([{ gadgetId: 'fast' }]);
      // hi + 1 is in flight, hi + 2 committed: the page stops before the gap
      expect(await page(`?since=${hi}`)).toEqual({ cursor: hi, reset: false, items: [] });
      const waiting = page(`?since=${hi}&wait=5000`);
      await new Promise((r) => setTimeout(r, 200));
      await slow.query('commit');
      const res = await waiting;
      expect(res.items.map((i) => [i.seq, i.id])).toEqual([
        [hi + 1, 'slow'],
        [hi + 2, 'fast'],
      ]);
    } finally {
      await slow.end();
    }
    // a gap before a row older than the grace was rolled back: passed over
    const top = await maxSeq();
    await raw.query(
      "insert into cache_invalidations (seq, type, entity_id, created_at) values (?, 'Gadget', 'after-gap', utc_timestamp(3) - interval 10 second)",
      [top + 3],
    );
    const res = await page(`?since=${top}`);
    expect(res.items.map((i) => [i.seq, i.id])).toEqual([[top + 3, 'after-gap']]);
  });

  it('prunes rows past the retention, keeps the newest, and resets cursors from before the pruning', async () => {
    const hi = await maxSeq();
    const old = (await tableRows()).length;
    // everything so far becomes two hours old; two fresh rows follow
    await raw.query('update cache_invalidations set created_at = utc_timestamp(3) - interval 2 hour');
    await publishGadgets([{ gadgetId: 'fresh1' }, { gadgetId: 'fresh2' }]);
    expect(await svc.cacheInvalidations!.prune()).toBe(old);
    expect((await tableRows()).map((r) => r.id)).toEqual(['fresh1', 'fresh2']);
    const stale = await page(`?since=${hi - 5}`);
    expect(stale.reset).toBe(true);
    expect(stale.items.map((i) => i.id)).toEqual(['fresh1', 'fresh2']);
    expect(stale.cursor).toBe(hi + 2);
    // the cursor just before the remaining rows is still good
    expect((await page(`?since=${hi}`)).reset).toBe(false);

    // all rows old: the newest stays, so the cursor survives
    await raw.query('update cache_invalidations set created_at = utc_timestamp(3) - interval 2 hour');
    await svc.cacheInvalidations!.prune();
    expect((await tableRows()).map((r) => r.seq)).toEqual([hi + 2]);
    expect(await page(`?since=${hi + 2}`)).toEqual({ cursor: hi + 2, reset: false, items: [] });
    // the bootstrap serves the window only, with the cursor of the table
    expect(await page()).toEqual({ cursor: hi + 2, reset: true, items: [] });
  });

  it('ends waiting long-polls at once when the service stops', async () => {
    const other = await startSvc('inv2');
    const waiting = feed('?since=0&wait=20000', ROUTER, other).then((r) => ({ ...r, at: Date.now() }));
    await new Promise((r) => setTimeout(r, 300));
    const stopping = Date.now();
    await other.stop();
    const stopped = Date.now() - stopping;
    const res = await waiting;
    expect(res.body).toEqual({ cursor: 0, reset: false, items: [] });
    console.info(
      `drain: long-poll answered ${res.at - stopping} ms after stop began; stop took ${stopped} ms`,
    );
    expect(res.at - stopping).toBeLessThan(1_000);
    // its connection closed with the answer, so it did not hold the server's close
    expect(stopped).toBeLessThan(5_000);
  });
});

describe('the table', () => {
  class Before extends Migration {
    override name = '0001-before';
    up() {
      this.addSql(OUTBOX_TABLE_SQL);
      this.addSql(PROCESSED_EVENTS_TABLE_SQL);
    }
  }

  it('is added to an existing database by cacheInvalidationsMigration; without it the service does not start', async () => {
    await expect(startSvc('upgraded', [Before])).rejects.toThrow(
      /no cache_invalidations table: add CACHE_INVALIDATIONS_TABLE_SQL to its migrations/,
    );
    const upgraded = await startSvc('upgraded', [
      Before,
      cacheInvalidationsMigration('0002-cache-invalidations'),
    ]);
    try {
      expect((await feed('', ROUTER, upgraded)).body).toEqual({ cursor: 0, reset: true, items: [] });
      const [applied] = await raw.query(
        `select name from \`${db.DB_PREFIX}upgraded\`.schema_migrations order by id`,
      );
      expect((applied as { name: string }[]).map((m) => m.name)).toEqual([
        '0001-before',
        '0002-cache-invalidations',
      ]);
    } finally {
      await upgraded.stop();
    }
  });
});
