import { Migration } from '@mikro-orm/migrations';
import { OUTBOX_TABLE_SQL, PROCESSED_EVENTS_TABLE_SQL } from '@tradegraph/shared/events';

const T = 'default character set utf8mb4 collate utf8mb4_unicode_ci';
const ID = 'varchar(64) character set ascii collate ascii_bin';

/**
 * Service database `${DB_PREFIX}orders` (orders has no tenant databases: an
 * order belongs to a retailer, suppliers, brands and a shopper at once).
 * Projections of other services' events remember the time of the event they
 * reflect (`event_at`, the kernel's `supersedes`).
 */
export class InitOrders extends Migration {
  override name = '0001-init';

  up(): void {
    this.addSql(OUTBOX_TABLE_SQL);
    this.addSql(PROCESSED_EVENTS_TABLE_SQL);
    this.addSql(`create table organizations (
      id ${ID} not null primary key,
      name varchar(200) not null,
      event_at datetime(3) not null,
      updated_at datetime(3) not null
    ) ${T}`);
    // projections for checkout
    this.addSql(`create table carts (
      cart_id ${ID} not null primary key,
      retailer_id ${ID} not null,
      storefront_id ${ID} not null,
      currency_code char(3) not null,
      customer_id ${ID} null,
      status varchar(20) not null,
      cart_lines json not null,
      event_at datetime(3) not null
    ) ${T}`);
    this.addSql(`create table listing_prices (
      listing_id ${ID} not null primary key,
      retailer_id ${ID} not null,
      variant_id ${ID} not null,
      brand_id ${ID} not null,
      price_minor bigint null,
      currency_code char(3) null,
      title varchar(300) null,
      sellable tinyint(1) not null,
      event_at datetime(3) not null
    ) ${T}`);
    this.addSql(`create table offers (
      offer_id ${ID} not null primary key,
      supplier_id ${ID} not null,
      brand_id ${ID} not null,
      variant_id ${ID} not null,
      wholesale_minor bigint not null,
      currency_code char(3) not null,
      minimum_order_quantity int not null,
      active tinyint(1) not null,
      event_at datetime(3) not null,
      key offers_variant_idx (variant_id, currency_code)
    ) ${T}`);
    this.addSql(`create table stock_totals (
      supplier_id ${ID} not null,
      variant_id ${ID} not null,
      total_available int not null,
      event_at datetime(3) not null,
      primary key (supplier_id, variant_id),
      key stock_totals_variant_idx (variant_id)
    ) ${T}`);
    this.addSql(`create table fulfil_connections (
      connection_id ${ID} not null primary key,
      supplier_id ${ID} not null,
      brand_id ${ID} not null,
      status varchar(20) not null,
      active tinyint(1) not null,
      event_at datetime(3) not null,
      key fulfil_connections_pair_idx (brand_id, supplier_id)
    ) ${T}`);
    // the orders domain
    this.addSql(`create table fulfillment_rules (
      retailer_id ${ID} not null primary key,
      supplier_priority json not null,
      max_suppliers_per_order int null,
      updated_at datetime(3) not null
    ) ${T}`);
    this.addSql(`create table order_numbers (
      seq bigint not null auto_increment primary key
    ) ${T}`);
    this.addSql(`create table orders (
      id ${ID} not null primary key,
      number varchar(20) not null,
      cart_id ${ID} not null,
      retailer_id ${ID} not null,
      storefront_id ${ID} not null,
      customer_id ${ID} null,
      email varchar(254) not null,
      access_token_hash char(64) null,
      shipping_address json not null,
      payment_id ${ID} not null,
      payment_token varchar(200) not null,
      idempotency_key varchar(100) not null,
      currency_code char(3) not null,
      total_minor bigint not null,
      status varchar(30) not null,
      status_reason varchar(1000) null,
      created_at datetime(3) not null,
      updated_at datetime(3) not null,
      unique key orders_number_uq (number),
      key orders_cart_idx (cart_id),
      key orders_retailer_idx (retailer_id, created_at, id),
      key orders_customer_idx (customer_id, created_at, id)
    ) ${T}`);
    this.addSql(`create table order_groups (
      id ${ID} not null primary key,
      order_id ${ID} not null,
      supplier_id ${ID} not null,
      reservation_status varchar(30) not null,
      updated_at datetime(3) not null,
      unique key order_groups_order_supplier_uq (order_id, supplier_id),
      key order_groups_supplier_idx (supplier_id, order_id)
    ) ${T}`);
    this.addSql(`create table order_lines (
      id ${ID} not null primary key,
      order_id ${ID} not null,
      group_id ${ID} not null,
      position int not null,
      listing_id ${ID} not null,
      variant_id ${ID} not null,
      brand_id ${ID} not null,
      supplier_id ${ID} not null,
      title varchar(300) not null,
      quantity int not null,
      unit_price_minor bigint not null,
      wholesale_unit_minor bigint not null,
      refunded_quantity int not null default 0,
      key order_lines_order_idx (order_id, position),
      key order_lines_brand_idx (brand_id, order_id)
    ) ${T}`);
    this.addSql(`create table order_shipments (
      shipment_id ${ID} not null primary key,
      order_id ${ID} not null,
      group_id ${ID} not null,
      status varchar(20) not null,
      shipment_lines json not null,
      event_at datetime(3) not null,
      key order_shipments_order_idx (order_id)
    ) ${T}`);
    this.addSql(`create table order_sagas (
      order_id ${ID} not null primary key,
      step varchar(30) not null,
      deadline datetime(3) null,
      payment_status varchar(30) not null,
      void_requested tinyint(1) not null default 0,
      refund_pending tinyint(1) not null default 0,
      updated_at datetime(3) not null,
      key order_sagas_deadline_idx (deadline)
    ) ${T}`);
    this.addSql(`create table saga_log (
      id bigint not null auto_increment primary key,
      order_id ${ID} not null,
      at datetime(3) not null,
      direction varchar(10) not null,
      event_type varchar(120) not null,
      event_id char(26) null,
      note varchar(1000) null,
      key saga_log_order_idx (order_id, id)
    ) ${T}`);
    this.addSql(`create table order_status_history (
      id bigint not null auto_increment primary key,
      order_id ${ID} not null,
      status varchar(30) not null,
      previous_status varchar(30) null,
      at datetime(3) not null,
      actor_kind varchar(20) not null,
      actor_id ${ID} null,
      reason varchar(1000) null,
      key order_status_history_order_idx (order_id, id)
    ) ${T}`);
    this.addSql(`create table idempotency_keys (
      retailer_id ${ID} not null,
      idempotency_key varchar(100) not null,
      cart_id ${ID} not null,
      order_id ${ID} not null,
      created_at datetime(3) not null,
      unique key idempotency_keys_uq (idempotency_key)
    ) ${T}`);
    this.addSql(`create table order_refunds (
      id ${ID} not null primary key,
      order_id ${ID} not null,
      idempotency_key varchar(100) not null,
      amount_minor bigint not null,
      refund_lines json not null,
      status varchar(20) not null,
      reason varchar(1000) not null,
      created_at datetime(3) not null,
      unique key order_refunds_key_uq (order_id, idempotency_key)
    ) ${T}`);
  }
}
