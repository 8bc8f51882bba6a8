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
  /**
   * The retail price of one unit as the storefront sells it now (minor units,
   * in the storefront's currency) and the title shown; orders re-checks cart
   * prices against it at checkout. Absent on events written before it existed.
   */
  priceMinor?: string;
  currencyCode?: string;
  title?: string;
}

/**
 * A cart changed (whole state): lines with the unit price each was added at.
 * Orders keeps a projection to check a cart out. Aggregate: the cart.
 */
export interface CartChangedPayload {
  cartId: string;
  retailerId: string;
  storefrontId: string;
  currencyCode: string;
  /** The signed-in shopper who owns it; null for a guest cart. */
  customerId: string | null;
  status: 'OPEN' | 'CHECKED_OUT' | 'EXPIRED';
  lines: {
    lineId: string;
    listingId: string;
    variantId: string;
    brandId: string;
    quantity: number;
    /** Unit price when the line was added or last changed (minor units). */
    unitPriceMinor: string;
    title: string;
  }[];
}

/** The retailer slice of the event catalogue: type → current version and payload. */
export interface RetailerEvents {
  'retailer.storefront.changed': { version: 1; payload: StorefrontChangedPayload };
  'retailer.listing.changed': { version: 1; payload: ListingChangedPayload };
  'retailer.cart.changed': { version: 1; payload: CartChangedPayload };
}

declare module '@tradegraph/shared/events/catalogue' {
  interface EventCatalogue extends RetailerEvents {}
}

export const RETAILER_EVENT_VERSIONS: EventVersions<keyof RetailerEvents> = {
  'retailer.storefront.changed': 1,
  'retailer.listing.changed': 1,
  'retailer.cart.changed': 1,
};
registerEventTypes(RETAILER_EVENT_VERSIONS);
