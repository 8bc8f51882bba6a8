import type {
  CartChangedPayload,
  ConnectionEventPayload,
  ListingChangedPayload,
  SubscriptionChangedPayload,
} from '@tradegraph/contracts';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  cartUpdate,
  connectionUpdate,
  listingPriceUpdate,
  offerUpdate,
  platformFeeUpdate,
  stockUpdate,
} from './projections.ts';

/**
 * The projection decisions converge: whatever order a row's events arrive in,
 * the row ends as the events in time order leave it (the consumer reads the
 * stored row, asks the decision, writes its answer).
 */
const T0 = Date.parse('2026-11-29T10:00:00.000Z');
const at = (ms: number) => new Date(T0 + ms).toISOString();
const permutation = <T>(items: T[]) =>
  fc.shuffledSubarray(items, { minLength: items.length, maxLength: items.length });

function project<P, R extends { eventAt: Date }>(
  decide: (stored: R | null, p: P, at: string) => R | null,
  events: { p: P; ms: number }[],
): R | null {
  let row: R | null = null;
  for (const e of events) row = decide(row, e.p, at(e.ms)) ?? row;
  return row;
}

const cart = (status: CartChangedPayload['status'], quantity: number): CartChangedPayload => ({
  cartId: 'crt_1',
  retailerId: 'org_r',
  storefrontId: 'sfr_1',
  currencyCode: 'EUR',
  customerId: null,
  status,
  lines: [
    {
      lineId: 'l1',
      listingId: 'lst_1',
      variantId: 'var_1',
      brandId: 'org_b',
      quantity,
      unitPriceMinor: '1000',
      title: 'T',
    },
  ],
});

describe('carts (retailer.cart.changed)', () => {
  const event = fc.record({
    p: fc.tuple(fc.constantFrom('OPEN', 'CHECKED_OUT', 'EXPIRED' as const), fc.integer({ min: 1, max: 9 })),
    ms: fc.integer({ min: 0, max: 3 }),
  });
  it('ends in the same state for every arrival order of distinct instants', () => {
    fc.assert(
      fc.property(
        fc
          .uniqueArray(event, { minLength: 1, maxLength: 6, selector: (e) => e.ms })
          .chain((es) => fc.tuple(permutation(es), permutation(es))),
        ([a, b]) => {
          const map = (es: typeof a) => es.map((e) => ({ p: cart(e.p[0], e.p[1]), ms: e.ms }));
          expect(project(cartUpdate, map(a))).toEqual(project(cartUpdate, map(b)));
        },
      ),
      { numRuns: 200 },
    );
  });
  it('ignores an older cart state and never reopens a cart closed at the same instant', () => {
    const newer = cartUpdate(null, cart('OPEN', 5), at(10))!;
    expect(cartUpdate(newer, cart('OPEN', 1), at(5))).toBeNull();
    const closed = cartUpdate(null, cart('CHECKED_OUT', 5), at(10))!;
    expect(cartUpdate(closed, cart('OPEN', 5), at(10))).toBeNull();
    expect(cartUpdate(newer, cart('CHECKED_OUT', 5), at(10))?.status).toBe('CHECKED_OUT');
    expect(newer.lines[0]).toMatchObject({ quantity: 5, unitPriceMinor: 1000 });
  });
});

describe('listing prices (retailer.listing.changed)', () => {
  const listing = (priceMinor: string | undefined, removed = false): ListingChangedPayload => ({
    listingId: 'lst_1',
    retailerId: 'org_r',
    storefrontId: 'sfr_1',
    variantId: 'var_1',
    brandId: 'org_b',
    visible: !removed,
    removed,
    ...(priceMinor === undefined ? {} : { priceMinor, currencyCode: 'EUR', title: 'T' }),
  });
  it('keeps the newest price; a removal at the same instant wins; an old event has no price', () => {
    const a = listingPriceUpdate(null, listing('1200'), at(10))!;
    expect(a).toMatchObject({ priceMinor: 1200, sellable: true, currencyCode: 'EUR' });
    expect(listingPriceUpdate(a, listing('900'), at(5))).toBeNull();
    const removed = listingPriceUpdate(a, listing('1200', true), at(10))!;
    expect(removed.sellable).toBe(false);
    expect(listingPriceUpdate(removed, listing('1200'), at(10))).toBeNull();
    expect(listingPriceUpdate(null, listing(undefined), at(1))?.priceMinor).toBeNull();
    expect(listingPriceUpdate(null, listing('12.00'), at(1))?.priceMinor).toBeNull();
  });
});

