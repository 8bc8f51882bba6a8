import { defineEntity, p } from '@mikro-orm/core';

export type ListingStatus = 'ACTIVE' | 'REMOVED';
export type PricingMode = 'FIXED' | 'MARKUP';
export type PriceBasis = 'MSRP' | 'WHOLESALE';

/**
 * A brand variant a retailer sells on one storefront (tenant database). The
 * last five columns are derived from the projections (see domain/refresh.ts).
 */
export const Listing = defineEntity({
  name: 'Listing',
  tableName: 'listings',
  schema: '*',
  properties: {
    id: p.string().primary(),
    storefrontId: p.string(),
    variantId: p.string(),
    productId: p.string(),
    brandId: p.string(),
    activeKey: p.string().nullable(),
    status: p.string().$type<ListingStatus>(),
    titleOverride: p.string().nullable(),
    description: p.text().nullable(),
    pricingMode: p.string().$type<PricingMode>(),
    priceBasis: p.string().$type<PriceBasis>().nullable(),
    fixedPriceMinor: p.bigint('number').nullable(),
    markupBp: p.integer().nullable(),
    currencyCode: p.string(),
    title: p.string(),
    priceMinor: p.bigint('number'),
    priced: p.boolean(),
    variantActive: p.boolean(),
    available: p.boolean(),
    createdAt: p.datetime(),
    updatedAt: p.datetime(),
    removedAt: p.datetime().nullable(),
  },
});
export type Listing = InstanceType<typeof Listing.class>;
