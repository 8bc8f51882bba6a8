import { Migration } from '@mikro-orm/migrations';

const T = 'default character set utf8mb4 collate utf8mb4_unicode_ci';

/**
 * The supplier's side of the order saga, in its tenant database so that a
 * group's reservations, its saga state and the reply commit together:
 * fulfilment groups routed to this supplier (a projection of orders' events
 * plus the reservation the saga asked for), the order status as last heard,
 * and the shipments the supplier makes for a group.
 */
export class FulfillmentTenant extends Migration {
  override name = '0002-tenant-fulfillment';

  up(): void {
    this.addSql(`create table fulfillment_groups (
      id varchar(80) not null primary key comment 'the group id orders issued',
      order_id varchar(80) not null,
      order_number varchar(40) null,
      retailer_id varchar(64) null,
      currency_code char(3) null,
      reservation_status enum('NONE','RESERVED','REJECTED','RELEASED') not null
        comment 'the saga reservation of the group: one per group, set once from NONE',
      rejection json null comment 'the rejected reply, repeated to a repeated command',
      status enum('PENDING','CONFIRMED','PARTIALLY_SHIPPED','SHIPPED','DELIVERED','CANCELLED') not null
        comment 'derived (domain/fulfillment.ts groupStatus) after every change',
      placed_at datetime(3) null,
      created_at datetime(3) not null,
      updated_at datetime(3) not null,
      key fulfillment_groups_status_idx (status, id),
      key fulfillment_groups_order_idx (order_id)
    ) ${T}`);
    this.addSql(`create table fulfillment_group_lines (
      group_id varchar(80) not null,
      order_line_id varchar(80) not null,
      variant_id varchar(80) not null,
      brand_id varchar(64) not null,
      quantity int not null,
      shipped_quantity int not null default 0,
      primary key (group_id, order_line_id),
      constraint fulfillment_group_lines_shipped_ck check (shipped_quantity >= 0 and shipped_quantity <= quantity)
    ) ${T}`);
    this.addSql(`create table fulfillment_reservations (
      reservation_id varchar(80) not null primary key,
      group_id varchar(80) not null,
      order_line_id varchar(80) not null,
      warehouse_id varchar(80) not null,
      quantity int not null comment 'units reserved for the line at the saga step',
      key fulfillment_reservations_group_idx (group_id, order_line_id)
    ) ${T}`);
    this.addSql(`create table fulfillment_orders (
      order_id varchar(80) not null primary key,
      status varchar(24) not null,
      reason varchar(500) null,
      event_at datetime(3) not null comment 'at of the applied status change (older ones are ignored)',
      updated_at datetime(3) not null
    ) ${T}`);
    this.addSql(`create table shipments (
      id varchar(80) not null primary key,
      group_id varchar(80) not null,
      status enum('CREATED','SHIPPED','DELIVERED') not null,
      carrier varchar(100) not null,
      tracking_number varchar(100) not null,
      shipped_at datetime(3) null,
      delivered_at datetime(3) null,
      created_at datetime(3) not null,
      updated_at datetime(3) not null,
      key shipments_group_idx (group_id, id)
    ) ${T}`);
    this.addSql(`create table shipment_lines (
      shipment_id varchar(80) not null,
      order_line_id varchar(80) not null,
      quantity int not null,
      primary key (shipment_id, order_line_id),
      constraint shipment_lines_quantity_ck check (quantity > 0)
    ) ${T}`);
  }
}