describe('offers and stock totals (supplier.offer.changed, supplier.stock.changed)', () => {
  const offer = (wholesaleMinor: string, active: boolean) => ({
    offerId: 'off_1',
    supplierId: 'org_s',
    brandId: 'org_b',
    variantId: 'var_1',
    wholesaleMinor,
    currencyCode: 'EUR',
    minimumOrderQuantity: 2,
    leadTimeDays: 3,
    active,
  });
  it('applies only newer offer states, and an unparseable price leaves the offer inactive', () => {
    const a = offerUpdate(null, offer('500', true), at(10))!;
    expect(a).toMatchObject({ wholesaleMinor: 500, active: true, minimumOrderQuantity: 2 });
    expect(offerUpdate(a, offer('400', false), at(9))).toBeNull();
    expect(offerUpdate(a, offer('400', false), at(11))?.active).toBe(false);
    expect(offerUpdate(null, offer('x', true), at(1))?.active).toBe(false);
  });
  it('keeps the newest total of a supplier variant whatever the arrival order', () => {
    fc.assert(
      fc.property(
        fc
          .uniqueArray(fc.record({ total: fc.nat(50), ms: fc.nat(20) }), {
            minLength: 1,
            maxLength: 6,
            selector: (e) => e.ms,
          })
          .chain((es) => permutation(es)),
        (es) => {
          const events = es.map((e) => ({
            p: {
              supplierId: 'org_s',
              brandId: 'org_b',
              variantId: 'var_1',
              warehouseId: 'wh_1',
              onHand: e.total,
              reserved: 0,
              available: e.total,
              totalAvailable: e.total,
              movement: 'ADJUSTED' as const,
            },
            ms: e.ms,
          }));
          const newest = [...es].sort((a, b) => b.ms - a.ms)[0]!;
          expect(project(stockUpdate, events)?.totalAvailable).toBe(newest.total);
        },
      ),
    );
  });
});

describe('FULFILL_ORDERS connections (identity.connection.*)', () => {
  const conn = (
    status: ConnectionEventPayload['status'],
    scopes = ['CATALOG_READ', 'FULFILL_ORDERS'],
  ): ConnectionEventPayload => ({
    connectionId: 'con_1',
    requesterId: 'org_b',
    requesterKind: 'BRAND',
    partnerId: 'org_s',
    partnerKind: 'SUPPLIER',
    scopes,
    status,
  });
  it('is active only when ACTIVE with FULFILL_ORDERS; a revocation at the same instant wins; other pairs ignored', () => {
    const active = connectionUpdate(null, conn('ACTIVE'), at(10))!;
    expect(active).toMatchObject({ supplierId: 'org_s', brandId: 'org_b', active: true });
    expect(connectionUpdate(null, conn('ACTIVE', ['CATALOG_READ']), at(10))?.active).toBe(false);
    const revoked = connectionUpdate(active, conn('REVOKED'), at(10))!;
    expect(revoked.active).toBe(false);
    expect(connectionUpdate(revoked, conn('ACTIVE'), at(10))).toBeNull();
    expect(connectionUpdate(revoked, conn('PENDING'), at(5))).toBeNull();
    expect(
      connectionUpdate(null, { ...conn('ACTIVE'), requesterKind: 'RETAILER', requesterId: 'org_r' }, at(1)),
    ).toBeNull();
  });
  it('converges for every arrival order', () => {
    const STATUSES = ['PENDING', 'ACTIVE', 'DECLINED', 'REVOKED'] as const;
    fc.assert(
      fc.property(
        fc
          .array(fc.record({ s: fc.constantFrom(...STATUSES), ms: fc.nat(3) }), {
            minLength: 1,
            maxLength: 8,
          })
          .chain((es) => fc.tuple(permutation(es), permutation(es))),
        ([a, b]) => {
          const map = (es: typeof a) => es.map((e) => ({ p: conn(e.s), ms: e.ms }));
          expect(project(connectionUpdate, map(a))).toEqual(project(connectionUpdate, map(b)));
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('platform fees (platform.subscription.changed)', () => {
  const plan = (transactionFeeBps: number): SubscriptionChangedPayload => ({
    organizationId: 'org_r',
    planId: 'pln_1',
    planCode: 'standard',
    status: 'ACTIVE',
    transactionFeeBps,
    monthlyFeeMinor: '4900',
    currencyCode: 'EUR',
    trialEndsAt: null,
    changedAt: at(0),
  });
  it('keeps the newest plan fee whatever the arrival order', () => {
    fc.assert(
      fc.property(
        fc
          .uniqueArray(fc.record({ bps: fc.integer({ min: 0, max: 10_000 }), ms: fc.nat(20) }), {
            minLength: 1,
            maxLength: 6,
            selector: (e) => e.ms,
          })
          .chain((es) => permutation(es)),
        (es) => {
          const newest = [...es].sort((a, b) => b.ms - a.ms)[0]!;
          const events = es.map((e) => ({ p: plan(e.bps), ms: e.ms }));
          expect(project(platformFeeUpdate, events)?.feeBps).toBe(newest.bps);
        },
      ),
    );
  });
  it('ignores a fee that is not whole basis points in 0…10 000', () => {
    for (const bad of [-1, 10_001, 2.5]) expect(platformFeeUpdate(null, plan(bad), at(0))).toBeNull();
  });
});
