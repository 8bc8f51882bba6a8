import { randomUUID } from 'node:crypto';
import {
  CACHE_INVALIDATIONS_PATH,
  type CompletedRequest,
  completedRequests,
  type DatabaseConfig,
  graphqlRequest,
  type InvalidationFeedPage,
  type Principal,
  type RunningServer,
  tenantDatabaseName,
  tenantKeyOf,
} from '@tradegraph/shared';
import { createEnvelope, type EventBus, type EventType, type PayloadOf } from '@tradegraph/shared/events';
import { dropTestDatabases, testDatabaseConfig, testInternalKeys } from '@tradegraph/shared/testing';
import { createPool, type Pool } from 'mysql2/promise';
import { waitFor } from './eventually.ts';
import { ANONYMOUS } from './principals.ts';

/** What a subgraph's `start(env)` returns (see `startService`). */
export interface StartedService extends RunningServer {
  bus: EventBus;
}

export interface HarnessOptions<S extends StartedService> {
  /** Subgraph name: internal-token audience, service database `${prefix}<name>`. */
  name: string;
  /** The subgraph's uniform entry point (`src/service.ts` `start`). */
  start: (env: Record<string, string>) => Promise<S>;
  /** Extra environment (overrides the test defaults). */
  env?: Record<string, string>;
}

export interface GraphQLResponse {
  data?: any;
  errors?: { message: string; extensions?: Record<string, unknown>; path?: (string | number)[] }[];
}

/**
 * Starts one subgraph on fresh databases (its own `tg_t<random>_` prefix,
 * dropped by `stop`) and calls it as the router would, with a signed internal
 * token for any principal. Other services are simulated by publishing their
 * events on the same bus (`emit`), and `processed` waits for this service's
 * consumer to have applied one.
 */
