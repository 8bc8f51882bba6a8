import type { UnitContext } from '@tradegraph/shared';
import { type EntityManager, qualified, rows } from '@tradegraph/shared';
import { type PublishContext, publish } from '@tradegraph/shared/events';
import type { StorefrontView } from './directory.ts';

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

/**
 * Publishes listing.changed for every active listing selected by `where` in a
 * tenant database, with visibility recomputed from the storefront's published
 * flag and the retailer's partner access (one statement, then the outbox rows).
 */
export async function republishListings(
  em: EntityManager,
  out: Publisher,
  opts: {
    serviceDb: string;
    tenantDb: string;
    retailerId: string;
    where: { storefrontId: string } | { brandId: string };
  },
): Promise<number> {
  const L = qualified(opts.tenantDb, 'listings');
  const S = qualified(opts.tenantDb, 'storefronts');
  const PA = qualified(opts.serviceDb, 'partner_access');
  const byStorefront = 'storefrontId' in opts.where;
  const found = await rows<{
    id: string;
    storefront_id: string;
    variant_id: string;
    brand_id: string;
    published: number;
    can_sell: number | null;
  }>(
    em,
    `select l.id, l.storefront_id, l.variant_id, l.brand_id, s.published, pa.can_sell
     from ${L} l join ${S} s on s.id = l.storefront_id
     left join ${PA} pa on pa.retailer_id = ? and pa.brand_id = l.brand_id
     where l.status = 'ACTIVE' and ${byStorefront ? 'l.storefront_id = ?' : 'l.brand_id = ?'}
     order by l.id`,
    [opts.retailerId, 'storefrontId' in opts.where ? opts.where.storefrontId : opts.where.brandId],
  );
  for (const r of found) {
    listingChanged(out, {
      listingId: r.id,
      retailerId: opts.retailerId,
      storefrontId: r.storefront_id,
      variantId: r.variant_id,
      brandId: r.brand_id,
      visible: Boolean(Number(r.published)) && Boolean(Number(r.can_sell ?? 0)),
      removed: false,
    });
  }
  return found.length;
}
