import { type SupplierContext, serviceTable } from '../context.ts';

/**
 * ProductVariant.availableQuantity: public, an aggregate. The available stock
 * of every supplier holding an ACTIVE FULFILL_ORDERS connection with the
 * variant's brand (stock_summary joined with partner_access), for all variants
 * of a request in one query.
 */
export function availableQuantityLoader(ctx: SupplierContext) {
  return ctx.loaders.get<string, number>('availableQuantity', async (variantIds) => {
    const rows = await ctx.em.execute<{ variant_id: string; qty: string | number | null }[]>(
      `select s.variant_id, sum(s.total_available) qty
         from ${serviceTable(ctx, 'stock_summary')} s
        where s.variant_id in (?)
          and exists (select 1 from ${serviceTable(ctx, 'partner_access')} pa
                       where pa.supplier_id = s.supplier_id and pa.partner_id = s.brand_id and pa.can_fulfill = 1)
        group by s.variant_id`,
      [[...variantIds]],
    );
    const map = new Map(rows.map((r) => [r.variant_id, Math.max(0, Number(r.qty ?? 0))]));
    return variantIds.map((id) => map.get(id) ?? 0);
  });
}
