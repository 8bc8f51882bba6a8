import type { EntityManager, UnitContext } from '@tradegraph/shared';
import { type PublishContext, publish } from '@tradegraph/shared/events';
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
}

/** retailer.listing.changed: `visible` = active listing on a published storefront of a brand the retailer may sell. */
export function listingChanged(out: Publisher, f: ListingEventFacts): void {
  out.publish('retailer.listing.changed', {
    aggregateId: f.listingId,
    orgId: f.retailerId,
    payload: f,
  });
}

/** retailer.listing.changed for each of `listings` (a storefront published, a brand's sellability changed). */
export function announceListings(out: Publisher, listings: readonly ListingEventFacts[]): number {
  for (const f of listings) listingChanged(out, f);
  return listings.length;
}
