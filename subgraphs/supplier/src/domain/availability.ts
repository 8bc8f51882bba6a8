import type { SupplierContext } from '../services.ts';
import { availableQuantities } from '../store/projections.ts';

/**
 * ProductVariant.availableQuantity: public, an aggregate. The available stock
 * of every supplier holding an ACTIVE FULFILL_ORDERS connection with the
 * variant's brand, for all variants of a request in one query.
 */
export function availableQuantityLoader(ctx: SupplierContext) {
  return ctx.loaders.get<string, number>('availableQuantity', async (variantIds) => {
    const found = await availableQuantities(ctx, variantIds);
    return variantIds.map((id) => found.get(id) ?? 0);
  });
}
