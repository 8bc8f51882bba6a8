import type { ConnectionEventPayload } from '@tradegraph/contracts';
import { newId, tenantKeyOf } from '@tradegraph/shared';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  accessSupersedes,
  type ListingValues,
  listingOf,
  listingSupersedes,
  type PartnerAccessValues,
  partnerAccessOf,
  storefrontOf,
  storefrontSupersedes,
} from './projections.ts';

/**
 * The projection decisions converge: whatever order a row's events arrive in
 * (redelivery, dead-letter replay, two instants colliding), the row ends in
 * the state of the newest event, and a tie of one millisecond has one answer.
 */

const brand = newId('org');
const retailer = newId('org');
const T0 = Date.parse('2026-11-29T10:00:00.000Z');

/** Applies events in the given order through a `supersedes` decision, as the consumer does. */
function project<V>(events: V[], decide: (stored: V | null, incoming: V) => boolean): V | null {
  let row: V | null = null;
  for (const e of events) if (decide(row, e)) row = e;
  return row;
}

/** Any set of events and two arbitrary orders of it. */
const twoOrders = <V>(event: fc.Arbitrary<V>) =>
  fc
    .array(event, { minLength: 1, maxLength: 8 })
    .chain((events) =>
      fc.tuple(
        fc.shuffledSubarray(events, { minLength: events.length, maxLength: events.length }),
        fc.shuffledSubarray(events, { minLength: events.length, maxLength: events.length }),
      ),
    );

// few distinct instants, so that ties of one millisecond are common
const instant = fc.integer({ min: 0, max: 3 }).map((ms) => new Date(T0 + ms));

describe('partner access (identity.connection.*)', () => {
  const connection = (status: ConnectionEventPayload['status']): ConnectionEventPayload => ({
    connectionId: 'con_1',
    requesterId: retailer,
    requesterKind: 'RETAILER',
    partnerId: brand,
    partnerKind: 'BRAND',
    scopes: ['SELL_PRODUCTS'],
    status,
  });
  const event = fc
    .tuple(
      fc.constantFrom('PENDING', 'ACTIVE', 'DECLINED', 'REVOKED') as fc.Arbitrary<
        ConnectionEventPayload['status']
      >,
      instant,
    )
    .map(([status, at]) => partnerAccessOf(connection(status), at)!);

  it('puts the brand on the brand side, and implies CATALOG_READ from SELL_PRODUCTS', () => {
    expect(partnerAccessOf(connection('ACTIVE'), new Date(T0))).toMatchObject({
      brandId: brand,
      partnerId: retailer,
      partnerKind: 'RETAILER',
      catalogRead: true,
      sellProducts: true,
    });
  });

  it('ignores a connection without exactly one brand', () => {
    const other = { ...connection('ACTIVE'), partnerId: newId('org'), partnerKind: 'SUPPLIER' as const };
    expect(partnerAccessOf(other, new Date(T0))).toBeNull();
  });

  it('an older event never undoes a newer one; a same-instant tie keeps the closed state', () => {
    const active = partnerAccessOf(connection('ACTIVE'), new Date(T0 + 1))!;
    const revoked = partnerAccessOf(connection('REVOKED'), new Date(T0 + 1))!;
    expect(accessSupersedes(revoked, partnerAccessOf(connection('ACTIVE'), new Date(T0))!)).toBe(false);
    expect(accessSupersedes(revoked, active)).toBe(false);
    expect(accessSupersedes(active, revoked)).toBe(true);
  });

  it('converges whatever order the events arrive in', () => {
    fc.assert(
      fc.property(twoOrders(event), ([a, b]) => {
        const decide = (s: PartnerAccessValues | null, e: PartnerAccessValues) => accessSupersedes(s, e);
        expect(project(a, decide)).toEqual(project(b, decide));
      }),
      { numRuns: 500 },
    );
  });
});

describe('listings (retailer.listing.changed)', () => {
  const variantId = newId('var', tenantKeyOf(brand));
  const listing = (visible: boolean, removed: boolean) => ({
    listingId: 'lst_1',
    retailerId: retailer,
    storefrontId: 'sfr_1',
    variantId,
    brandId: brand,
    visible,
    removed,
  });
  const event = fc
    .tuple(fc.boolean(), fc.boolean(), instant)
    .map(([visible, removed, at]) => listingOf(listing(visible, removed), at)!);

  it('ignores a listing whose variant is not the named brand’s', () => {
    expect(listingOf({ ...listing(true, false), brandId: newId('org') }, new Date(T0))).toBeNull();
  });

  it('a removed listing is not visible', () => {
    expect(listingOf(listing(true, true), new Date(T0))).toMatchObject({ visible: false, removed: true });
  });

  it('converges whatever order the events arrive in', () => {
    fc.assert(
      fc.property(twoOrders(event), ([a, b]) => {
        const decide = (s: ListingValues | null, e: ListingValues) => listingSupersedes(s, e);
        expect(project(a, decide)).toEqual(project(b, decide));
      }),
      { numRuns: 500 },
    );
  });
});

describe('storefronts (retailer.storefront.changed)', () => {
  const event = fc
    .tuple(fc.boolean(), instant)
    .map(([published, at]) =>
      storefrontOf({ storefrontId: 'sfr_1', retailerId: retailer, slug: 's', name: 'S', published }, at),
    );

  it('converges whatever order the events arrive in; a same-instant tie stays unpublished', () => {
    const published = storefrontOf(
      { storefrontId: 's', retailerId: retailer, slug: 's', name: 'S', published: true },
      new Date(T0),
    );
    const hidden = { ...published, published: false };
    expect(storefrontSupersedes(hidden, published)).toBe(false);
    fc.assert(
      fc.property(twoOrders(event), ([a, b]) => {
        expect(project(a, storefrontSupersedes)).toEqual(project(b, storefrontSupersedes));
      }),
      { numRuns: 500 },
    );
  });
});
