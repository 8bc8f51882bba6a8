import { Migration } from '@mikro-orm/migrations';

/**
 * A covering index for availableQuantity (store/projections.ts
 * availableQuantities), run for every page of variant references: the rows of
 * the requested variants by variant_id carry the supplier (primary key), the
 * brand to check the connection of and the quantity to sum, so no clustered
 * row is read per (supplier, variant). Same leading column, so lookups by
 * variant alone are served as before.
 */
export class StockSummaryIndex extends Migration {
  override name = '0003-stock-summary-index';

  up(): void {
    this.addSql(`alter table stock_summary
      drop key stock_summary_variant_idx,
      add key stock_summary_variant_idx (variant_id, brand_id, total_available)`);
  }
}
