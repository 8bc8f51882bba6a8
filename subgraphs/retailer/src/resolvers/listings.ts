import { type ListingView, visibleListing } from '../domain/browse.ts';
import { retailerPayload } from '../domain/errors.ts';
import { createListing, removeListing, updateListing } from '../domain/listings.ts';
import { isOwner } from '../domain/ownership.ts';
import { markupPercentOf, money } from '../domain/pricing.ts';
import { storefrontLoader } from '../domain/storefronts.ts';
import type { RetailerContext } from '../services.ts';

type Input<F extends (ctx: RetailerContext, input: never) => unknown> = Parameters<F>[1];

/** Fields only the retailer itself sees. */
const ownerOnly =
  <T>(get: (l: ListingView) => T) =>
  (l: ListingView, _: unknown, ctx: RetailerContext): T | null =>
    isOwner(ctx.principal, l.retailerId) ? get(l) : null;

export const listingQueries = {
  listing: (_: unknown, { id }: { id: string }, ctx: RetailerContext) => visibleListing(ctx, id),
};

export const listingMutations = {
  createListing: (_: unknown, { input }: { input: Input<typeof createListing> }, ctx: RetailerContext) =>
    retailerPayload('listing', () => createListing(ctx, input)),
  updateListing: (_: unknown, { input }: { input: Input<typeof updateListing> }, ctx: RetailerContext) =>
    retailerPayload('listing', () => updateListing(ctx, input)),
  removeListing: (_: unknown, { input }: { input: { id: string } }, ctx: RetailerContext) =>
    retailerPayload('listing', () => removeListing(ctx, input)),
};

export const listingTypes = {
  Listing: {
    __resolveReference: (ref: { id: string }, ctx: RetailerContext) => visibleListing(ctx, ref.id),
    price: (l: ListingView) => money(l.priceMinor, l.currencyCode),
    variant: (l: ListingView) => ({ __typename: 'ProductVariant', id: l.variantId }),
    storefront: async (l: ListingView, _: unknown, ctx: RetailerContext) =>
      storefrontLoader(ctx).load(l.storefrontId),
    status: ownerOnly((l) => l.status),
    visible: ownerOnly((l) => l.visible),
    pricing: ownerOnly((l) => ({
      mode: l.pricingMode,
      basis: l.pricingMode === 'MARKUP' ? l.priceBasis : null,
      markupPercent:
        l.pricingMode === 'MARKUP' ? (l.markupBp === null ? null : markupPercentOf(l.markupBp)) : null,
      usesStorefrontDefault: l.pricingMode === 'MARKUP' && l.markupBp === null,
    })),
  },
};
