import { failWith, parseId } from '@tradegraph/shared';
import { type SupplierContext, serviceTable } from '../context.ts';
import { CatalogVariant } from '../entities/index.ts';

/**
 * What this service knows of brands' catalogs and of partner connections: the
 * `catalog_variants` and `partner_access` projections. Read through `ctx.em`
 * with qualified table names, so the same functions work inside a tenant
 * transaction (whose em points at the tenant database).
 */

/** A brand variant as the catalog projection has it, or a VARIANT_NOT_FOUND user error. */
export async function requireKnownVariant(
  ctx: SupplierContext,
  variantId: unknown,
  field: string | string[],
) {
  const parsed = parseId(variantId, 'var');
  const rows = parsed
    ? await ctx.em.execute(`select * from ${serviceTable(ctx, 'catalog_variants')} where variant_id = ?`, [
        variantId,
      ])
    : [];
  if (!rows[0]) return failWith('VARIANT_NOT_FOUND', 'No such product variant', field);
  return ctx.em.map(CatalogVariant, rows[0]);
}

/** Whether the supplier has an ACTIVE connection carrying FULFILL_ORDERS with this partner (a brand or retailer). */
export async function canFulfillFor(ctx: SupplierContext, supplierId: string, partnerId: string) {
  const rows = await ctx.em.execute(
    `select 1 from ${serviceTable(ctx, 'partner_access')}
      where supplier_id = ? and partner_id = ? and can_fulfill = 1 limit 1`,
    [supplierId, partnerId],
  );
  return rows.length > 0;
}
