import type { IncomingMessage, ServerResponse } from 'node:http';
import type { EventSubscriber, TransactionEventArgs } from '@mikro-orm/core';
import { Migration } from '@mikro-orm/migrations';
import { type EntityManager, forkEm, type MigrationClass, type Orm } from '../db/orm.ts';
import { dbDate, qualified } from '../db/sql.ts';
import type { EventType, PayloadOf } from '../events/catalogue.ts';
import type { EventEnvelope } from '../events/envelope.ts';
import { sendJson } from '../http/body.ts';
import type { Route } from '../http/subgraph-server.ts';
import type { Logger } from '../logger.ts';
import { counter } from '../metrics.ts';
import { type PeriodicTask, startPeriodicTask } from './periodic.ts';

/**
 * Cache invalidations (docs/events.md, "Cache invalidations"): what the
 * router's entity cache must drop when something changes. Every service that
 * passes `cacheInvalidations` to startService records them in its own
 * database — `cache_invalidations`, written in the transaction that makes the
 * change, one multi-row statement per transaction — and serves them to the
 * routers as a long-poll feed (GET CACHE_INVALIDATIONS_PATH), so the router
 * never touches a database.
 *
 * Rows come from the service's rules (an event it publishes, or an event its
 * consumer group handles) and from domain code that knows more than an event
 * says (`recordCacheInvalidations`).
 */

export const CACHE_INVALIDATIONS_PATH = '/_router/cache-invalidations';
export const CACHE_INVALIDATION_RETENTION_MS = 3_600_000; // rows kept 1 h; the router caps entry TTLs well below this

/** What a change makes stale: entries holding this type (all of them, or those of these ids). */
export interface CacheInvalidation {
  type: string;
  ids?: readonly string[];
}
export interface InvalidationFeedItem {
  seq: number;
  type: string;
  id: string | null;
  at: number /* ms since epoch */;
}
export interface InvalidationFeedPage {
  cursor: number;
  reset: boolean;
  items: InvalidationFeedItem[];
}

/** Any event of the catalogue, typed by its `type`: a `switch (e.type)` narrows the payload. */
export type CatalogueEnvelope = { [T in EventType]: EventEnvelope<PayloadOf<T>> & { type: T } }[EventType];

/** A service's mapping from events to invalidations. */
export interface CacheInvalidationRules {
  /** For each event this service publishes (written in the publishing transaction). */
  published?: (envelope: CatalogueEnvelope) => CacheInvalidation[];
  /** For each event this service's consumer group handles (written in the handler's transaction). */
  consumed?: (envelope: CatalogueEnvelope) => CacheInvalidation[];
}

/** SQL to include in the migrations of every service that passes `cacheInvalidations` to startService. */
export const CACHE_INVALIDATIONS_TABLE_SQL = `create table if not exists cache_invalidations (
  seq bigint unsigned not null auto_increment primary key,
  type varchar(100) not null,
  entity_id varchar(191) null comment 'one row per id; null: every entity of the type',
  created_at datetime(3) not null,
  key cache_invalidations_created_idx (created_at)
) default character set utf8mb4 collate utf8mb4_unicode_ci`;

/**
 * The migration that adds the table to a service database (new and existing
 * ones), named for the service's migration list, e.g. `0002-cache-invalidations`.
 */
export function cacheInvalidationsMigration(name: string): MigrationClass {
  return class CacheInvalidations extends Migration {
    override name = name;
    up(): void {
      this.addSql(CACHE_INVALIDATIONS_TABLE_SQL);
    }
  };
}

const TABLE = 'cache_invalidations';
const TYPE_NAME = /^[_A-Za-z][_0-9A-Za-z]{0,99}$/;
const MAX_ID_LENGTH = 191;
/** More ids of one type in one transaction are written as one type-wide row (cheaper for both sides). */
const MAX_IDS_PER_TYPE = 500;
/** Items per feed page. */
const PAGE_SIZE = 1000;
/** Longest long-poll. */
const MAX_WAIT_MS = 25_000;

const written = counter(
  'tradegraph_cache_invalidations_written_total',
  'Cache invalidation rows written (one per type and id, or per type for type-wide ones).',
  ['service'],
);

// ---- recording, in the transaction of the change -------------------------------------------------

interface Registration {
  service: string;
  rules: CacheInvalidationRules;
  table: string;
  committed: () => void;
}

