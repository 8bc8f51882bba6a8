import type { OrderPlacedPayload } from '@tradegraph/contracts';
import { describe, expect, it } from 'vitest';
import { dayRange, orderSales, pricePointOf } from './analytics.ts';

const line = (o: Partial<OrderPlacedPayload['lines'][number]>): OrderPlacedPayload['lines'][number] => ({
  orderLineId: 'oln_1',
  listingId: 'lst_1',
  variantId: 'var_a',
  brandId: 'org_b1',
  supplierId: 'org_s1',
  groupId: 'grp_1',
  quantity: 1,
  unitPriceMinor: '1000',
  wholesaleUnitMinor: '600',
  title: 'A',
  ...o,
});

describe('orderSales', () => {
  it('gives the retailer the order total, each brand its lines at retail and each supplier its lines at wholesale', () => {
    const sales = orderSales({
      orderId: 'ord_1',
      number: 'TG-1',
      cartId: 'crt_1',
      retailerId: 'org_r',
      storefrontId: 'sto_1',
      customerId: null,
      currencyCode: 'EUR',
      totalMinor: '4500',
      lines: [
        line({ quantity: 2 }),
        line({
          orderLineId: 'oln_2',
          variantId: 'var_b',
          brandId: 'org_b2',
          quantity: 1,
          unitPriceMinor: '2500',
          wholesaleUnitMinor: '1500',
          title: 'B',
        }),
      ],
      groups: [],
      placedAt: '2026-11-03T23:59:59.000Z',
    });
    expect(sales.parties).toEqual(
      expect.arrayContaining([
        { organizationId: 'org_r', role: 'RETAILER', units: 3, gmvMinor: 4500n },
        { organizationId: 'org_b1', role: 'BRAND', units: 2, gmvMinor: 2000n },
        { organizationId: 'org_b2', role: 'BRAND', units: 1, gmvMinor: 2500n },
        { organizationId: 'org_s1', role: 'SUPPLIER', units: 3, gmvMinor: 2700n },
      ]),
    );
    expect(sales.parties).toHaveLength(4);
    expect(sales.products).toContainEqual({
      organizationId: 'org_s1',
      variantId: 'var_a',
      title: 'A',
      units: 2,
      gmvMinor: 1200n,
    });
    expect(sales.products).toContainEqual({
      organizationId: 'org_r',
      variantId: 'var_b',
      title: 'B',
      units: 1,
      gmvMinor: 2500n,
    });
    expect(sales.brandRetailer).toEqual([
      { brandId: 'org_b1', retailerId: 'org_r', units: 2, gmvMinor: 2000n },
      { brandId: 'org_b2', retailerId: 'org_r', units: 1, gmvMinor: 2500n },
    ]);
  });
});

describe('dayRange', () => {
  const now = new Date('2026-11-20T15:00:00Z');
  it('defaults to the 30 days up to today and accepts explicit days', () => {
    expect(dayRange(null, now)).toEqual({ from: '2026-10-21', to: '2026-11-20' });
    expect(dayRange({ from: '2026-11-01', to: '2026-11-30' }, now)).toEqual({
      from: '2026-11-01',
      to: '2026-11-30',
    });
  });
  it('refuses malformed or impossible days, a reversed range and one longer than 366 days', () => {
    expect(() => dayRange({ from: '2026-02-30' }, now)).toThrow('from must be a day written YYYY-MM-DD');
    expect(() => dayRange({ to: '20261101' }, now)).toThrow('to must be a day');
    expect(() => dayRange({ from: '2026-11-02', to: '2026-11-01' }, now)).toThrow(
      'from must not be after to',
    );
    expect(() => dayRange({ from: '2025-01-01', to: '2026-11-01' }, now)).toThrow('at most 366 days');
  });
});

describe('pricePointOf', () => {
  const event = { id: '01JZ0000000000000000000000', occurredAt: '2026-11-01T10:00:00.000Z' };
  it('takes an active offer’s wholesale price and a listed retail price; withdrawn, removed or unpriced set none', () => {
    const offer = {
      offerId: 'off_1',
      supplierId: 'org_s',
      brandId: 'org_b',
      variantId: 'var_1',
      wholesaleMinor: '750',
      currencyCode: 'EUR',
      minimumOrderQuantity: 1,
      leadTimeDays: 3,
      active: true,
    };
    expect(pricePointOf(event, { kind: 'WHOLESALE', offer })).toMatchObject({
      kind: 'WHOLESALE',
      organizationId: 'org_s',
      sourceId: 'off_1',
      priceMinor: 750n,
    });
    expect(pricePointOf(event, { kind: 'WHOLESALE', offer: { ...offer, active: false } })).toBeNull();
    const listing = {
      listingId: 'lst_1',
      retailerId: 'org_r',
      storefrontId: 'sto_1',
      variantId: 'var_1',
      brandId: 'org_b',
      visible: true,
      removed: false,
      priceMinor: '1299',
      currencyCode: 'EUR',
    };
    expect(pricePointOf(event, { kind: 'RETAIL', listing })).toMatchObject({
      kind: 'RETAIL',
      organizationId: 'org_r',
      priceMinor: 1299n,
    });
    expect(pricePointOf(event, { kind: 'RETAIL', listing: { ...listing, removed: true } })).toBeNull();
    const { priceMinor: _, ...unpriced } = listing;
    expect(pricePointOf(event, { kind: 'RETAIL', listing: unpriced })).toBeNull();
  });
});
