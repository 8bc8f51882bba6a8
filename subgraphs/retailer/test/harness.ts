import { newId, type Permission, type Principal, tenantKeyOf } from '@tradegraph/shared';
import type { EventType, PayloadOf } from '@tradegraph/shared/events';
import { member, orgId, startHarness as startServiceHarness } from '@tradegraph/testing';
import { start } from '../src/service.ts';

export { ANONYMOUS, customer, orgId, waitFor } from '@tradegraph/testing';

const RETAILER_PERMISSIONS: Permission[] = [
  'org:read',
  'storefronts:read',
  'storefronts:write',
  'orders:read',
];

/**
 * Retailer's test harness on @tradegraph/testing: the retailer service on
 * fresh databases, plus what only retailer tests need: the partners' events
 * (identity, catalog, supplier) simulated by `network`, and GraphQL documents.
 */
export async function startHarness(env: Record<string, string> = {}) {
  const h = await startServiceHarness({ name: 'retailer', start, env: { EVENTS_POLL_MAX_MS: '20', ...env } });
  const serviceDb = `${h.db.DB_PREFIX}retailer`;

  /** Runs a statement (qualify tables with `${serviceDb}` or a tenant database). */
  const sql = async <T = Record<string, any>>(query: string, params: unknown[] = []) =>
    (await h.sql(query, params)) as T[];

  /** Publishes an event as its producer would, and waits until the retailer group has applied it. */
  const emit = <T extends EventType>(
    type: T,
    payload: PayloadOf<T>,
    opts: { aggregateId: string; orgId?: string | null; source?: string; occurredAt?: Date },
  ) => h.deliver(type, payload, { ...opts, orgId: opts.orgId ?? null });

  return { ...h, serviceDb, sql, emit };
}

export type Harness = Awaited<ReturnType<typeof startHarness>>;

/** The envelope of an outbox row (mysql2 may hand JSON columns back parsed or as text). */
export function envelopeOf(row: Record<string, any>): { type: string; payload: any; aggregateId: string } {
  return typeof row.envelope === 'string' ? JSON.parse(row.envelope) : row.envelope;
}

export function retailerUser(organizationId: string, permissions = RETAILER_PERMISSIONS): Principal {
  return member(organizationId, 'RETAILER', permissions);
}

