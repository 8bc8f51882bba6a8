import { Migration } from '@mikro-orm/migrations';
import { CartCheckoutTenant } from './tenant-0002-cart-checkout.ts';

const T = 'default character set utf8mb4 collate utf8mb4_unicode_ci';

/**
 * One database per retailer: storefronts, listings and carts. The listing row
 * carries the values shoppers browse by (title, price, availability), refreshed
 * from the service database's projections whenever they change, so a page of
 * listings is one indexed query.
 */
export class InitRetailerTenant extends Migration {
  override name = '0001-tenant';

  up(): void {
    this.addSql(`create table storefronts (
      id varchar(80) not null primary key,
      name varchar(120) not null,
      slug varchar(64) not null,
      description text null,
      currency_code char(3) not null,
      default_markup_bp int not null comment 'default markup over MSRP in basis points (2500 = 25%)',
      published tinyint(1) not null,
      published_at datetime(3) null,
      created_at datetime(3) not null,
      updated_at datetime(3) not null,
      unique key storefronts_slug_uq (slug),
      key storefronts_created_idx (created_at, id)
    ) ${T}`);
    this.addSql(`create table listings (
      id varchar(80) not null primary key,
      storefront_id varchar(80) not null,
      variant_id varchar(80) not null,
      product_id varchar(80) not null,
      brand_id varchar(64) not null,
      active_key varchar(170) null comment 'storefront|variant while ACTIVE, null once removed: one active listing per variant and storefront',
      status varchar(16) not null,
      title_override varchar(300) null,
      description text null,
      pricing_mode varchar(16) not null comment 'FIXED or MARKUP',
      price_basis varchar(16) null comment 'MSRP or WHOLESALE for MARKUP',
      fixed_price_minor bigint null,
      markup_bp int null comment 'null: the storefront default',
      currency_code char(3) not null,
      title varchar(300) not null comment 'derived: the override or the variant display name',
      price_minor bigint not null comment 'derived: last computed price',
      priced tinyint(1) not null comment 'derived: 0 when the price basis is missing',
      variant_active tinyint(1) not null comment 'derived: the product is ACTIVE',
      available tinyint(1) not null comment 'derived: some supplier has stock',
      created_at datetime(3) not null,
      updated_at datetime(3) not null,
      removed_at datetime(3) null,
      unique key listings_active_uq (active_key),
      key listings_price_idx (storefront_id, status, price_minor, id),
      key listings_title_idx (storefront_id, status, title, id),
      key listings_newest_idx (storefront_id, status, created_at, id),
      key listings_variant_idx (variant_id),
      key listings_brand_idx (brand_id)
    ) ${T}`);
    this.addSql(`create table carts (
      id varchar(80) not null primary key,
      storefront_id varchar(80) not null,
      customer_id varchar(64) null,
      currency_code char(3) not null,
      created_at datetime(3) not null,
      updated_at datetime(3) not null,
      expires_at datetime(3) not null,
      key carts_customer_idx (customer_id, updated_at),
      key carts_expires_idx (expires_at)
    ) ${T}`);
    this.addSql(`create table cart_lines (
      id varchar(80) not null primary key,
      cart_id varchar(80) not null,
      listing_id varchar(80) not null,
      quantity int not null,
      created_at datetime(3) not null,
      updated_at datetime(3) not null,
      unique key cart_lines_listing_uq (cart_id, listing_id)
    ) ${T}`);
  }
}

export const tenantMigrations = [InitRetailerTenant, CartCheckoutTenant];
