import { actingOrganizationId, onService, parseId } from '@tradegraph/shared';
import type { SupplierContext } from '../services.ts';
import { type CatalogVariantRecord, canFulfillFor, catalogVariant } from '../store/projections.ts';
import { fail } from './errors.ts';

/**
 * What supplier knows of brands' catalogs and partner connections (the
 * `catalog_variants` and `partner_access` projections), and the rule every
 * first stocking or offer of a variant follows.
 */

/**
 * A variant the supplier may start to stock or offer: known to the catalog
 * projection (VARIANT_NOT_FOUND), ACTIVE (VARIANT_NOT_ACTIVE) and of a brand
 * the supplier has an ACTIVE FULFILL_ORDERS connection with (NO_FULFILLMENT_ACCESS).
 */
export async function requireStockableVariant(
  ctx: SupplierContext,
  supplierId: string,
  variantId: string,
  field: string | string[],
  what: string,
): Promise<CatalogVariantRecord> {
  const variant = await catalogVariant(ctx, variantId);
  if (!variant) return fail('VARIANT_NOT_FOUND', 'No such product variant', field);
  if (variant.status !== 'ACTIVE')
    fail('VARIANT_NOT_ACTIVE', 'This product variant is not active in the brand catalog', field);
  if (!(await canFulfillFor(ctx, supplierId, variant.brandId)))
    fail(
      'NO_FULFILLMENT_ACCESS',
      `You need an active FULFILL_ORDERS connection with the brand to ${what}`,
      field,
    );
  return variant;
}

/**
 * Read-your-writes across services (docs/events.md): a brand's
 * `publishProduct` or the acceptance of a connection reaches this service's
 * projections a few milliseconds later. Before a write that would refuse a
 * variant the projections do not (yet) allow, this lets the consumer group
 * catch up with the log once, bounded, outside any transaction; the write then
 * decides on what it reads.
 */
export async function catchUpWithCatalog(ctx: SupplierContext, variantIds: readonly string[]): Promise<void> {
  const supplierId = actingOrganizationId(ctx.principal);
  if (!supplierId) return;
  const service = onService(ctx);
  for (const variantId of variantIds) {
    if (!parseId(variantId, 'var')) continue;
    const variant = await catalogVariant(service, variantId);
    if (variant?.status === 'ACTIVE' && (await canFulfillFor(service, supplierId, variant.brandId))) continue;
    await ctx.kernel.settle();
    return;
  }
}
