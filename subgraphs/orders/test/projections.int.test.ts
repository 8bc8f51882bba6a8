import { member, orgId } from '@tradegraph/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type OrdersHarness, RULES, SET_RULES, startOrders } from './harness.ts';

let h: OrdersHarness;
beforeAll(async () => {
  h = await startOrders();
});
afterAll(() => h?.stop());

describe('checkout projections (consumers)', () => {
  it('keeps the newest cart, offer, stock total and connection whatever the arrival order', async () => {
    const retailer = orgId();
    const supplier = orgId();
    const brand = orgId();
    const t = Date.now();
    const cart = (quantity: number) => ({
      cartId: 'crt_P1',
      retailerId: retailer,
      storefrontId: 'sfr_1',
      currencyCode: 'EUR',
      customerId: null,
      status: 'OPEN' as const,
      lines: [
        {
          lineId: 'l1',
          listingId: 'lst_1',
          variantId: 'var_1',
          brandId: brand,
          quantity,
          unitPriceMinor: '1000',
          title: 'Mug',
        },
      ],
    });
    await h.deliver('retailer.cart.changed', cart(3), {
      aggregateId: 'crt_P1',
      orgId: retailer,
      occurredAt: new Date(t),
    });
    await h.deliver('retailer.cart.changed', cart(1), {
      aggregateId: 'crt_P1',
      orgId: retailer,
      occurredAt: new Date(t - 50),
    });
    const [c] = await h.sql('select cart_lines from carts where cart_id = ?', ['crt_P1']);
    expect(c!.cart_lines[0].quantity).toBe(3);

    const stock = (total: number) => ({
      supplierId: supplier,
      brandId: brand,
      variantId: 'var_1',
      warehouseId: 'wh_1',
      onHand: total,
      reserved: 0,
      available: total,
      totalAvailable: total,
      movement: 'RECEIVED' as const,
    });
    const agg = `${supplier}:var_1`;
    await h.deliver('supplier.stock.changed', stock(7), {
      aggregateId: agg,
      orgId: supplier,
      occurredAt: new Date(t),
    });
    await h.deliver('supplier.stock.changed', stock(99), {
      aggregateId: agg,
      orgId: supplier,
      occurredAt: new Date(t - 10),
    });
    const [s] = await h.sql('select total_available from stock_totals where supplier_id = ?', [supplier]);
    expect(s!.total_available).toBe(7);

    const conn = (status: 'ACTIVE' | 'REVOKED') => ({
      connectionId: 'con_P1',
      requesterId: brand,
      requesterKind: 'BRAND' as const,
      partnerId: supplier,
      partnerKind: 'SUPPLIER' as const,
      scopes: ['CATALOG_READ', 'FULFILL_ORDERS'],
      status,
    });
    await h.deliver(
      'identity.connection.revoked',
      { ...conn('REVOKED'), revokedByOrganizationId: brand },
      {
        aggregateId: 'con_P1',
        orgId: brand,
        occurredAt: new Date(t),
      },
    );
    await h.deliver('identity.connection.accepted', conn('ACTIVE'), {
      aggregateId: 'con_P1',
      orgId: brand,
      occurredAt: new Date(t - 5),
    });
    const [fc] = await h.sql('select active, status from fulfil_connections where connection_id = ?', [
      'con_P1',
    ]);
    expect(fc).toEqual({ active: 0, status: 'REVOKED' });
  });
});

describe('fulfilment rules', () => {
  it('sets and reads a retailer’s rules; refuses bad input and other kinds', async () => {
    const retailer = member(orgId(), 'RETAILER');
    expect((await h.call(RULES, {}, retailer)).data.fulfillmentRules).toEqual({
      supplierPriority: [],
      maxSuppliersPerOrder: null,
      updatedAt: null,
    });
    const s1 = orgId();
    const s2 = orgId();
    const res = await h.call(
      SET_RULES,
      { input: { supplierPriority: [s1, s2], maxSuppliersPerOrder: 2 } },
      retailer,
    );
    expect(res.data.setFulfillmentRules).toEqual({
      fulfillmentRules: { supplierPriority: [s1, s2], maxSuppliersPerOrder: 2 },
      userErrors: [],
    });
    expect((await h.call(RULES, {}, retailer)).data.fulfillmentRules.supplierPriority).toEqual([s1, s2]);
    const dup = await h.call(SET_RULES, { input: { supplierPriority: [s1, s1] } }, retailer);
    expect(dup.data.setFulfillmentRules.userErrors[0].code).toBe('INVALID');
    const brand = await h.call(SET_RULES, { input: { supplierPriority: [] } }, member(orgId(), 'BRAND'));
    expect(brand.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });
});
