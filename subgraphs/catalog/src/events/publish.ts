import type { ProductChangedPayload } from '@tradegraph/contracts';
import type { Product, Variant } from '../entities/index.ts';

/**
 * What catalog publishes. `catalog.product.changed` carries the whole product
 * after every change (create, update, publish, archive): consumers replace
 * their copy with it, and a variant missing from `variants` was removed.
 */
export function productChanged(brandId: string, product: Product, live: Variant[]): ProductChangedPayload {
  return {
    productId: product.id,
    brandId,
    name: product.name,
    status: product.status,
    variants: [...live]
      .sort((a, b) => a.position - b.position)
      .map((v) => ({
        variantId: v.id,
        sku: v.sku,
        gtin: v.gtin ?? null,
        options: v.options,
        msrpMinor: v.msrpMinor ?? null,
        currencyCode: v.msrpCurrency ?? null,
      })),
  };
}
