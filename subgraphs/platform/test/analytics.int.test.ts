import type { OrderPlacedPayload } from '@tradegraph/contracts';
import { newId } from '@tradegraph/shared';
import { errorCode, member, orgId } from '@tradegraph/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  deliverTo,
  type PlatformHarness,
  PRICE_HISTORY,
  SALES,
  SELL_THROUGH,
  SUPPLIER_PERFORMANCE,
  staff,
  startPlatform,
  TOP_PRODUCTS,
} from './harness.ts';

let h: PlatformHarness;
beforeAll(async () => {
  h = await startPlatform();
});
afterAll(() => h?.stop());

type Line = {
  variantId: string;
  brandId: string;
  supplierId: string;
  quantity: number;
  unit: number;
  wholesale: number;
};

async function placed(retailerId: string, placedAt: string, lines: Line[]) {
  const orderId = newId('ord');
  const payload: OrderPlacedPayload = {
    orderId,
    number: 'TG-1',
    cartId: newId('crt'),
    retailerId,
    storefrontId: newId('sto'),
    customerId: null,
    currencyCode: 'EUR',
    totalMinor: String(lines.reduce((n, l) => n + l.unit * l.quantity, 0)),
    lines: lines.map((l) => ({
      orderLineId: newId('oln'),
      listingId: newId('lst'),
      variantId: l.variantId,
      brandId: l.brandId,
      supplierId: l.supplierId,
      groupId: newId('grp'),
      quantity: l.quantity,
      unitPriceMinor: String(l.unit),
      wholesaleUnitMinor: String(l.wholesale),
      title: `Title ${l.variantId}`,
    })),
    groups: [],
    placedAt,
  };
  await deliverTo(h, 'orders.order.placed', payload, { aggregateId: orderId, orgId: retailerId });
}

describe('sales roll-ups', () => {
  it('gives each party GMV, orders and AOV per day, top products and, for the brand, sell-through by retailer', async () => {
    const [r1, r2, brand, supplier] = [orgId(), orgId(), orgId(), orgId()];
    const shirt = {
      variantId: newId('var'),
      brandId: brand,
      supplierId: supplier,
      unit: 2000,
      wholesale: 1200,
    };
    const cap = { variantId: newId('var'), brandId: brand, supplierId: supplier, unit: 500, wholesale: 200 };
    await placed(r1, '2026-05-01T08:00:00.000Z', [
      { ...shirt, quantity: 1 },
      { ...cap, quantity: 4 },
    ]);
    await placed(r1, '2026-05-01T20:00:00.000Z', [{ ...shirt, quantity: 2 }]);
    await placed(r2, '2026-05-02T09:00:00.000Z', [{ ...cap, quantity: 1 }]);
    const filter = { from: '2026-05-01', to: '2026-05-31' };

    const retailerSales = await h.call(SALES, { filter }, member(r1, 'RETAILER'));
    expect(retailerSales.errors).toBeUndefined();
    expect(retailerSales.data.salesByDay).toEqual([
      {
        day: '2026-05-01',
        orders: 2,
        units: 7,
        gmv: { amount: '80.00', currencyCode: 'EUR' },
        averageOrderValue: { amount: '40.00', currencyCode: 'EUR' },
        confirmedOrders: 0,
        confirmedGmv: { amount: '0.00', currencyCode: 'EUR' },
      },
    ]);
    const supplierSales = await h.call(SALES, { filter }, member(supplier, 'SUPPLIER'));
    // wholesale: 1200 + 4×200 + 2×1200 = 4400 on the 1st over 2 orders; 200 on the 2nd
    expect(
      supplierSales.data.salesByDay.map((d: { day: string; orders: number; gmv: { amount: string } }) => [
        d.day,
        d.orders,
        d.gmv.amount,
      ]),
    ).toEqual([
      ['2026-05-01', 2, '44.00'],
      ['2026-05-02', 1, '2.00'],
    ]);

    const byUnits = await h.call(TOP_PRODUCTS, { filter, by: 'UNITS' }, member(brand, 'BRAND'));
    expect(
      byUnits.data.topProducts.map((p: { variantId: string; units: number }) => [p.variantId, p.units]),
    ).toEqual([
      [cap.variantId, 5],
      [shirt.variantId, 3],
    ]);
    const byGmv = await h.call(TOP_PRODUCTS, { filter, by: 'GMV', first: 1 }, member(brand, 'BRAND'));
    expect(byGmv.data.topProducts).toEqual([
      {
        variantId: shirt.variantId,
        title: `Title ${shirt.variantId}`,
        units: 3,
        gmv: { amount: '60.00', currencyCode: 'EUR' },
      },
    ]);

    const sell = await h.call(SELL_THROUGH, { filter }, member(brand, 'BRAND'));
    expect(sell.data.sellThrough).toEqual([
      {
        retailerId: r1,
        orders: 2,
        units: 7,
        gmv: { amount: '80.00', currencyCode: 'EUR' },
        shareOfUnits: 0.875,
      },
      {
        retailerId: r2,
        orders: 1,
        units: 1,
        gmv: { amount: '5.00', currencyCode: 'EUR' },
        shareOfUnits: 0.125,
      },
    ]);
    expect(errorCode(await h.call(SELL_THROUGH, { filter }, member(r1, 'RETAILER')))).toBe('FORBIDDEN');
    // another organisation sees none of it; staff may name it
    expect(
      errorCode(await h.call(SALES, { filter: { ...filter, organizationId: r1 } }, member(r2, 'RETAILER'))),
    ).toBe('FORBIDDEN');
    expect((await h.call(SALES, { filter }, member(orgId(), 'RETAILER'))).data.salesByDay).toEqual([]);
    const asStaff = await h.call(SALES, { filter: { ...filter, organizationId: r1 } }, staff());
    expect(asStaff.data.salesByDay).toEqual(retailerSales.data.salesByDay);
  });
});

