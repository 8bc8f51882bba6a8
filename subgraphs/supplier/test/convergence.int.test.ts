import { newId, tenantKeyOf } from '@tradegraph/shared';
import fc from 'fast-check';
import { createConnection } from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADDRESS, type Harness, startHarness } from './harness.ts';

/**
 * Projections through the real consumer: the events of a chain (connection
 * requested → accepted → revoked → accepted again; a product drafted,
 * published with a variant more, archived, re-published without it) arrive
 * in random orders, and partner_access and catalog_variants end as the events
 * in time order leave them. Then the read-your-writes step of issue 7:
 * upsertOffer right after the brand's publish, with no wait in between.
 */

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ RESERVATION_SWEEP_INTERVAL_MS: '0' });
});
afterAll(() => h?.stop());

const T0 = Date.parse('2026-11-29T10:00:00.000Z');

async function chainInOrder(seed: number) {
  const supplier = newId('org');
  const brand = newId('org');
  const connectionId = newId('con');
  const productId = newId('prd', tenantKeyOf(brand));
  const [v1, v2] = [newId('var', tenantKeyOf(brand)), newId('var', tenantKeyOf(brand))];
  const connection = (status: 'PENDING' | 'ACTIVE' | 'REVOKED') => ({
    connectionId,
    requesterId: brand,
    requesterKind: 'BRAND' as const,
    partnerId: supplier,
    partnerKind: 'SUPPLIER' as const,
    scopes: ['CATALOG_READ', 'FULFILL_ORDERS'],
    status,
  });
  const product = (status: 'DRAFT' | 'ACTIVE' | 'ARCHIVED', variants: string[]) => ({
    productId,
    brandId: brand,
    name: `Chain ${seed}`,
    status,
    variants: variants.map((variantId) => ({
      variantId,
      sku: `SKU-${variantId.slice(-6)}`,
      gtin: null,
      options: [],
      msrpMinor: '1000',
      currencyCode: 'EUR',
    })),
  });
  const conn = { aggregateId: connectionId, orgId: brand, source: 'identity' };
  const prod = { aggregateId: productId, orgId: brand, source: 'catalog' };
  const sends = [
    (ms: number) =>
      h.emit('identity.connection.requested', connection('PENDING'), {
        ...conn,
        occurredAt: new Date(T0 + ms),
      }),
    (ms: number) =>
      h.emit('identity.connection.accepted', connection('ACTIVE'), {
        ...conn,
        occurredAt: new Date(T0 + ms),
      }),
    (ms: number) =>
      h.emit(
        'identity.connection.revoked',
        { ...connection('REVOKED'), revokedByOrganizationId: brand },
        {
          ...conn,
          occurredAt: new Date(T0 + ms),
        },
      ),
    (ms: number) =>
      h.emit('identity.connection.accepted', connection('ACTIVE'), {
        ...conn,
        occurredAt: new Date(T0 + ms),
      }),
    (ms: number) =>
      h.emit('catalog.product.changed', product('DRAFT', [v1]), { ...prod, occurredAt: new Date(T0 + ms) }),
    (ms: number) =>
      h.emit('catalog.product.changed', product('ACTIVE', [v1, v2]), {
        ...prod,
        occurredAt: new Date(T0 + ms),
      }),
    (ms: number) =>
      h.emit('catalog.product.changed', product('ARCHIVED', [v1, v2]), {
        ...prod,
        occurredAt: new Date(T0 + ms),
      }),
    (ms: number) =>
      h.emit('catalog.product.changed', product('ACTIVE', [v1]), { ...prod, occurredAt: new Date(T0 + ms) }),
  ];
  return { supplier, brand, connectionId, productId, v1, v2, sends };
}

describe('projections converge whatever order events arrive in', () => {
  it('partner_access and catalog_variants end as in time order, over random arrival orders', async () => {
    const orders = fc.sample(fc.shuffledSubarray([0, 1, 2, 3, 4, 5, 6, 7], { minLength: 8, maxLength: 8 }), {
      numRuns: 6,
      seed: 7,
    });
    for (const [seed, order] of orders.entries()) {
      const chain = await chainInOrder(seed);
      // the index in `sends` is the event's instant: the arrival order is the permutation
      const envelopes = [];
      for (const i of order) envelopes.push(await chain.sends[i]!(i * 10));
      for (const e of envelopes) await h.processed(e.id);
      const access = await h.sql('select status, can_fulfill from partner_access where connection_id = ?', [
        chain.connectionId,
      ]);
      expect(access, `order ${order}`).toEqual([{ status: 'ACTIVE', can_fulfill: 1 }]);
      const variants = await h.sql(
        'select variant_id, status, brand_id from catalog_variants where product_id = ? order by variant_id',
        [chain.productId],
      );
      expect(variants, `order ${order}`).toEqual(
        [
          { variant_id: chain.v1, status: 'ACTIVE', brand_id: chain.brand },
          { variant_id: chain.v2, status: 'REMOVED', brand_id: chain.brand },
        ].sort((a, b) => (a.variant_id < b.variant_id ? -1 : 1)),
      );
    }
  });
});

describe('read your writes across services', () => {
  const UPSERT = `mutation($i: UpsertOfferInput!) { upsertOffer(input: $i) { offer { id active } userErrors { code } } }`;

  it('upsertOffer right after the brand publishes waits for the catalog projection instead of refusing', async () => {
    const supplier = newId('org');
    const brand = newId('org');
    await h.connect(supplier, brand, 'BRAND');
    const draft = await h.product(brand, { status: 'DRAFT' });
    // the supplier's database exists already (its first write provisions it, which takes a while)
    const warehouse = await h.call(
      `mutation($i: CreateWarehouseInput!) { createWarehouse(input: $i) { userErrors { code } } }`,
      { i: { name: 'Main', address: ADDRESS } },
      h.member(supplier, 'SUPPLIER'),
    );
    expect(warehouse.data?.createWarehouse.userErrors).toEqual([]);
    // Hold the consumer back: applying the publish needs the product's rows, locked here for a moment.
    const lock = await createConnection({
      host: h.db.DB_HOST,
      port: h.db.DB_PORT,
      user: h.db.DB_USER,
      password: h.db.DB_PASSWORD,
      database: `${h.db.DB_PREFIX}supplier`,
    });
    try {
      await lock.beginTransaction();
      await lock.query('select variant_id from catalog_variants where product_id = ? for update', [
        draft.productId,
      ]);
      await h.emit(
        'catalog.product.changed',
        {
          productId: draft.productId,
          brandId: brand,
          name: 'Published',
          status: 'ACTIVE',
          variants: draft.variantIds.map((variantId) => ({
            variantId,
            sku: `SKU-${variantId.slice(-6)}`,
            gtin: null,
            options: [],
            msrpMinor: '1000',
            currencyCode: 'EUR',
          })),
        },
        { aggregateId: draft.productId, orgId: brand, source: 'catalog' },
      );
      const upsert = h.call(
        UPSERT,
        {
          i: {
            variantId: draft.variantIds[0],
            wholesalePrice: { amount: '5.00', currencyCode: 'EUR' },
            minimumOrderQuantity: 1,
            leadTimeDays: 2,
          },
        },
        h.member(supplier, 'SUPPLIER'),
      );
      await new Promise((r) => setTimeout(r, 300));
      await lock.commit();
      expect((await upsert).data?.upsertOffer).toMatchObject({ offer: { active: true }, userErrors: [] });
    } finally {
      await lock.end();
    }
  });
});
