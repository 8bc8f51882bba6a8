import { newId, tenantKeyOf } from '@tradegraph/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, startHarness, waitFor } from './harness.ts';

/** The projections this service keeps from identity and catalog events. */

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => h?.stop());

describe('identity.organization.created', () => {
  it('provisions a tenant database for a new supplier, and only for suppliers', async () => {
    const supplier = h.orgId();
    const brand = h.orgId();
    for (const [id, kind] of [
      [brand, 'BRAND'],
      [supplier, 'SUPPLIER'],
    ] as const) {
      await h.emit(
        'identity.organization.created',
        { organizationId: id, name: kind, kind, slug: id.toLowerCase(), createdByUserId: null },
        { aggregateId: id, orgId: id },
      );
    }
    await waitFor(
      async () => (await h.sql('select 1 from tenants where organization_id = ?', [supplier])).length > 0,
    );
    const [tenant] = await h.sql('select tenant_key, kind, db_name from tenants where organization_id = ?', [
      supplier,
    ]);
    expect(tenant).toEqual({
      tenant_key: tenantKeyOf(supplier),
      kind: 'SUPPLIER',
      db_name: `${h.db.DB_PREFIX}supplier_${tenantKeyOf(supplier)}`,
    });
    const tables = await h.sql('show tables', [], supplier);
    expect(tables.map((t) => Object.values(t)[0]).sort()).toEqual([
      'fulfillment_group_lines',
      'fulfillment_groups',
      'fulfillment_orders',
      'fulfillment_reservations',
      'inventory_levels',
      'offers',
      'reservations',
      'schema_migrations',
      'shipment_lines',
      'shipments',
      'stock_movements',
      'stock_receipts',
      'warehouses',
    ]);
    expect(await h.sql('select count(*) n from tenants where organization_id = ?', [brand])).toEqual([
      { n: 0 },
    ]);
  });
});

describe('identity.connection.*', () => {
  it('keeps one row per connection, normalised to the supplier side, FULFILL_ORDERS only when ACTIVE', async () => {
    const supplier = h.orgId();
    const retailer = h.orgId();
    const connectionId = await h.connect(supplier, retailer, 'RETAILER', { status: 'PENDING' });
    const row = async () =>
      (
        await h.sql(
          'select supplier_id, partner_id, partner_kind, status, can_fulfill from partner_access where connection_id = ?',
          [connectionId],
        )
      )[0];
    expect(await row()).toEqual({
      supplier_id: supplier,
      partner_id: retailer,
      partner_kind: 'RETAILER',
      status: 'PENDING',
      can_fulfill: 0,
    });
    await h.connect(supplier, retailer, 'RETAILER', { status: 'ACTIVE' });
    expect(await row()).toMatchObject({ status: 'ACTIVE', can_fulfill: 1 });
  });

  it('ignores connections without a supplier and events older than what it applied', async () => {
    const supplier = h.orgId();
    const brand = h.orgId();
    const connectionId = await h.connect(supplier, brand, 'BRAND', { status: 'ACTIVE' });
    // a late, older "requested" (PENDING) must not undo the acceptance
    const stale = await h.emit(
      'identity.connection.requested',
      {
        connectionId,
        requesterId: supplier,
        requesterKind: 'SUPPLIER',
        partnerId: brand,
        partnerKind: 'BRAND',
        scopes: ['CATALOG_READ', 'FULFILL_ORDERS'],
        status: 'PENDING',
      },
      { aggregateId: connectionId, orgId: supplier, occurredAt: new Date(Date.now() - 60_000) },
    );
    // brand ↔ retailer is none of this service's business
    const other = newId('con');
    const otherEvent = await h.emit(
      'identity.connection.accepted',
      {
        connectionId: other,
        requesterId: h.orgId(),
        requesterKind: 'BRAND',
        partnerId: h.orgId(),
        partnerKind: 'RETAILER',
        scopes: ['SELL_PRODUCTS'],
        status: 'ACTIVE',
      },
      { aggregateId: other, orgId: null },
    );
    await waitFor(
      async () => (await h.sql('select 1 from processed_events where event_id = ?', [stale.id])).length > 0,
      'stale event processed',
    );
    expect(
      await h.sql('select status, can_fulfill from partner_access where connection_id = ?', [connectionId]),
    ).toEqual([{ status: 'ACTIVE', can_fulfill: 1 }]);
    await waitFor(
      async () =>
        (await h.sql('select 1 from processed_events where event_id = ?', [otherEvent.id])).length > 0,
      'unrelated event processed',
    );
    expect(await h.sql('select count(*) n from partner_access where connection_id = ?', [other])).toEqual([
      { n: 0 },
    ]);
  });
});

describe('catalog.product.changed', () => {
  it('projects variants with the brand and status, and marks dropped variants REMOVED', async () => {
    const brand = h.orgId();
    const { productId, variantIds } = await h.product(brand, { count: 3 });
    const rows = await h.sql(
      'select variant_id, brand_id, status, msrp_minor, currency_code from catalog_variants where product_id = ? order by variant_id',
      [productId],
    );
    expect(rows).toHaveLength(3);
    expect(rows.every((r) => r.brand_id === brand && r.status === 'ACTIVE' && r.msrp_minor === '1999')).toBe(
      true,
    );
    // the product loses a variant and is archived
    await h.product(brand, { productId, variantIds: variantIds.slice(0, 2), status: 'ARCHIVED' });
    const after = await h.sql('select variant_id, status from catalog_variants where product_id = ?', [
      productId,
    ]);
    expect(Object.fromEntries(after.map((r) => [r.variant_id, r.status]))).toEqual({
      [variantIds[0]!]: 'ARCHIVED',
      [variantIds[1]!]: 'ARCHIVED',
      [variantIds[2]!]: 'REMOVED',
    });
  });

  it('ignores an older snapshot arriving late', async () => {
    const brand = h.orgId();
    const { productId, variantIds } = await h.product(brand, { count: 1 });
    const late = await h.emit(
      'catalog.product.changed',
      {
        productId,
        brandId: brand,
        name: 'old',
        status: 'DRAFT',
        variants: [
          {
            variantId: variantIds[0]!,
            sku: 'OLD',
            gtin: null,
            options: [],
            msrpMinor: null,
            currencyCode: null,
          },
        ],
      },
      { aggregateId: productId, orgId: brand, occurredAt: new Date(Date.now() - 60_000) },
    );
    await waitFor(
      async () => (await h.sql('select 1 from processed_events where event_id = ?', [late.id])).length > 0,
    );
    expect(
      await h.sql('select status, sku <> ? fresh from catalog_variants where variant_id = ?', [
        'OLD',
        variantIds[0],
      ]),
    ).toEqual([{ status: 'ACTIVE', fresh: 1 }]);
  });
});
