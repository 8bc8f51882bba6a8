import type { ConnectionEventType } from '@tradegraph/contracts';
import {
  newId,
  type OrganizationKind,
  type Permission,
  type Principal,
  tenantDatabaseName,
  tenantKeyOf,
} from '@tradegraph/shared';
import {
  ANONYMOUS,
  customer,
  member as memberOf,
  startHarness as startServiceHarness,
  waitFor,
} from '@tradegraph/testing';
import { start } from '../src/service.ts';

/**
 * Catalog's test harness on @tradegraph/testing: the catalog service on fresh
 * databases, plus what only catalog tests need: brands (with their database),
 * partner connections and retailer listings simulated by their events.
 */

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

/** A member principal as the router would put it in the internal token (OWNER: every permission; VIEWER: reads). */
export function member(
  organizationId: string,
  organizationKind: OrganizationKind,
  role: 'OWNER' | 'VIEWER' = 'OWNER',
): Principal {
  return role === 'OWNER'
    ? memberOf(organizationId, organizationKind)
    : memberOf(organizationId, organizationKind, READ, 'VIEWER');
}

export const ANON: Principal = ANONYMOUS;
export const CUSTOMER: Principal = customer();

const STATUS_OF = {
  'identity.connection.requested': 'PENDING',
  'identity.connection.accepted': 'ACTIVE',
  'identity.connection.declined': 'DECLINED',
  'identity.connection.revoked': 'REVOKED',
} as const satisfies Record<ConnectionEventType, string>;

/** Boots catalog on fresh databases (see @tradegraph/testing) with catalog's own helpers. */
export async function startHarness(env: Record<string, string> = {}) {
  const h = await startServiceHarness({ name: 'catalog', start, env });

  /** Name of a brand's catalog database, for statements that address it explicitly. */
  const tenantDb = (orgId: string) => tenantDatabaseName(h.db, 'catalog', tenantKeyOf(orgId));

  /** Like `call`, with the number of SQL statements the subgraph ran for it. */
  const callCounted = async (
    query: string,
    variables: Record<string, unknown> = {},
    as: Principal = ANON,
  ) => {
    const { res, sqlStatements } = await h.callCounted(query, variables, as);
    return { res, sql: sqlStatements };
  };

  /** A new organisation; for a brand, identity.organization.created is delivered and its database awaited. */
  const org = async (kind: OrganizationKind, name = `${kind} ${Math.random()}`): Promise<Org> => {
    const id = newId('org');
    if (kind === 'BRAND') {
      await h.deliver(
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
      await waitFor(
        async () => (await h.sql('select 1 from tenants where organization_id = ?', [id])).length > 0,
        `tenant of ${name}`,
      );
    }
    return { id, kind, principal: member(id, kind) };
  };

  /** A connection event as identity publishes it; waits until projected. */
  const connectionEvent = async (
    type: ConnectionEventType,
    connectionId: string,
    requester: Org,
    partner: Org,
    scopes: string[],
  ) => {
    const payload = {
      connectionId,
      requesterId: requester.id,
      requesterKind: requester.kind,
      partnerId: partner.id,
      partnerKind: partner.kind,
      scopes,
      status: STATUS_OF[type],
    };
    const meta = { aggregateId: connectionId, orgId: requester.id, source: 'identity' };
    if (type === 'identity.connection.revoked') {
      await h.deliver(type, { ...payload, revokedByOrganizationId: requester.id }, meta);
    } else {
      await h.deliver(type, payload, meta);
    }
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
    await h.deliver(
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
    return { listingId, storefrontId };
  };

  return {
    ...h,
    callCounted,
    tenantDb,
    org,
    connect,
    connectionEvent,
    listing,
    /** Waits until an event has been applied by the catalog group. */
    handled: (eventId: string) => h.processed(eventId),
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
