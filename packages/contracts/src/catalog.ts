/**
 * Events produced by the catalog subgraph (the brands' product catalogs).
 * Supplier and retailer keep projections of the published variants from them.
 */
import { type EventVersions, registerEventTypes } from '@tradegraph/shared/events';

/** One variant of a product as it stands after the change. */
export interface ProductVariantSnapshot {
  variantId: string;
  sku: string;
  gtin: string | null;
  options: { name: string; value: string }[];
  /** MSRP in minor units (decimal string), null when unset. */
  msrpMinor: string | null;
  currencyCode: string | null;
}

/**
 * Snapshot of a brand's product after every change (create, update, publish,
 * archive): a consumer replaces its copy with it, and a variant missing from
 * `variants` was removed. Aggregate: the product, so the snapshots of one
 * product arrive in order.
 */
export interface ProductChangedPayload {
  productId: string;
  brandId: string;
  name: string;
  status: 'DRAFT' | 'ACTIVE' | 'ARCHIVED';
  variants: ProductVariantSnapshot[];
}

/** The catalog slice of the event catalogue: type → current version and payload. */
export interface CatalogEvents {
  'catalog.product.changed': { version: 1; payload: ProductChangedPayload };
}

declare module '@tradegraph/shared/events/catalogue' {
  interface EventCatalogue extends CatalogEvents {}
}

export const CATALOG_EVENT_VERSIONS: EventVersions<keyof CatalogEvents> = {
  'catalog.product.changed': 1,
};
registerEventTypes(CATALOG_EVENT_VERSIONS);