describe('supplier performance', () => {
  it('computes fill rate and lead time from the saga request, the answer and the shipment, in any arrival order', async () => {
    const supplier = orgId();
    const day = '2026-06-10';
    const at = (time: string) => new Date(`${day}T${time}Z`);
    const groups = [newId('grp'), newId('grp'), newId('grp')];
    const orderId = newId('ord');
    // the shipment of group 0 arrives before the request that opened it
    await deliverTo(
      h,
      'supplier.shipment.changed',
      {
        shipmentId: newId('shp'),
        orderId,
        groupId: groups[0]!,
        supplierId: supplier,
        status: 'SHIPPED',
        carrier: 'DHL',
        trackingNumber: '1',
        lines: [],
        at: at('16:00:00').toISOString(),
      },
      { aggregateId: groups[0]!, orgId: supplier },
    );
    for (const [i, g] of groups.entries()) {
      await deliverTo(
        h,
        'orders.reservation.requested',
        {
          orderId,
          groupId: g,
          supplierId: supplier,
          retailerId: orgId(),
          lines: [{ orderLineId: 'oln', variantId: 'var', brandId: 'org_b', quantity: 2 + i }],
          deadline: at('12:00:00').toISOString(),
        },
        { aggregateId: g, orgId: supplier, occurredAt: at('10:00:00') },
      );
    }
    for (const g of groups.slice(0, 2)) {
      await deliverTo(
        h,
        'supplier.fulfillment.reserved',
        {
          orderId,
          groupId: g,
          supplierId: supplier,
          reservations: [{ orderLineId: 'oln', reservationId: 'res', warehouseId: 'whs', quantity: 2 }],
        },
        { aggregateId: g, orgId: supplier, occurredAt: at('10:00:01') },
      );
    }
    await deliverTo(
      h,
      'supplier.fulfillment.rejected',
      { orderId, groupId: groups[2]!, supplierId: supplier, reason: 'OUT_OF_STOCK', lines: [] },
      { aggregateId: groups[2]!, orgId: supplier, occurredAt: at('10:00:01') },
    );
    const res = await h.call(
      SUPPLIER_PERFORMANCE,
      { filter: { from: day, to: day } },
      member(supplier, 'SUPPLIER'),
    );
    expect(res.errors).toBeUndefined();
    expect(res.data.supplierPerformance).toEqual([
      {
        day,
        requested: 3,
        reserved: 2,
        rejected: 1,
        fillRate: 2 / 3,
        unitsRequested: 9,
        unitsReserved: 4,
        shipped: 1,
        averageLeadTimeHours: 6,
      },
    ]);
    expect(errorCode(await h.call(SUPPLIER_PERFORMANCE, {}, member(orgId(), 'BRAND')))).toBe('FORBIDDEN');
  });
});

