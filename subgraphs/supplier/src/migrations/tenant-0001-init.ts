import { Migration } from '@mikro-orm/migrations';
import { FulfillmentTenant } from './tenant-0002-fulfillment.ts';

const T = 'default character set utf8mb4 collate utf8mb4_unicode_ci';

/**
 * One supplier's tenant database. The CHECK constraints are a last line of
 * defence under the domain rules: stock can never go negative and never be
 * reserved beyond what is on hand, whatever a bug or a race might attempt.
 */
export class InitSupplierTenant extends Migration {
  override name = '0001-tenant-init';

  up(): void {
    this.addSql(`create table warehouses (
      id varchar(80) not null primary key,
      name varchar(200) not null,
      code varchar(40) null,
      address_name varchar(200) not null,
      line1 varchar(300) not null,
      line2 varchar(300) null,
      city varchar(120) not null,
      region varchar(120) null,
      postal_code varchar(20) not null,
      country char(2) not null,
      active tinyint(1) not null,
      created_at datetime(3) not null,
      updated_at datetime(3) not null,
      unique key warehouses_code_uq (code)
    ) ${T}`);
    this.addSql(`create table offers (
      id varchar(80) not null primary key,
      variant_id varchar(80) not null,
      brand_id varchar(64) not null,
      wholesale_minor bigint not null,
      currency_code char(3) not null,
      minimum_order_quantity int not null,
      lead_time_days int not null,
      active tinyint(1) not null,
      created_at datetime(3) not null,
      updated_at datetime(3) not null,
      unique key offers_variant_uq (variant_id)
    ) ${T}`);
    this.addSql(`create table inventory_levels (
      id varchar(80) not null primary key,
      warehouse_id varchar(80) not null,
      variant_id varchar(80) not null,
      brand_id varchar(64) not null,
      on_hand int not null,
      reserved int not null,
      version int not null,
      created_at datetime(3) not null,
      updated_at datetime(3) not null,
      unique key inventory_levels_wh_variant_uq (warehouse_id, variant_id),
      key inventory_levels_variant_idx (variant_id),
      constraint inventory_levels_reserved_ck check (reserved >= 0),
      constraint inventory_levels_on_hand_ck check (on_hand >= reserved)
    ) ${T}`);
    this.addSql(`create table stock_movements (
      seq bigint unsigned not null auto_increment primary key,
      id varchar(80) not null,
      warehouse_id varchar(80) not null,
      variant_id varchar(80) not null,
      type enum('RECEIVED','ADJUSTED','RESERVED','RELEASED','SHIPPED') not null,
      quantity int not null,
      on_hand_after int not null,
      reserved_after int not null,
      available_after int not null,
      reservation_id varchar(80) null,
      receipt_id varchar(80) null,
      reason varchar(500) null,
      reference varchar(200) null,
      actor_kind enum('USER','API_KEY','SYSTEM') not null,
      actor_id varchar(80) null,
      created_at datetime(3) not null,
      unique key stock_movements_id_uq (id),
      key stock_movements_variant_idx (variant_id, seq),
      key stock_movements_warehouse_idx (warehouse_id, seq),
      key stock_movements_reservation_idx (reservation_id),
      key stock_movements_created_idx (created_at)
    ) ${T}`);
    this.addSql(`create table reservations (
      id varchar(80) not null primary key,
      warehouse_id varchar(80) not null,
      variant_id varchar(80) not null,
      level_id varchar(80) not null,
      quantity int not null,
      status enum('ACTIVE','RELEASED','COMMITTED','EXPIRED') not null,
      reference varchar(200) not null,
      expires_at datetime(3) not null,
      closed_at datetime(3) null,
      created_at datetime(3) not null,
      updated_at datetime(3) not null,
      key reservations_status_idx (status, expires_at),
      key reservations_variant_idx (variant_id, id),
      key reservations_reference_idx (reference),
      constraint reservations_quantity_ck check (quantity > 0)
    ) ${T}`);
    this.addSql(`create table stock_receipts (
      id varchar(80) not null primary key,
      warehouse_id varchar(80) not null,
      reference varchar(200) not null,
      line_count int not null,
      total_quantity int not null,
      actor_kind enum('USER','API_KEY','SYSTEM') not null,
      actor_id varchar(80) null,
      created_at datetime(3) not null,
      unique key stock_receipts_reference_uq (warehouse_id, reference)
    ) ${T}`);
  }
}

export const tenantMigrations = [InitSupplierTenant, FulfillmentTenant];
