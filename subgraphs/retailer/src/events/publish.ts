import type { EntityManager, UnitContext } from '@tradegraph/shared';
import { type PublishContext, publish } from '@tradegraph/shared/events';
import type { CartStatus } from '../entities/index.ts';
import type { CartEventLine } from '../store/carts.ts';
import type { StorefrontView } from '../store/directory.ts';

/** Where events go: a unit of work's outbox (`tx.publish`), or an event handler's (`handlerPublisher`). */
export type Publisher = Pick<UnitContext, 'publish'>;

/** The outbox of an event handler's transaction (handlers run outside the unit of work). */
export function handlerPublisher(em: EntityManager, ectx: PublishContext): Publisher {
  return {
    publish: (type, event) => publish(em, ectx, type, { ...event, orgId: event.orgId ?? null }),
  };
}

/** retailer.storefront.changed: after every storefront change. */
export function storefrontChanged(out: Publisher, s: StorefrontView): void {
  out.publish('retailer.storefront.changed', {
    aggregateId: s.id,
    orgId: s.retailerId,
    payload: {
      storefrontId: s.id,
      retailerId: s.retailerId,
      slug: s.slug,
      name: s.name,
      published: s.published,
    },
  });
}

export interface ListingEventFacts {
  listingId: string;
  retailerId: string;
  storefrontId: string;
  variantId: string;
  brandId: string;
  /** Active listing, storefront published, and the retailer may sell the brand. */
  visible: boolean;
  removed: boolean;
  /** The unit price shoppers pay now (minor units of `currencyCode`) and the title they see. */
  priceMinor: number;
  currencyCode: string;
  title: string;
}

/**
 * retailer.listing.changed: `visible` = active listing on a published storefront
 * of a brand the retailer may sell; with the current price and title (orders
 * re-checks cart prices against them at checkout).
 */
export function listingChanged(out: Publisher, f: ListingEventFacts): void {
  out.publish('retailer.listing.changed', {
    aggregateId: f.listingId,
    orgId: f.retailerId,
    payload: { ...f, priceMinor: String(f.priceMinor) },
  });
}

/** retailer.listing.changed for each of `listings` (a storefront published, a brand's sellability changed). */
export function announceListings(out: Publisher, listings: readonly ListingEventFacts[]): number {
  for (const f of listings) listingChanged(out, f);
  return listings.length;
}

/** A cart as retailer.cart.changed announces it (whole state). */
export interface CartEventFacts {
  cartId: string;
  retailerId: string;
  storefrontId: string;
  currencyCode: string;
  customerId: string | null;
  status: CartStatus;
  lines: CartEventLine[];
}

/** retailer.cart.changed: after every cart write (create, line changes, checked out), in its transaction. */
export function cartChanged(out: Publisher, c: CartEventFacts): void {
  out.publish('retailer.cart.changed', {
    aggregateId: c.cartId,
    orgId: c.retailerId,
    payload: {
      ...c,
      lines: c.lines.map((l) => ({ ...l, unitPriceMinor: String(l.unitPriceMinor) })),
    },
  });
}
