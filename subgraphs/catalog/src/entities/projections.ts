import { defineEntity, p } from '@mikro-orm/core';
import type { OrganizationKind } from '@tradegraph/shared';

/**
 * Service-database projections of other services' events: the facts catalog
 * needs to decide who sees which brand's products, without calling anyone.
 */

export type AccessStatus = 'PENDING' | 'ACTIVE' | 'DECLINED' | 'REVOKED';

/** One identity partner connection that has a BRAND on one side (from identity.connection.*). */
export const PartnerAccess = defineEntity({
  name: 'PartnerAccess',
  tableName: 'partner_access',
  properties: {
    connectionId: p.string().primary(),
    brandId: p.string(),
    partnerId: p.string(),
    partnerKind: p.string().$type<OrganizationKind>(),
    scopes: p.json<string[]>(),
    catalogRead: p.boolean(),
    sellProducts: p.boolean(),
    status: p.string().$type<AccessStatus>(),
    /** occurredAt of the event applied last (older redeliveries are ignored). */
    eventAt: p.datetime(),
    updatedAt: p.datetime(),
  },
});
export type PartnerAccess = InstanceType<typeof PartnerAccess.class>;

/** A retailer listing of a brand variant (from retailer.listing.changed); kept as a tombstone when removed. */
export const ListingProjection = defineEntity({
  name: 'ListingProjection',
  tableName: 'listing_projection',
  properties: {
    listingId: p.string().primary(),
    retailerId: p.string(),
    storefrontId: p.string(),
    variantId: p.string(),
    brandId: p.string(),
    visible: p.boolean(),
    removed: p.boolean(),
    eventAt: p.datetime(),
    updatedAt: p.datetime(),
  },
});
export type ListingProjection = InstanceType<typeof ListingProjection.class>;

/** A retailer storefront's published flag (from retailer.storefront.changed). */
export const StorefrontProjection = defineEntity({
  name: 'StorefrontProjection',
  tableName: 'storefront_projection',
  properties: {
    storefrontId: p.string().primary(),
    retailerId: p.string(),
    published: p.boolean(),
    eventAt: p.datetime(),
    updatedAt: p.datetime(),
  },
});
export type StorefrontProjection = InstanceType<typeof StorefrontProjection.class>;
