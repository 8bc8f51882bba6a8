import { Migration } from '@mikro-orm/migrations';
import { cacheInvalidationsMigration, TENANTS_TABLE_SQL } from '@tradegraph/shared';
import { OUTBOX_TABLE_SQL, PROCESSED_EVENTS_TABLE_SQL } from '@tradegraph/shared/events';
import { VisibilityIndexes } from './0003-visibility-indexes.ts';
import { PublicVariants } from './0004-public-variants.ts';

const T = 'default character set utf8mb4 collate utf8mb4_unicode_ci';
/** Ids compare byte-wise (keyset cursors merge rows of several brands in JavaScript). */
const ID = 'varchar(64) character set ascii collate ascii_bin';

// No foreign keys (entities carry ids): the domain keeps references consistent
// inside one transaction.

/** Service database `${DB_PREFIX}catalog`: tenants registry, outbox, dedupe, visibility projections. */
export class InitCatalogService extends Migration {
  override name = '0001-init';

  up(): void {
    this.addSql(TENANTS_TABLE_SQL);
    this.addSql(OUTBOX_TABLE_SQL);
    this.addSql(PROCESSED_EVENTS_TABLE_SQL);
    this.addSql(`create table partner_access (
      connection_id ${ID} not null primary key,
      brand_id ${ID} not null,
      partner_id ${ID} not null,
      partner_kind varchar(16) not null,
      scopes json not null,
      catalog_read tinyint(1) not null,
      sell_products tinyint(1) not null,
      status enum('PENDING','ACTIVE','DECLINED','REVOKED') not null,
      event_at datetime(3) not null,
      updated_at datetime(3) not null,
      key partner_access_partner_idx (partner_id, status, brand_id),
      key partner_access_brand_idx (brand_id, status, partner_id)
    ) ${T}`);
    this.addSql(`create table listing_projection (
      listing_id ${ID} not null primary key,
      retailer_id ${ID} not null,
      storefront_id ${ID} not null,
      variant_id ${ID} not null,
      brand_id ${ID} not null,
      visible tinyint(1) not null,
      removed tinyint(1) not null,
      event_at datetime(3) not null,
      updated_at datetime(3) not null,
      key listing_projection_variant_idx (variant_id, visible),
      key listing_projection_brand_idx (brand_id, visible, retailer_id),
      key listing_projection_storefront_idx (storefront_id)
    ) ${T}`);
    this.addSql(`create table storefront_projection (
      storefront_id ${ID} not null primary key,
      retailer_id ${ID} not null,
      published tinyint(1) not null,
      event_at datetime(3) not null,
      updated_at datetime(3) not null
    ) ${T}`);
  }
}

/** Tenant database `${DB_PREFIX}catalog_<key>` of one brand. */
export class InitCatalogTenant extends Migration {
  override name = '0001-tenant-init';

  up(): void {
    this.addSql(`create table categories (
      id ${ID} not null primary key,
      parent_id ${ID} null,
      name varchar(120) not null,
      slug varchar(80) not null,
      path varchar(600) character set ascii collate ascii_bin not null,
      depth int not null,
      description text null,
      created_at datetime(3) not null,
      updated_at datetime(3) not null,
      unique key categories_path_uq (path),
      key categories_parent_idx (parent_id, name)
    ) ${T}`);
    this.addSql(`create table products (
      id ${ID} not null primary key,
      name varchar(200) not null,
      sort_name varchar(200) character set utf8mb4 collate utf8mb4_bin not null,
      description text null,
      status enum('DRAFT','ACTIVE','ARCHIVED') not null,
      category_id ${ID} null,
      options json not null,
      attributes json not null,
      media json not null,
      created_at datetime(3) not null,
      updated_at datetime(3) not null,
      published_at datetime(3) null,
      archived_at datetime(3) null,
      key products_name_idx (sort_name, id),
      key products_created_idx (created_at, id),
      key products_updated_idx (updated_at, id),
      key products_status_idx (status, sort_name, id),
      key products_category_idx (category_id, status),
      fulltext key products_search_ft (name, description)
    ) ${T}`);
    this.addSql(`create table variants (
      id ${ID} not null primary key,
      product_id ${ID} not null,
      sku varchar(64) not null,
      gtin varchar(14) character set ascii collate ascii_bin null,
      options json not null,
      option_key varchar(255) character set utf8mb4 collate utf8mb4_bin null comment 'null once archived: live combinations are unique per product',
      msrp_minor bigint null,
      msrp_currency char(3) character set ascii collate ascii_bin null,
      position int not null,
      archived_at datetime(3) null,
      created_at datetime(3) not null,
      updated_at datetime(3) not null,
      unique key variants_sku_uq (sku),
      unique key variants_gtin_uq (gtin),
      key variants_product_idx (product_id, position),
      unique key variants_options_uq (product_id, option_key)
    ) ${T}`);
  }
}

export const migrations = [
  InitCatalogService,
  // the router's cache invalidations (events/cache-invalidations.ts)
  cacheInvalidationsMigration('0002-cache-invalidations'),
  VisibilityIndexes,
  PublicVariants,
];
export const tenantMigrations = [InitCatalogTenant];
