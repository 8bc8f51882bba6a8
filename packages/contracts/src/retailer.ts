/**
 * Events produced by the retailer subgraph: storefronts and the listings on
 * them. Catalog projects them to know which brand variants are sold where.
 */
import { type EventVersions, registerEventTypes } from '@tradegraph/shared/events';

/** A storefront was created or changed (whole state). Aggregate: the storefront. */
export interface StorefrontChangedPayload {
  storefrontId: string;
  retailerId: string;
  slug: string;
  name: string;
  published: boolean;
}

/**
 * A listing was created, changed or removed (whole state). `visible` means an
 * active listing on a published storefront. Aggregate: the listing.
 */
export interface ListingChangedPayload {
  listingId: string;
  retailerId: string;
  storefrontId: string;
  variantId: string;
  brandId: string;
  visible: boolean;
  removed: boolean;
}

/** The retailer slice of the event catalogue: type → current version and payload. */
export interface RetailerEvents {
  'retailer.storefront.changed': { version: 1; payload: StorefrontChangedPayload };
  'retailer.listing.changed': { version: 1; payload: ListingChangedPayload };
}

declare module '@tradegraph/shared/events/catalogue' {
  interface EventCatalogue extends RetailerEvents {}
}

export const RETAILER_EVENT_VERSIONS: EventVersions<keyof RetailerEvents> = {
  'retailer.storefront.changed': 1,
  'retailer.listing.changed': 1,
};
registerEventTypes(RETAILER_EVENT_VERSIONS);
