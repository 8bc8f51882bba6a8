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
  tenantKeyOf,
} from '@tradegraph/shared';
import { EVENT_VERSIONS, type EventType, newEventId, type PayloadOf } from '@tradegraph/shared/events';
import { dropTestDatabases, testDatabaseConfig, testInternalKeys } from '@tradegraph/shared/testing';
import { type CatalogService, start } from '../src/service.ts';

export type Org = { id: string; kind: OrganizationKind; principal: Principal };

const READ: Permission[] = [
  'org:read',
  'members:read',
  'connections:read',
  'catalog:read',
  'inventory:read',
  'storefronts:read',
  'orders:read',
  'billing:read',
];

/** A member principal as the router would put it in the internal token (OWNER: every permission). */
export function member(
  organizationId: string,
  organizationKind: OrganizationKind,
  role: 'OWNER' | 'VIEWER' = 'OWNER',
): Principal {
  return {
    kind: 'user',
    userId: newId('usr'),
    organizationId,
    organizationKind,
    role,
    permissions: role === 'OWNER' ? PERMISSIONS.filter((p) => p !== 'platform:admin') : READ,
  };
}

export const ANON: Principal = { kind: 'anonymous' };
export const CUSTOMER: Principal = { kind: 'customer', customerId: newId('cus') };

