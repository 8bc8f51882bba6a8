import { visibleListing } from '../domain/browse.ts';
import { retailerPayload } from '../domain/errors.ts';
import { createListing, removeListing, updateListing } from '../domain/listings.ts';
import { isOwner } from '../domain/ownership.ts';
import { markupPercentOf, money } from '../domain/pricing.ts';
import { storefrontOf } from '../domain/storefronts.ts';
import type { ListingResolvers, MutationResolvers, QueryResolvers } from '../generated/resolvers.ts';
import type { RetailerContext } from '../services.ts';
import type { ListingView } from '../store/listings.ts';

/** Fields only the retailer itself sees. */
const ownerOnly =
  <T>(get: (l: ListingView) => T) =>
  (l: ListingView, _: unknown, ctx: RetailerContext): T | null =>
    isOwner(ctx.principal, l.retailerId) ? get(l) : null;

export const listingQueries = {
  listing: (_, { id }, ctx) => visibleListing(ctx, id),
} satisfies Pick<QueryResolvers, 'listing'>;

export const listingMutations = {
  createListing: (_, { input }, ctx) => retailerPayload('listing', () => createListing(ctx, input)),
  updateListing: (_, { input }, ctx) => retailerPayload('listing', () => updateListing(ctx, input)),
  removeListing: (_, { input }, ctx) => retailerPayload('listing', () => removeListing(ctx, input)),
} satisfies Pick<MutationResolvers, 'createListing' | 'updateListing' | 'removeListing'>;

export const Listing = {
  __resolveReference: (ref, ctx) => visibleListing(ctx, ref.id),
  price: (l) => money(l.priceMinor, l.currencyCode),
  variant: (l) => ({ id: l.variantId }),
  storefront: (l, _, ctx) => storefrontOf(ctx, l.storefrontId),
  status: ownerOnly((l) => l.status),
  visible: ownerOnly((l) => l.visible),
  pricing: ownerOnly((l) => ({
    mode: l.pricingMode,
    basis: l.pricingMode === 'MARKUP' ? l.priceBasis : null,
    markupPercent:
      l.pricingMode === 'MARKUP' ? (l.markupBp === null ? null : markupPercentOf(l.markupBp)) : null,
    usesStorefrontDefault: l.pricingMode === 'MARKUP' && l.markupBp === null,
  })),
} satisfies ListingResolvers;