describe('price history', () => {
  it('keeps price changes per offer and listing; the brand sees all of its variant, a supplier only its own', async () => {
    const [brand, supplier, otherSupplier, retailer] = [orgId(), orgId(), orgId(), orgId()];
    const variantId = newId('var');
    const offerId = newId('off');
    const offer = (wholesaleMinor: string, supplierId = supplier, id = offerId) => ({
      offerId: id,
      supplierId,
      brandId: brand,
      variantId,
      wholesaleMinor,
      currencyCode: 'EUR',
      minimumOrderQuantity: 1,
      leadTimeDays: 2,
      active: true,
    });
    const t = (m: number) => new Date(Date.parse('2026-07-01T00:00:00Z') + m * 60_000);
    await deliverTo(h, 'supplier.offer.changed', offer('1000'), {
      aggregateId: offerId,
      orgId: supplier,
      occurredAt: t(0),
    });
    await deliverTo(
      h,
      'supplier.offer.changed',
      { ...offer('1000'), leadTimeDays: 5 },
      { aggregateId: offerId, orgId: supplier, occurredAt: t(1) },
    );
    await deliverTo(h, 'supplier.offer.changed', offer('900'), {
      aggregateId: offerId,
      orgId: supplier,
      occurredAt: t(2),
    });
    const otherOffer = newId('off');
    await deliverTo(h, 'supplier.offer.changed', offer('950', otherSupplier, otherOffer), {
      aggregateId: otherOffer,
      orgId: otherSupplier,
      occurredAt: t(3),
    });
    const listingId = newId('lst');
    await deliverTo(
      h,
      'retailer.listing.changed',
      {
        listingId,
        retailerId: retailer,
        storefrontId: 'sto',
        variantId,
        brandId: brand,
        visible: true,
        removed: false,
        priceMinor: '1999',
        currencyCode: 'EUR',
      },
      { aggregateId: listingId, orgId: retailer, occurredAt: t(4) },
    );

    const forBrand = await h.call(PRICE_HISTORY, { variantId }, member(brand, 'BRAND'));
    expect(forBrand.errors).toBeUndefined();
    expect(
      forBrand.data.priceHistory.map(
        (p: { kind: string; organizationId: string; price: { amount: string } }) => [
          p.kind,
          p.organizationId,
          p.price.amount,
        ],
      ),
    ).toEqual([
      ['RETAIL', retailer, '19.99'],
      ['WHOLESALE', otherSupplier, '9.50'],
      ['WHOLESALE', supplier, '9.00'],
      ['WHOLESALE', supplier, '10.00'],
    ]);
    const forSupplier = await h.call(PRICE_HISTORY, { variantId }, member(supplier, 'SUPPLIER'));
    expect(forSupplier.data.priceHistory.map((p: { price: { amount: string } }) => p.price.amount)).toEqual([
      '9.00',
      '10.00',
    ]);
    expect(
      (await h.call(PRICE_HISTORY, { variantId }, member(orgId(), 'RETAILER'))).data.priceHistory,
    ).toEqual([]);
    expect((await h.call(PRICE_HISTORY, { variantId, first: 2 }, staff())).data.priceHistory).toHaveLength(2);
  });
});