/** Per ORM (keyed by its configuration, which every fork shares): the service's rules and feed. */
const registrations = new WeakMap<object, Registration>();
/** What a transaction (or an EntityManager outside one) will write: type → ids, null for type-wide. */
type Pending = Map<string, Set<string> | null>;
const pending = new WeakMap<object, Pending>();
/** Transactions that wrote rows, until they end. */
const wrote = new WeakSet<object>();

const registrationOf = (em: Pick<EntityManager, 'config'>) => registrations.get(em.config);

/**
 * Records invalidations in the transaction `em` belongs to (or, outside a
 * transaction, in the one its next flush opens): written just before that
 * transaction commits, with everything else it recorded, in one statement;
 * gone if it rolls back. A no-op on a database without cache invalidations
 * (a service that did not pass `cacheInvalidations` to startService).
 */
export function recordCacheInvalidations(
  em: EntityManager,
  invalidations: readonly CacheInvalidation[],
): void {
  if (!invalidations.length || !registrationOf(em)) return;
  const key = em.getTransactionContext() ?? em;
  let into = pending.get(key);
  if (!into) {
    into = new Map();
    pending.set(key, into);
  }
  for (const inv of invalidations) {
    if (!TYPE_NAME.test(inv.type)) {
      throw new Error(`cache invalidation: "${inv.type}" is not a GraphQL type name`);
    }
    if (into.get(inv.type) === null) continue;
    if (!inv.ids) {
      into.set(inv.type, null);
      continue;
    }
    let ids = into.get(inv.type);
    if (!ids) {
      ids = new Set();
      into.set(inv.type, ids);
    }
    for (const id of inv.ids) {
      // an id the column cannot hold still invalidates: the whole type
      if (typeof id !== 'string' || !id || id.length > MAX_ID_LENGTH) {
        ids = null;
        break;
      }
      ids.add(id);
    }
    if (!ids || ids.size > MAX_IDS_PER_TYPE) into.set(inv.type, null);
  }
}

/** The `published` rule for an event written to the outbox through `em` (events/outbox.ts). */
export function recordPublishedInvalidations(em: EntityManager, envelope: EventEnvelope): void {
  const published = registrationOf(em)?.rules.published;
  if (published) recordCacheInvalidations(em, published(envelope as CatalogueEnvelope));
}

/** The `consumed` rule for an event the consumer applies in `em`'s transaction (events/consumer.ts). */
export function recordConsumedInvalidations(em: EntityManager, envelope: EventEnvelope): void {
  const consumed = registrationOf(em)?.rules.consumed;
  if (consumed) recordCacheInvalidations(em, consumed(envelope as CatalogueEnvelope));
}

const isTopLevel = (trx: object) => !(trx as { savepointName?: string }).savepointName;

function takePending(args: TransactionEventArgs): Pending | undefined {
  const trx = args.transaction!;
  const own = pending.get(trx);
  pending.delete(trx);
  // recorded outside a transaction: this is the transaction of the EntityManager's own flush
  const loose = isTopLevel(trx) ? pending.get(args.em) : undefined;
  if (loose) pending.delete(args.em);
  if (!own || !loose) return own ?? loose;
  for (const [type, ids] of loose) {
    const mine = own.get(type);
    if (mine === null) continue;
    if (ids === null || mine === undefined) own.set(type, ids === null ? null : new Set(ids));
    else for (const id of ids) mine.add(id);
  }
  return own;
}

/** Writes what a committing transaction recorded (one statement) and signals the feed after the commit. */
function subscriberFor(reg: Registration): EventSubscriber {
  return {
    async beforeTransactionCommit(args) {
      if (!args.transaction) return;
      const recorded = takePending(args);
      if (!recorded?.size) return;
      const params: (string | null)[] = [];
      for (const [type, ids] of recorded) {
        if (ids === null) params.push(type, null);
        else for (const id of ids) params.push(type, id);
      }
      if (!params.length) return;
      const rows = params.length / 2;
      await args.em
        .getConnection('write')
        .execute(
          `insert into ${reg.table} (type, entity_id, created_at) values ${new Array(rows).fill('(?, ?, utc_timestamp(3))').join(', ')}`,
          params,
          'run',
          args.transaction,
        );
      wrote.add(args.transaction);
      written.inc({ service: reg.service }, rows);
    },
    afterTransactionCommit(args) {
      if (!args.transaction || !wrote.has(args.transaction)) return;
      wrote.delete(args.transaction);
      // a savepoint's rows are not visible before the outer commit: the feed's polling finds them then
      reg.committed();
    },
    afterTransactionRollback(args) {
      if (!args.transaction) return;
      pending.delete(args.transaction);
      wrote.delete(args.transaction);
    },
  };
}

