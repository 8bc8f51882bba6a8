import { Migration } from '@mikro-orm/migrations';

const T = 'default character set utf8mb4 collate utf8mb4_unicode_ci';

/**
 * Supplier↔brand fulfilment access (from identity.connection.*), so that a
 * listing is `available` only from stock of suppliers with an ACTIVE
 * FULFILL_ORDERS connection to the variant's brand; and an index to find the
 * listings of a brand across retailers when such a connection changes.
 */
export class SupplierFulfilment extends Migration {
  override name = '0002-supplier-fulfilment';

  up(): void {
    this.addSql(`create table supplier_fulfilment (
      connection_id varchar(64) not null primary key,
      supplier_id varchar(64) not null,
      brand_id varchar(64) not null,
      status varchar(16) not null,
      active tinyint(1) not null comment 'ACTIVE with FULFILL_ORDERS',
      source_at datetime(3) not null comment 'occurredAt of the event applied last',
      updated_at datetime(3) not null,
      key supplier_fulfilment_pair_idx (supplier_id, brand_id, active)
    ) ${T}`);
    this.addSql(
      'alter table listing_index add key listing_index_brand_variant_idx (brand_id, active, variant_id)',
    );
  }
}