/** Polls `check` until it returns a truthy value (or throws after `timeoutMs`). */
export async function eventually<T>(
  check: () => Promise<T>,
  timeoutMs = 5000,
  label = 'condition',
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline)
      throw new Error(`${label} not reached within ${timeoutMs} ms ${last ? String(last) : ''}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** Boots catalog on fresh databases and calls it as the router would, with a signed internal token. */
export async function startHarness(env: Record<string, string> = {}) {
  const db: DatabaseConfig = testDatabaseConfig();
  const keys = testInternalKeys();
  const service: CatalogService = await start({
    ...Object.fromEntries(Object.entries(db).map(([k, v]) => [k, String(v)])),
    INTERNAL_TOKEN_PUBLIC_KEY: keys.publicKey,
    PORT: '0',
    HOST: '127.0.0.1',
    LOG_LEVEL: 'silent',
    NODE_ENV: 'test',
    EVENTS_POLL_MAX_MS: '20',
    ...env,
  });

  const call = async (query: string, variables: Record<string, unknown> = {}, as: Principal = ANON) =>
    graphqlRequest(service.url, query, variables, {
      headers: { 'x-tradegraph-internal-token': await keys.sign('catalog', as) },
    });

  /** Like call, and reports how many SQL statements the subgraph ran for the request. */
  const callCounted = async (
    query: string,
    variables: Record<string, unknown> = {},
    as: Principal = ANON,
  ) => {
    const requestId = newId('req');
    const done = new Promise<CompletedRequest>((resolve) => {
      const on = (r: CompletedRequest) => {
        if (r.requestId !== requestId) return;
        completedRequests.off('request', on);
        resolve(r);
      };
      completedRequests.on('request', on);
    });
    const res = await graphqlRequest(service.url, query, variables, {
      headers: { 'x-tradegraph-internal-token': await keys.sign('catalog', as, requestId) },
    });
    return { res, sql: (await done).sqlStatements };
  };

  /** Publishes an event onto the bus as its producer would (identity, retailer…). */
  const emit = async <T extends EventType>(
    type: T,
    payload: PayloadOf<T>,
    opts: { aggregateId: string; orgId?: string | null; source?: string; occurredAt?: Date },
  ) => {
    const envelope = {
      id: newEventId(),
      type,
      version: EVENT_VERSIONS[type],
      occurredAt: (opts.occurredAt ?? new Date()).toISOString(),
      orgId: opts.orgId ?? null,
      aggregateId: opts.aggregateId,
      source: opts.source ?? type.split('.')[0]!,
      payload,
    };
    await service.bus.producer.send([envelope]);
    return envelope;
  };

  const sql = async (query: string, params: unknown[] = [], database = `${db.DB_PREFIX}catalog`) => {
    const { createConnection } = await import('mysql2/promise');
    const conn = await createConnection({
      host: db.DB_HOST,
      port: db.DB_PORT,
      user: db.DB_USER,
      password: db.DB_PASSWORD,
      database,
    });
    try {
      const [rows] = await conn.query(query, params);
      return rows as Record<string, any>[];
    } finally {
      await conn.end();
    }
  };
  const tenantDb = (orgId: string) => `${db.DB_PREFIX}catalog_${tenantKeyOf(orgId)}`;

  /** A new organisation; for a brand, identity.organization.created is emitted and its database awaited. */
  const org = async (kind: OrganizationKind, name = `${kind} ${Math.random()}`): Promise<Org> => {
    const id = newId('org');
    if (kind === 'BRAND') {
      await emit(
        'identity.organization.created',
        {
          organizationId: id,
          name,
          kind,
          slug: name.toLowerCase().replace(/\W+/g, '-'),
          createdByUserId: null,
        },
        { aggregateId: id, orgId: id },
      );
      await eventually(
        async () => (await sql('select 1 from tenants where organization_id = ?', [id])).length > 0,
        5000,
        `tenant of ${name}`,
      );
    }
    return { id, kind, principal: member(id, kind) };
  };

  const connectionEvent = async (
    type:
      | 'identity.connection.requested'
      | 'identity.connection.accepted'
      | 'identity.connection.declined'
      | 'identity.connection.revoked',
    connectionId: string,
    requester: Org,
    partner: Org,
    scopes: string[],
  ) => {
    const status = {
      'identity.connection.requested': 'PENDING',
      'identity.connection.accepted': 'ACTIVE',
      'identity.connection.declined': 'DECLINED',
      'identity.connection.revoked': 'REVOKED',
    } as const;
    const payload = {
      connectionId,
      requesterId: requester.id,
      requesterKind: requester.kind,
      partnerId: partner.id,
      partnerKind: partner.kind,
      scopes,
      status: status[type],
      ...(type === 'identity.connection.revoked' ? { revokedByOrganizationId: requester.id } : {}),
    };
    await emit(type, payload as never, {
      aggregateId: connectionId,
      orgId: requester.id,
      source: 'identity',
    });
    await eventually(
      async () =>
        (
          await sql('select 1 from partner_access where connection_id = ? and status = ?', [
            connectionId,
            status[type],
          ])
        ).length > 0,
      5000,
      `${type} ${connectionId} projected`,
    );
  };

  /** An ACTIVE connection between a brand and a partner (requested by the partner, accepted by the brand). */
  const connect = async (brand: Org, partner: Org, scopes: string[]) => {
    const connectionId = newId('con');
    await connectionEvent('identity.connection.requested', connectionId, partner, brand, scopes);
    await connectionEvent('identity.connection.accepted', connectionId, partner, brand, scopes);
    return {
      connectionId,
      revoke: () => connectionEvent('identity.connection.revoked', connectionId, partner, brand, scopes),
    };
  };

  /** A retailer listing of a variant; waits until projected. */
  const listing = async (
    retailer: Org,
    brand: Org,
    variantId: string,
    opts: { visible?: boolean; removed?: boolean; listingId?: string; storefrontId?: string } = {},
  ) => {
    const listingId = opts.listingId ?? newId('lst', tenantKeyOf(retailer.id));
    const storefrontId = opts.storefrontId ?? newId('sfr', tenantKeyOf(retailer.id));
    const env = await emit(
      'retailer.listing.changed',
      {
        listingId,
        retailerId: retailer.id,
        storefrontId,
        variantId,
        brandId: brand.id,
        visible: opts.visible ?? true,
        removed: opts.removed ?? false,
      },
      { aggregateId: listingId, orgId: retailer.id, source: 'retailer' },
    );
    await eventually(
      async () => (await sql('select 1 from processed_events where event_id = ?', [env.id])).length > 0,
      5000,
      `listing ${listingId} projected`,
    );
    return { listingId, storefrontId };
  };

  /** Waits until an event has been handled by the catalog group. */
  const handled = (eventId: string) =>
    eventually(
      async () => (await sql('select 1 from processed_events where event_id = ?', [eventId])).length > 0,
      5000,
      `event ${eventId} handled`,
    );

  return {
    db,
    keys,
    service,
    call,
    callCounted,
    emit,
    sql,
    tenantDb,
    org,
    connect,
    connectionEvent,
    listing,
    handled,
    async stop() {
      await service.stop();
      await dropTestDatabases(db);
    },
  };
}

export type Harness = Awaited<ReturnType<typeof startHarness>>;

/** GraphQL fragments and operations the tests share. */
export const PRODUCT_FIELDS = `id name description status brand { id } category { id path }
  options { name values } attributes { name type value } media { url altText position }
  variants { id sku gtin title options { name value } msrp { amount currencyCode } archived }`;

export const CREATE = `mutation($i: CreateProductInput!) { createProduct(input: $i) {
  product { ${PRODUCT_FIELDS} } userErrors { field message code } } }`;
export const UPDATE = `mutation($i: UpdateProductInput!) { updateProduct(input: $i) {
  product { ${PRODUCT_FIELDS} } userErrors { field message code } } }`;
export const PUBLISH = `mutation($i: PublishProductInput!) { publishProduct(input: $i) {
  product { id status publishedAt } userErrors { field message code } } }`;
export const ARCHIVE = `mutation($i: ArchiveProductInput!) { archiveProduct(input: $i) {
  product { id status archivedAt } userErrors { field message code } } }`;

/** A valid product input: a T-shirt in sizes S and M. */
export function tee(prefix: string, extra: Record<string, unknown> = {}) {
  return {
    name: `${prefix} Tee`,
    description: 'Organic cotton t-shirt',
    options: [{ name: 'Size', values: ['S', 'M'] }],
    variants: [
      {
        sku: `${prefix}-S`,
        options: [{ name: 'Size', value: 'S' }],
        msrp: { amount: '19.90', currencyCode: 'EUR' },
      },
      {
        sku: `${prefix}-M`,
        options: [{ name: 'Size', value: 'M' }],
        msrp: { amount: '19.90', currencyCode: 'EUR' },
      },
    ],
    ...extra,
  };
}
