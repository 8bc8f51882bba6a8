import { defineEntity, p } from '@mikro-orm/core';

/**
 * Service-database tables fed by other services' events. They answer "may this
 * supplier offer that variant?" and "who sees what" without calling anyone.
 */

export type AccessStatus = 'PENDING' | 'ACTIVE' | 'DECLINED' | 'REVOKED';

/**
 * One row per identity connection that has a SUPPLIER on one side (BRAND↔SUPPLIER,
 * RETAILER↔SUPPLIER), normalised so `supplierId` is always the supplier.
 */
export const PartnerAccess = defineEntity({
  name: 'PartnerAccess',
  tableName: 'partner_access',
  properties: {
    connectionId: p.string().primary(),
    supplierId: p.string(),
    partnerId: p.string(),
    partnerKind: p.string().$type<'BRAND' | 'RETAILER'>(),
    scopes: p.json<string[]>(),
    status: p.string().$type<AccessStatus>(),
    /** The connection is ACTIVE and carries FULFILL_ORDERS. */
    canFulfill: p.boolean(),
    /** occurredAt of the last applied event (older redeliveries are ignored). */
    eventAt: p.datetime(),
    updatedAt: p.datetime(),
  },
});
export type PartnerAccess = InstanceType<typeof PartnerAccess.class>;

export type VariantStatus = 'DRAFT' | 'ACTIVE' | 'ARCHIVED' | 'REMOVED';

/** Brand variants as catalog last described them (`catalog.product.changed`). */
export const CatalogVariant = defineEntity({
  name: 'CatalogVariant',
  tableName: 'catalog_variants',
  properties: {
    variantId: p.string().primary(),
    productId: p.string(),
    brandId: p.string(),
    sku: p.string(),
    productName: p.string(),
    /** The product's status; REMOVED when the variant no longer appears in its product. */
    status: p.string().$type<VariantStatus>(),
    msrpMinor: p.string().nullable(),
    currencyCode: p.string().nullable(),
    eventAt: p.datetime(),
    updatedAt: p.datetime(),
  },
});
export type CatalogVariant = InstanceType<typeof CatalogVariant.class>;
