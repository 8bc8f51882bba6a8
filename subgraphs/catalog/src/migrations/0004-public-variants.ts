import { Migration } from '@mikro-orm/migrations';

const ID = 'varchar(64) character set ascii collate ascii_bin';

/**
 * public_variants: the variants some retailer lists publicly (store/visibility.ts,
 * refreshPublicVariants), kept in the transaction of every listing, storefront
 * and connection event that can change the answer. A shopper's variant
 * reference used to decide it per variant from three projections (listings,
 * the retailer's connection, the storefront): about half of MariaDB's time for
 * the catalog's statement of a storefront page. It is now one primary-key
 * lookup. Filled from the projections as they stand.
 */
export class PublicVariants extends Migration {
  override name = '0004-public-variants';

  up(): void {
    this.addSql(`create table public_variants (
      variant_id ${ID} not null primary key,
      brand_id ${ID} not null,
      key public_variants_brand_idx (brand_id)
    ) default character set utf8mb4 collate utf8mb4_unicode_ci`);
    this.addSql(`insert into public_variants (variant_id, brand_id)
      select l.variant_id, min(l.brand_id) from listing_projection l
        join partner_access a
          on a.partner_id = l.retailer_id and a.brand_id = l.brand_id and a.status = 'ACTIVE' and a.sell_products = 1
        left join storefront_projection sf on sf.storefront_id = l.storefront_id
       where l.visible = 1 and l.removed = 0 and (sf.published is null or sf.published = 1)
       group by l.variant_id`);
  }
}