export async function startHarness<S extends StartedService>(opts: HarnessOptions<S>) {
  const db: DatabaseConfig = { ...testDatabaseConfig(), DB_POOL_MAX: 8 };
  const keys = testInternalKeys();
  const service = await opts.start({
    ...Object.fromEntries(Object.entries(db).map(([k, v]) => [k, String(v)])),
    INTERNAL_TOKEN_PUBLIC_KEY: keys.publicKey,
    PORT: '0',
    HOST: '127.0.0.1',
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    NODE_ENV: 'test',
    EVENTS_RELAY_POLL_MS: '200',
    EVENTS_PARTITIONS: '2',
    EVENTS_RETRY_BASE_MS: '20',
    EVENTS_RETRY_MAX_MS: '200',
    ...opts.env,
  });

  /** Calls the subgraph's /graphql as `as` (anonymous by default). */
  const call = async (
    query: string,
    variables: Record<string, unknown> = {},
    as: Principal = ANONYMOUS,
    requestId?: string,
  ): Promise<GraphQLResponse> =>
    graphqlRequest(service.url, query, variables, {
      headers: { 'x-tradegraph-internal-token': await keys.sign(opts.name, as, requestId) },
    }) as Promise<GraphQLResponse>;

  /** Like `call`, and reports how many SQL statements the request ran. */
  const callCounted = async (
    query: string,
    variables: Record<string, unknown> = {},
    as: Principal = ANONYMOUS,
  ) => {
    const requestId = `count-${randomUUID()}`;
    let sqlStatements = -1;
    const onRequest = (r: CompletedRequest) => {
      if (r.requestId === requestId) sqlStatements = r.sqlStatements;
    };
    completedRequests.on('request', onRequest);
    try {
      const res = await call(query, variables, as, requestId);
      await waitFor(async () => sqlStatements >= 0, 'request completion');
      return { res, sqlStatements };
    } finally {
      completedRequests.off('request', onRequest);
    }
  };

  const pools = new Map<string, Pool>();
  /** Runs SQL on the service database, or on the tenant database of organisation `tenantOf`. */
  const sql = async (query: string, params: unknown[] = [], tenantOf?: string) => {
    const database = tenantOf
      ? tenantDatabaseName(db, opts.name, tenantKeyOf(tenantOf))
      : `${db.DB_PREFIX}${opts.name}`;
    let pool = pools.get(database);
    if (!pool) {
      pool = createPool({
        host: db.DB_HOST,
        port: db.DB_PORT,
        user: db.DB_USER,
        password: db.DB_PASSWORD,
        database,
        dateStrings: true,
        connectionLimit: 2,
      });
      pools.set(database, pool);
    }
    const [rows] = await pool.query(query, params);
    return rows as Record<string, any>[];
  };

  /** Publishes an event as its producer would; this service consumes it from the bus. */
  const emit = async <T extends EventType>(
    type: T,
    payload: PayloadOf<T>,
    meta: { aggregateId: string; orgId: string | null; source?: string; occurredAt?: Date },
  ) => {
    const envelope = createEnvelope({ source: meta.source ?? String(type).split('.')[0]! }, type, {
      aggregateId: meta.aggregateId,
      orgId: meta.orgId,
      payload,
    });
    if (meta.occurredAt) envelope.occurredAt = meta.occurredAt.toISOString();
    await service.bus.producer.send([envelope]);
    return envelope;
  };

  /** Waits until this service's consumer group has applied the event. */
  const processed = (eventId: string, what = 'event') =>
    waitFor(
      async () => (await sql('select 1 from processed_events where event_id = ?', [eventId])).length > 0,
      what,
    );

  /** Emits and waits until applied. */
  const deliver = async <T extends EventType>(
    type: T,
    payload: PayloadOf<T>,
    meta: { aggregateId: string; orgId: string | null; source?: string; occurredAt?: Date },
  ) => {
    const envelope = await emit(type, payload, meta);
    await processed(envelope.id, type);
    return envelope;
  };

  /** Envelopes this service wrote to its outbox, oldest first. */
  const outbox = async (type: EventType, aggregateId?: string) => {
    const rows = await sql(
      `select envelope from outbox where type = ? ${aggregateId ? 'and aggregate_id = ?' : ''} order by seq`,
      aggregateId ? [type, aggregateId] : [type],
    );
    return rows.map((r) => (typeof r.envelope === 'string' ? JSON.parse(r.envelope) : r.envelope)) as {
      id: string;
      aggregateId: string;
      orgId: string | null;
      occurredAt: string;
      payload: any;
    }[];
  };

  /**
   * The service's cache-invalidation feed as a router reads it: the bootstrap
   * without `since`, else the items after that cursor (`wait`: long-poll ms).
   */
  const invalidations = async (since?: number, wait = 0): Promise<InvalidationFeedPage> => {
    const query = since === undefined ? `?wait=${wait}` : `?since=${since}&wait=${wait}`;
    const res = await fetch(`${service.url.replace('/graphql', CACHE_INVALIDATIONS_PATH)}${query}`, {
      headers: { 'x-tradegraph-internal-token': await keys.sign(opts.name, { kind: 'router' }) },
    });
    if (res.status !== 200)
      throw new Error(`${CACHE_INVALIDATIONS_PATH}: HTTP ${res.status} ${await res.text()}`);
    return (await res.json()) as InvalidationFeedPage;
  };

  /** The invalidations `change` writes, as `Type:id` (`Type:*` for a whole type), in feed order. */
  const invalidatedBy = async (change: () => Promise<unknown>): Promise<string[]> => {
    const { cursor } = await invalidations();
    await change();
    const page = await invalidations(cursor);
    if (page.reset) throw new Error(`the invalidation feed was reset after cursor ${cursor}`);
    return page.items.map((i) => `${i.type}:${i.id ?? '*'}`);
  };

  return {
    db,
    keys,
    service,
    call,
    callCounted,
    sql,
    emit,
    deliver,
    processed,
    outbox,
    invalidations,
    invalidatedBy,
    async stop() {
      await Promise.all([...pools.values()].map((p) => p.end()));
      await service.stop();
      await dropTestDatabases(db);
    },
  };
}
