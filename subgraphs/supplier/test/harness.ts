import { randomUUID } from 'node:crypto';
import {
  type CompletedRequest,
  completedRequests,
  type DatabaseConfig,
  graphqlRequest,
  newId,
  type OrganizationKind,
  PERMISSIONS,
  type Permission,
  type Principal,
  tenantDatabaseName,
  tenantKeyOf,
} from '@tradegraph/shared';
import { createEnvelope, type EventType, type PayloadOf } from '@tradegraph/shared/events';
import { dropTestDatabases, testDatabaseConfig, testInternalKeys } from '@tradegraph/shared/testing';
import { type SupplierService, start } from '../src/service.ts';

/**
 * Boots the supplier subgraph on fresh databases and calls it as the router
 * would (signed internal token). Other services' events are simulated by
 * publishing envelopes onto the same bus.
 */
export async function startHarness(env: Record<string, string> = {}) {
  const db: DatabaseConfig = { ...testDatabaseConfig(), DB_POOL_MAX: 8 };
  const keys = testInternalKeys();
  const service: SupplierService = await start({
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
    ...env,
  });

  const call = async (
    query: string,
    variables: Record<string, unknown> = {},
    as: Principal = { kind: 'anonymous' },
  ) =>
    graphqlRequest(service.url, query, variables, {
      headers: { 'x-tradegraph-internal-token': await keys.sign('supplier', as) },
    });

  /** Like call, and reports how many SQL statements the request ran. */
  const callCounted = async (
    query: string,
    variables: Record<string, unknown> = {},
    as: Principal = { kind: 'anonymous' },
  ) => {
    const requestId = `count-${randomUUID()}`;
    let sqlStatements = -1;
    const onRequest = (r: CompletedRequest) => {
      if (r.requestId === requestId) sqlStatements = r.sqlStatements;
    };
    completedRequests.on('request', onRequest);
    try {
      const res = await graphqlRequest(service.url, query, variables, {
        headers: { 'x-tradegraph-internal-token': await keys.sign('supplier', as, requestId) },
      });
      await waitFor(async () => sqlStatements >= 0, 'request completion');
      return { res, sqlStatements };
    } finally {
      completedRequests.off('request', onRequest);
    }
  };

  const { createPool } = await import('mysql2/promise');
  const pools = new Map<string, ReturnType<typeof createPool>>();
  /** Runs SQL on the service database, or on a supplier's tenant database. */
  const sql = async (query: string, params: unknown[] = [], tenantOf?: string) => {
    const database = tenantOf
      ? tenantDatabaseName(db, 'supplier', tenantKeyOf(tenantOf))
      : `${db.DB_PREFIX}supplier`;
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

  /** Publishes an event as its producer would (the supplier consumes it from the bus). */
  const emit = async <T extends EventType>(
    type: T,
    payload: PayloadOf<T>,
    meta: { aggregateId: string; orgId: string | null; source?: string; occurredAt?: Date },
  ) => {
    const envelope = createEnvelope({ source: meta.source ?? type.split('.')[0]! }, type, {
      aggregateId: meta.aggregateId,
      orgId: meta.orgId,
      payload,
    });
    if (meta.occurredAt) envelope.occurredAt = meta.occurredAt.toISOString();
    await service.bus.producer.send([envelope]);
    return envelope;
  };

  /** Waits until this service's consumer has applied the event. */
  const processed = (eventId: string, what = 'event') =>
    waitFor(
      async () => (await sql('select 1 from processed_events where event_id = ?', [eventId])).length > 0,
      what,
    );

  /** A member of an organisation (OWNER with every permission unless narrowed). */
  const member = (
    organizationId: string,
    organizationKind: OrganizationKind,
    permissions: readonly Permission[] = PERMISSIONS.filter((p) => p !== 'platform:admin'),
  ): Principal => ({
    kind: 'user',
    userId: newId('usr'),
    organizationId,
    organizationKind,
    role: 'OWNER',
    permissions: [...permissions],
  });

  const connections = new Map<string, string>();
  /** Simulates identity: a connection between a supplier and a brand or retailer reaching `status`. */
  const connect = async (
    supplierId: string,
    partnerId: string,
    partnerKind: 'BRAND' | 'RETAILER',
    opts: { scopes?: string[]; status?: 'ACTIVE' | 'REVOKED' | 'PENDING' } = {},
  ) => {
    const pair = `${supplierId}|${partnerId}`;
    const connectionId = connections.get(pair) ?? newId('con');
    connections.set(pair, connectionId);
    const status = opts.status ?? 'ACTIVE';
    const type =
      status === 'ACTIVE'
        ? 'identity.connection.accepted'
        : status === 'PENDING'
          ? 'identity.connection.requested'
          : 'identity.connection.revoked';
    const scopes =
      opts.scopes ?? (partnerKind === 'BRAND' ? ['CATALOG_READ', 'FULFILL_ORDERS'] : ['FULFILL_ORDERS']);
    const base = {
      connectionId,
      requesterId: partnerId,
      requesterKind: partnerKind,
      partnerId: supplierId,
      partnerKind: 'SUPPLIER' as const,
      scopes,
      status,
    };
    const envelope = await emit(
      type as 'identity.connection.revoked',
      { ...base, revokedByOrganizationId: partnerId },
      { aggregateId: connectionId, orgId: partnerId, source: 'identity' },
    );
    // identity opens a new connection after a revocation
    if (status === 'REVOKED') connections.delete(pair);
    await processed(envelope.id, `connection ${status}`);
    return connectionId;
  };

  /** Simulates catalog: a product of `brandId` with `count` variants in `status`. */
  const product = async (
    brandId: string,
    opts: {
      count?: number;
      status?: 'ACTIVE' | 'DRAFT' | 'ARCHIVED';
      productId?: string;
      variantIds?: string[];
    } = {},
  ) => {
    const brandKey = tenantKeyOf(brandId);
    const productId = opts.productId ?? newId('prd', brandKey);
    const variantIds =
      opts.variantIds ?? Array.from({ length: opts.count ?? 1 }, () => newId('var', brandKey));
    const status = opts.status ?? 'ACTIVE';
    const envelope = await emit(
      'catalog.product.changed',
      {
        productId,
        brandId,
        name: `Product ${productId.slice(-6)}`,
        status,
        variants: variantIds.map((variantId, i) => ({
          variantId,
          sku: `SKU-${variantId.slice(-8)}-${i}`,
          gtin: null,
          options: [],
          msrpMinor: '1999',
          currencyCode: 'EUR',
        })),
      },
      { aggregateId: productId, orgId: brandId, source: 'catalog' },
    );
    await processed(envelope.id, `product ${status}`);
    return { productId, variantIds };
  };

  /** Envelopes this service wrote to its outbox, oldest first. */
  const outbox = async (type: EventType, aggregateId?: string) => {
    const rows = await sql(
      `select envelope from outbox where type = ? ${aggregateId ? 'and aggregate_id = ?' : ''} order by seq`,
      aggregateId ? [type, aggregateId] : [type],
    );
    return rows.map((r) => (typeof r.envelope === 'string' ? JSON.parse(r.envelope) : r.envelope)) as {
      aggregateId: string;
      orgId: string | null;
      payload: any;
    }[];
  };

  return {
    db,
    outbox,
    keys,
    service,
    call,
    callCounted,
    sql,
    emit,
    processed,
    member,
    connect,
    product,
    /** A fresh organisation id. */
    orgId: () => newId('org'),
    async stop() {
      await Promise.all([...pools.values()].map((p) => p.end()));
      await service.stop();
      await dropTestDatabases(db);
    },
  };
}

export type Harness = Awaited<ReturnType<typeof startHarness>>;

/** Polls `check` until it holds (or fails after `timeoutMs`). */
export async function waitFor(check: () => Promise<boolean>, what = 'condition', timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

export const ADDRESS = {
  name: 'Receiving',
  line1: 'Lagerstraße 1',
  city: 'Berlin',
  postalCode: '10115',
  country: 'DE',
};

/** The GraphQL error code of a response, or of its payload's first user error. */
export function errorCode(res: { errors?: { extensions?: Record<string, unknown> }[] }): unknown {
  return res.errors?.[0]?.extensions?.code;
}
