import { Migration } from '@mikro-orm/migrations';
import { cacheInvalidationsMigration, TENANTS_TABLE_SQL } from '@tradegraph/shared';
import { OUTBOX_TABLE_SQL, PROCESSED_EVENTS_TABLE_SQL } from '@tradegraph/shared/events';
import { StockSummaryIndex } from './0003-stock-summary-index.ts';

const T = 'default character set utf8mb4 collate utf8mb4_unicode_ci';

/**
 * The service database: tenants registry, outbox and processed events,
 * projections of identity and catalog events, and the cross-tenant read indexes.
 * No foreign keys (entities carry ids; see architecture.md).
 */
export class InitSupplier extends Migration {
  override name = '0001-init';

  up(): void {
    this.addSql(TENANTS_TABLE_SQL);
    this.addSql(OUTBOX_TABLE_SQL);
    this.addSql(PROCESSED_EVENTS_TABLE_SQL);
    this.addSql(`create table partner_access (
      connection_id varchar(64) not null primary key,
      supplier_id varchar(64) not null,
      partner_id varchar(64) not null,
      partner_kind varchar(16) not null,
      scopes json not null,
      status enum('PENDING','ACTIVE','DECLINED','REVOKED') not null,
      can_fulfill tinyint(1) not null comment 'ACTIVE and carries FULFILL_ORDERS',
      event_at datetime(3) not null,
      updated_at datetime(3) not null,
      key partner_access_supplier_idx (supplier_id, partner_id, can_fulfill),
      key partner_access_partner_idx (partner_id, supplier_id, can_fulfill)
    ) ${T}`);
    this.addSql(`create table catalog_variants (
      variant_id varchar(80) not null primary key,
      product_id varchar(80) not null,
      brand_id varchar(64) not null,
      sku varchar(200) not null,
      product_name varchar(300) not null,
      status enum('DRAFT','ACTIVE','ARCHIVED','REMOVED') not null,
      msrp_minor varchar(30) null,
      currency_code char(3) null,
      event_at datetime(3) not null,
      updated_at datetime(3) not null,
      key catalog_variants_product_idx (product_id),
      key catalog_variants_brand_idx (brand_id)
    ) ${T}`);
    this.addSql(`create table offer_index (
      offer_id varchar(80) not null primary key,
      supplier_id varchar(64) not null,
      variant_id varchar(80) not null,
      brand_id varchar(64) not null,
      wholesale_minor bigint not null,
      currency_code char(3) not null,
      minimum_order_quantity int not null,
      lead_time_days int not null,
      active tinyint(1) not null,
      created_at datetime(3) not null,
      updated_at datetime(3) not null,
      unique key offer_index_supplier_variant_uq (supplier_id, variant_id),
      key offer_index_variant_idx (variant_id, active),
      key offer_index_brand_idx (brand_id, offer_id)
    ) ${T}`);
    this.addSql(`create table stock_summary (
      supplier_id varchar(64) not null,
      variant_id varchar(80) not null,
      brand_id varchar(64) not null,
      total_available int not null,
      updated_at datetime(3) not null,
      primary key (supplier_id, variant_id),
      key stock_summary_variant_idx (variant_id)
    ) ${T}`);
    this.addSql(`create table reservation_expiry (
      reservation_id varchar(80) not null primary key,
      supplier_id varchar(64) not null,
      expires_at datetime(3) not null,
      key reservation_expiry_at_idx (expires_at)
    ) ${T}`);
  }
}

export const migrations = [
  InitSupplier,
  // the router's cache invalidations (events/cache-invalidations.ts)
  cacheInvalidationsMigration('0002-cache-invalidations'),
  StockSummaryIndex,
];