/** Events that set up a retailer, a connected brand and its catalog. */
export function network(h: Harness) {
  return {
    async retailer(id = orgId(), name = 'Retailer') {
      await h.emit(
        'identity.organization.created',
        { organizationId: id, name, kind: 'RETAILER', slug: id.toLowerCase(), createdByUserId: null },
        { aggregateId: id, orgId: id },
      );
      return { id, user: retailerUser(id) };
    },
    async connect(
      brandId: string,
      retailerId: string,
      scopes = ['CATALOG_READ', 'SELL_PRODUCTS'],
      connectionId = newId('con'),
    ) {
      await h.emit(
        'identity.connection.accepted',
        {
          connectionId,
          requesterId: retailerId,
          requesterKind: 'RETAILER',
          partnerId: brandId,
          partnerKind: 'BRAND',
          scopes,
          status: 'ACTIVE',
        },
        { aggregateId: connectionId, orgId: retailerId },
      );
      return connectionId;
    },
    async revoke(brandId: string, retailerId: string, connectionId: string) {
      await h.emit(
        'identity.connection.revoked',
        {
          connectionId,
          requesterId: retailerId,
          requesterKind: 'RETAILER',
          partnerId: brandId,
          partnerKind: 'BRAND',
          scopes: ['CATALOG_READ', 'SELL_PRODUCTS'],
          status: 'REVOKED',
          revokedByOrganizationId: brandId,
        },
        { aggregateId: connectionId, orgId: brandId },
      );
    },
    /** A supplier↔brand connection event (FULFILL_ORDERS by default; ACTIVE unless `status` says otherwise). */
    async fulfil(
      supplierId: string,
      brandId: string,
      opts: {
        connectionId?: string;
        status?: 'ACTIVE' | 'REVOKED' | 'DECLINED';
        scopes?: string[];
        occurredAt?: Date;
      } = {},
    ) {
      const connectionId = opts.connectionId ?? newId('con');
      const status = opts.status ?? 'ACTIVE';
      const payload = {
        connectionId,
        requesterId: supplierId,
        requesterKind: 'SUPPLIER' as const,
        partnerId: brandId,
        partnerKind: 'BRAND' as const,
        scopes: opts.scopes ?? ['CATALOG_READ', 'FULFILL_ORDERS'],
        status,
      };
      const meta = {
        aggregateId: connectionId,
        orgId: brandId,
        ...(opts.occurredAt ? { occurredAt: opts.occurredAt } : {}),
      };
      if (status === 'REVOKED')
        await h.emit('identity.connection.revoked', { ...payload, revokedByOrganizationId: brandId }, meta);
      else if (status === 'DECLINED') await h.emit('identity.connection.declined', payload, meta);
      else await h.emit('identity.connection.accepted', payload, meta);
      return connectionId;
    },
    async product(
      brandId: string,
      p: {
        productId?: string;
        name: string;
        status?: 'DRAFT' | 'ACTIVE' | 'ARCHIVED';
        variants: {
          variantId?: string;
          sku: string;
          options?: { name: string; value: string }[];
          msrp?: [string, string] | null;
        }[];
      },
    ) {
      const productId = p.productId ?? newId('prd', tenantKeyOf(brandId));
      const variants = p.variants.map((v) => ({
        variantId: v.variantId ?? newId('var', tenantKeyOf(brandId)),
        sku: v.sku,
        gtin: null,
        options: v.options ?? [],
        msrpMinor: v.msrp ? v.msrp[0] : null,
        currencyCode: v.msrp ? v.msrp[1] : null,
      }));
      await h.emit(
        'catalog.product.changed',
        { productId, brandId, name: p.name, status: p.status ?? 'ACTIVE', variants },
        { aggregateId: productId, orgId: brandId },
      );
      return { productId, variantIds: variants.map((v) => v.variantId) };
    },
    async offer(o: {
      supplierId: string;
      brandId: string;
      variantId: string;
      wholesale: [string, string];
      active?: boolean;
      offerId?: string;
    }) {
      const offerId = o.offerId ?? newId('ofr', 'supptenant01');
      await h.emit(
        'supplier.offer.changed',
        {
          offerId,
          supplierId: o.supplierId,
          brandId: o.brandId,
          variantId: o.variantId,
          wholesaleMinor: o.wholesale[0],
          currencyCode: o.wholesale[1],
          minimumOrderQuantity: 1,
          leadTimeDays: 2,
          active: o.active ?? true,
        },
        { aggregateId: offerId, orgId: o.supplierId },
      );
      return offerId;
    },
    async stock(s: { supplierId: string; brandId: string; variantId: string; totalAvailable: number }) {
      await h.emit(
        'supplier.stock.changed',
        {
          supplierId: s.supplierId,
          brandId: s.brandId,
          variantId: s.variantId,
          warehouseId: 'whs_supptenant01_1',
          onHand: s.totalAvailable,
          reserved: 0,
          available: s.totalAvailable,
          totalAvailable: s.totalAvailable,
          movement: 'ADJUSTED',
        },
        { aggregateId: `${s.supplierId}:${s.variantId}`, orgId: s.supplierId },
      );
    },
  };
}

export const CREATE_STOREFRONT = `mutation($i: CreateStorefrontInput!) { createStorefront(input: $i) {
  storefront { id slug name currencyCode defaultMarkupPercent published } userErrors { field message code } } }`;
export const PUBLISH = `mutation($i: PublishStorefrontInput!) { publishStorefront(input: $i) {
  storefront { id published } userErrors { code } } }`;
export const CREATE_LISTING = `mutation($i: CreateListingInput!) { createListing(input: $i) {
  listing { id title price { amount currencyCode } available status visible variant { id }
    pricing { mode basis markupPercent usesStorefrontDefault } }
  userErrors { field message code } } }`;