// ---- the feed ------------------------------------------------------------------------------------

export interface CacheInvalidationFeedOptions {
  /** Service name (metrics, logs). */
  service: string;
  logger: Logger;
  retentionMs?: number;
  /** Pause between pruning passes (default 60 s; 0: never, tests call `prune`). */
  pruneIntervalMs?: number;
  /**
   * How often waiting long-polls look for rows of other processes (default 250 ms). Routers wait
   * all the time, so this is a standing cost per process; this process's own commits wake them at once.
   */
  pollMs?: number;
  /**
   * A missing seq followed by a row younger than this may belong to a
   * transaction still committing: a page stops before it until it fills or
   * ages (then it was rolled back). Default 3 s.
   */
  gapGraceMs?: number;
}

interface Waiter {
  since: number;
  wake: () => void;
}

interface Row {
  seq: number | string;
  type: string;
  entity_id: string | null;
  created_at: string | Date;
  young?: number | string;
}

const itemOf = (r: Row): InvalidationFeedItem => ({
  seq: Number(r.seq),
  type: r.type,
  id: r.entity_id,
  at: dbDate(r.created_at).getTime(),
});

/**
 * A service's cache-invalidation feed: pages of `cache_invalidations` by
 * cursor, long-polls woken at once by this process's commits and every
 * `pollMs` by other processes' rows, and the pruning of rows older than the
 * retention. One per service process (startService makes it).
 */
export class CacheInvalidationFeed {
  readonly #orm: Orm;
  readonly #table: string;
  readonly #opts: Required<CacheInvalidationFeedOptions>;
  readonly #waiters = new Set<Waiter>();
  #step = 1;
  #draining = false;
  #pollTimer: NodeJS.Timeout | undefined;
  #pruner: PeriodicTask | undefined;

