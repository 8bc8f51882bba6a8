import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, startHarness } from './harness.ts';

/**
 * What supplier's writes and the events it consumes tell the router's entity
 * cache (events/cache-invalidations.ts), read from the feed as the router
 * reads it: `ProductVariant.availableQuantity` follows stock and
 * supplier↔brand connections; offers are not shown to shoppers.
 */

let h: Harness;
let supplier: string;
let brand: string;
let variants: string[];
let warehouse: string;

beforeAll(async () => {
  h = await startHarness();
  supplier = h.orgId();
  brand = h.orgId();
  variants = (await h.product(brand, { count: 2 })).variantIds;
}, 60_000);
afterAll(async () => h?.stop());

describe('supplier cache invalidations', () => {
  it('a supplier↔brand connection invalidates every variant; a supplier↔retailer one nothing', async () => {
    expect(await h.invalidatedBy(() => h.connect(supplier, brand, 'BRAND'))).toEqual(['ProductVariant:*']);
    expect(await h.invalidatedBy(() => h.connect(supplier, h.orgId(), 'RETAILER'))).toEqual([]);
  });

  it('stock received or reserved invalidates the variants it moved', async () => {
    warehouse = await h.warehouse(supplier);
    expect(await h.invalidatedBy(() => h.receive(supplier, warehouse, variants[0]!, 10))).toEqual([
      `ProductVariant:${variants[0]}`,
    ]);
    const received = await h.invalidatedBy(() =>
      h.call(
        `mutation($i: ReceiveStockInput!) { receiveStock(input: $i) { receipt { id } userErrors { code } } }`,
        {
          i: {
            warehouseId: warehouse,
            reference: 'TWO-LINES',
            lines: variants.map((variantId) => ({ variantId, quantity: 4 })),
          },
        },
        h.member(supplier, 'SUPPLIER'),
      ),
    );
    expect(received.sort()).toEqual(variants.map((id) => `ProductVariant:${id}`).sort());
    const reserved = await h.invalidatedBy(async () => {
      const res = await h.call(
        `mutation($i: ReserveStockInput!) { reserveStock(input: $i) { reservation { id status } userErrors { code } } }`,
        { i: { warehouseId: warehouse, variantId: variants[1], quantity: 2, reference: 'cart-1' } },
        h.member(supplier, 'SUPPLIER'),
      );
      expect(res.data?.reserveStock.reservation.status).toBe('ACTIVE');
    });
    expect(reserved).toEqual([`ProductVariant:${variants[1]}`]);
  });

  it('an offer changes nothing a shopper sees: no invalidation', async () => {
    expect(await h.invalidatedBy(() => h.offer(supplier, variants[0]!))).toEqual([]);
  });

  it('revoking the supplier↔brand connection invalidates every variant', async () => {
    expect(await h.invalidatedBy(() => h.connect(supplier, brand, 'BRAND', { status: 'REVOKED' }))).toEqual([
      'ProductVariant:*',
    ]);
  });
});
