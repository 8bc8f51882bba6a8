import { Migration } from '@mikro-orm/migrations';
import { cacheInvalidationsMigration, TENANTS_TABLE_SQL } from '@tradegraph/shared';
import { OUTBOX_TABLE_SQL, PROCESSED_EVENTS_TABLE_SQL } from '@tradegraph/shared/events';
import { SupplierFulfilment } from './0002-supplier-fulfilment.ts';
import { PartnerAccessOrder } from './0003-partner-access-order.ts';

const T = 'default character set utf8mb4 collate utf8mb4_unicode_ci';

/**
 * The retailer service database: the tenants registry, the storefront
 * directory (global slug uniqueness, public lookups), the listing index (which
 * retailer lists which variant, for event fan-out) and the projections of
 * other services' events. No foreign keys (see docs/architecture.md).
 */
export class InitRetailerService extends Migration {
  override name = '0001-service';

  up(): void {
    this.addSql(TENANTS_TABLE_SQL);
    this.addSql(OUTBOX_TABLE_SQL);
    this.addSql(PROCESSED_EVENTS_TABLE_SQL);
    this.addSql(`create table storefront_directory (
      slug varchar(64) not null primary key,
      storefront_id varchar(80) not null,
      retailer_id varchar(64) not null,
      name varchar(120) not null,
      description text null,
      currency_code char(3) not null,
      default_markup_bp int not null,
      published tinyint(1) not null,
      created_at datetime(3) not null,
      updated_at datetime(3) not null,
      unique key storefront_directory_id_uq (storefront_id),
      key storefront_directory_retailer_idx (retailer_id, published, created_at)
    ) ${T}`);
    this.addSql(`create table listing_index (
      listing_id varchar(80) not null primary key,
      retailer_id varchar(64) not null,
      storefront_id varchar(80) not null,
      variant_id varchar(80) not null,
      brand_id varchar(64) not null,
      active tinyint(1) not null comment '0 once the listing is removed',
      key listing_index_variant_idx (variant_id, retailer_id),
      key listing_index_brand_idx (retailer_id, brand_id, active)
    ) ${T}`);
    this.addSql(`create table partner_access (
      retailer_id varchar(64) not null,
      brand_id varchar(64) not null,
      connection_id varchar(64) not null comment 'the connection whose event was applied last',
      status varchar(16) not null,
      can_sell tinyint(1) not null comment 'ACTIVE with SELL_PRODUCTS',
      can_read tinyint(1) not null comment 'ACTIVE with CATALOG_READ',
      updated_at datetime(3) not null,
      primary key (retailer_id, brand_id)
    ) ${T}`);
    this.addSql(`create table catalog_variants (
      variant_id varchar(80) not null primary key,
      product_id varchar(80) not null,
      brand_id varchar(64) not null,
      product_name varchar(300) not null,
      sku varchar(120) not null,
      options json not null,
      display_name varchar(300) not null comment 'product name and option values, the default listing title',
      status varchar(16) not null comment 'product status; REMOVED when the variant left the product',
      msrp_minor bigint null,
      msrp_currency char(3) null,
      source_at datetime(3) not null comment 'occurredAt of the event applied last',
      updated_at datetime(3) not null,
      key catalog_variants_product_idx (product_id)
    ) ${T}`);
    this.addSql(`create table variant_offers (
      offer_id varchar(80) not null primary key,
      supplier_id varchar(64) not null,
      brand_id varchar(64) not null,
      variant_id varchar(80) not null,
      wholesale_minor bigint not null,
      currency_code char(3) not null,
      minimum_order_quantity int not null,
      lead_time_days int not null,
      active tinyint(1) not null,
      source_at datetime(3) not null,
      updated_at datetime(3) not null,
      key variant_offers_price_idx (variant_id, currency_code, active, wholesale_minor)
    ) ${T}`);
    this.addSql(`create table variant_stock (
      variant_id varchar(80) not null,
      supplier_id varchar(64) not null,
      brand_id varchar(64) not null,
      total_available int not null,
      source_at datetime(3) not null,
      updated_at datetime(3) not null,
      primary key (variant_id, supplier_id)
    ) ${T}`);
  }
}

export const serviceMigrations = [
  InitRetailerService,
  SupplierFulfilment,
  PartnerAccessOrder,
  // the router's cache invalidations (events/cache-invalidations.ts)
  cacheInvalidationsMigration('0004-cache-invalidations'),
];