  constructor(orm: Orm, opts: CacheInvalidationFeedOptions) {
    this.#orm = orm;
    this.#table = qualified(orm.config.get('dbName')!, TABLE);
    this.#opts = {
      retentionMs: CACHE_INVALIDATION_RETENTION_MS,
      pruneIntervalMs: 60_000,
      pollMs: 250,
      gapGraceMs: 3_000,
      ...opts,
    };
  }

  get table(): string {
    return this.#table;
  }

  /** Checks the table (a readable error when a migration is missing), then prunes every interval. */
  async start(): Promise<void> {
    const em = forkEm(this.#orm);
    try {
      await em.execute(`select 1 from ${this.#table} limit 0`);
    } catch (err) {
      throw new Error(
        `${this.#opts.service}: the service database has no ${TABLE} table: add CACHE_INVALIDATIONS_TABLE_SQL to its migrations (${(err as Error).message})`,
        { cause: err },
      );
    }
    // seqs advance by this much (1 unless the server interleaves several writers' ranges)
    const [inc] = await em.execute<{ step: number | string }[]>('select @@auto_increment_increment step');
    this.#step = Math.max(1, Number(inc?.step ?? 1));
    this.#pruner = startPeriodicTask({
      name: `${this.#opts.service}: pruning cache invalidations`,
      intervalMs: this.#opts.pruneIntervalMs,
      logger: this.#opts.logger,
      immediately: true,
      run: () => this.prune(),
    });
  }

  /** Whether the server is draining (answers come at once and close their connection). */
  get draining(): boolean {
    return this.#draining;
  }

  /** Ends every long-poll now and every later one at once (the server is draining). */
  drain(): void {
    this.#draining = true;
    this.#wakeAll();
  }

  async stop(): Promise<void> {
    this.drain();
    clearTimeout(this.#pollTimer);
    this.#pollTimer = undefined;
    await this.#pruner?.stop();
  }

  /** This process committed rows: waiting long-polls look at once. */
  notify(): void {
    this.#wakeAll();
  }

  /**
   * The feed from cursor `since` (null or -1: bootstrap). Waits up to `waitMs`
   * (0-25,000) while there is nothing after `since`; a reset (bootstrap)
   * answers at once.
   */
  async page(since: number | null, waitMs = 0, signal?: AbortSignal): Promise<InvalidationFeedPage> {
    if (since === null || since < 0) return this.#bootstrap();
    const deadline = Date.now() + Math.min(Math.max(waitMs, 0), MAX_WAIT_MS);
    for (;;) {
      const page = await this.#after(since);
      if (page.reset || page.items.length || this.#draining || signal?.aborted) return page;
      const left = deadline - Date.now();
      if (left <= 0) return page;
      await this.#wait(since, left, signal);
    }
  }

  /** Deletes rows older than the retention (never the newest row: it keeps the cursor); returns how many. */
  async prune(): Promise<number> {
    const em = forkEm(this.#orm);
    const [edge] = await em.execute<{ seq: number | string; hi: number | string }[]>(
      `select o.seq, (select max(seq) from ${this.#table}) hi
         from ${this.#table} o
        where o.created_at < utc_timestamp(3) - interval ? microsecond
        order by o.created_at desc limit 1`,
      [this.#opts.retentionMs * 1000],
    );
    if (!edge) return 0;
    // a prefix of seqs, so a remaining row's predecessor was either pruned or never committed
    const through = Math.min(Number(edge.seq), Number(edge.hi) - 1);
    let total = 0;
    for (;;) {
      const res = await em.execute<{ affectedRows: number }>(
        `delete from ${this.#table} where seq <= ? order by seq limit 10000`,
        [through],
        'run',
      );
      total += res.affectedRows;
      if (res.affectedRows < 10000) return total;
    }
  }

  /** Rows after `since`: a page, or the bootstrap with `reset` when rows after it may be gone. */
  async #after(since: number): Promise<InvalidationFeedPage> {
    // one statement, so the bounds and the rows are one snapshot
    const rows = await forkEm(this.#orm).execute<(Partial<Row> & { lo: unknown; hi: unknown })[]>(
      `select s.lo, s.hi, c.seq, c.type, c.entity_id, c.created_at,
              c.created_at > utc_timestamp(3) - interval ? microsecond young
         from (select min(seq) lo, max(seq) hi from ${this.#table}) s
         left join (select * from ${this.#table} where seq > ? order by seq limit ${PAGE_SIZE}) c on 1 = 1
        order by c.seq`,
      [this.#opts.gapGraceMs * 1000, since],
    );
    const first = rows[0];
    if (first?.hi === null || first?.hi === undefined) {
      // an empty table: only a cursor of another database can be past 0
      return since > 0 ? this.#bootstrap() : { cursor: since, reset: false, items: [] };
    }
    const lo = Number(first.lo);
    const hi = Number(first.hi);
    if (since > hi || since < lo - this.#step) return this.#bootstrap();
    const found = rows.filter(
      (r): r is Row & { lo: unknown; hi: unknown } => r.seq !== null && r.seq !== undefined,
    );
    const items = this.#settled(found, since);
    return { cursor: items.at(-1)?.seq ?? since, reset: false, items };
  }

  /**
   * The rows up to the first gap that may still fill: a missing seq whose next
   * row is young may belong to a transaction between its insert and its
   * commit, which a cursor past it would skip for good.
   */
  #settled(rows: Row[], after: number): InvalidationFeedItem[] {
    const items: InvalidationFeedItem[] = [];
    let prev = after;
    for (const r of rows) {
      const seq = Number(r.seq);
      if (seq - prev > this.#step && Number(r.young) === 1) break;
      items.push(itemOf(r));
      prev = seq;
    }
    return items;
  }

  /** The retention window collapsed to the newest row per (type, id), with the cursor to go on from. */
  async #bootstrap(): Promise<InvalidationFeedPage> {
    const em = forkEm(this.#orm);
    const grace = this.#opts.gapGraceMs * 1000;
    // rows old enough that no gap before them can still fill; then walk the young ones
    const [old] = await em.execute<{ seq: number | string }[]>(
      `select seq from ${this.#table} where created_at <= utc_timestamp(3) - interval ? microsecond
        order by created_at desc, seq desc limit 1`,
      [grace],
    );
    const young = await em.execute<Row[]>(
      `select seq, type, entity_id, created_at, created_at > utc_timestamp(3) - interval ? microsecond young
         from ${this.#table} where seq > ? order by seq`,
      [grace, old ? Number(old.seq) : 0],
    );
    // with no old row, the first young row starts the walk (nothing known before it)
    const base = old ? Number(old.seq) : young[0] ? Number(young[0].seq) - this.#step : 0;
    const cursor = this.#settled(young, base).at(-1)?.seq ?? base;
    if (cursor === 0) return { cursor: 0, reset: true, items: [] };
    const rows = await em.execute<Row[]>(
      `select c.seq, c.type, c.entity_id, c.created_at
         from ${this.#table} c
         join (select max(seq) seq from ${this.#table}
                where created_at >= utc_timestamp(3) - interval ? microsecond and seq <= ?
                group by type, entity_id) m on m.seq = c.seq
        order by c.seq`,
      [this.#opts.retentionMs * 1000, cursor],
    );
    return { cursor, reset: true, items: rows.map(itemOf) };
  }

  #wait(since: number, ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise<void>((resolve) => {
      const waiter: Waiter = {
        since,
        wake: () => {
          clearTimeout(timer);
          signal?.removeEventListener('abort', waiter.wake);
          this.#waiters.delete(waiter);
          resolve();
        },
      };
      const timer = setTimeout(waiter.wake, ms);
      signal?.addEventListener('abort', waiter.wake, { once: true });
      this.#waiters.add(waiter);
      this.#schedulePoll();
    });
  }

  #wakeAll(): void {
    for (const w of [...this.#waiters]) w.wake();
  }

  /** While anyone waits: one cheap read of the newest seq every `pollMs`, waking those behind it. */
  #schedulePoll(): void {
    if (this.#pollTimer || !this.#waiters.size) return;
    this.#pollTimer = setTimeout(async () => {
      try {
        const [row] = await forkEm(this.#orm).execute<{ hi: number | string | null }[]>(
          `select max(seq) hi from ${this.#table}`,
        );
        const hi = row?.hi === null || row?.hi === undefined ? 0 : Number(row.hi);
        for (const w of [...this.#waiters]) if (hi > w.since) w.wake();
      } catch (err) {
        this.#opts.logger.warn({ err }, `${this.#opts.service}: reading cache invalidations failed`);
      } finally {
        this.#pollTimer = undefined;
        this.#schedulePoll();
      }
    }, this.#opts.pollMs);
  }
}

/**
 * Turns on cache invalidations for a service database: `rules` apply to the
 * events written and handled through `orm`, the rows are written before each
 * commit, and the returned feed (started by the caller) is told after it.
 */
export function enableCacheInvalidations(
  orm: Orm,
  rules: CacheInvalidationRules,
  opts: CacheInvalidationFeedOptions,
): CacheInvalidationFeed {
  const feed = new CacheInvalidationFeed(orm, opts);
  const reg: Registration = {
    service: opts.service,
    rules,
    table: feed.table,
    committed: () => feed.notify(),
  };
  registrations.set(orm.config, reg);
  orm.em.getEventManager().registerSubscriber(subscriberFor(reg));
  return feed;
}

const SINCE = /^(?:-1|\d{1,15})$/;
const WAIT = /^-?\d{1,12}(?:\.\d+)?$/;

/**
 * GET CACHE_INVALIDATIONS_PATH?since=<cursor>&wait=<ms>: the feed, for the
 * router only (internal token with the router principal; 403 otherwise).
 */
export function cacheInvalidationsRoute(feed: CacheInvalidationFeed): Route {
  return {
    method: 'GET',
    path: CACHE_INVALIDATIONS_PATH,
    internal: true,
    handle: async (req: IncomingMessage, res: ServerResponse, { principal }) => {
      if (principal?.kind !== 'router') return sendJson(res, 403, { error: 'router only' });
      const url = new URL(req.url ?? '/', 'http://service.invalid');
      const since = url.searchParams.get('since') ?? '';
      const wait = url.searchParams.get('wait') ?? '';
      if ((since !== '' && !SINCE.test(since)) || (wait !== '' && !WAIT.test(wait))) {
        return sendJson(res, 400, {
          error: 'since is a cursor (a whole number, or -1 for a bootstrap); wait is milliseconds',
        });
      }
      // a router that goes away ends its long-poll
      const gone = new AbortController();
      res.once('close', () => gone.abort());
      const page = await feed.page(
        since === '' ? null : Number(since),
        wait === '' ? 0 : Number(wait),
        gone.signal,
      );
      if (res.destroyed) return;
      // while draining, the router's keep-alive connection would hold the server's close
      sendJson(res, 200, page, {
        'cache-control': 'no-store',
        ...(feed.draining ? { connection: 'close' } : {}),
      });
    },
  };
}
