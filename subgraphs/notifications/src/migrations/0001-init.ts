import { Migration } from '@mikro-orm/migrations';
import { OUTBOX_TABLE_SQL, PROCESSED_EVENTS_TABLE_SQL } from '@tradegraph/shared/events';

const T = 'default character set utf8mb4 collate utf8mb4_unicode_ci';
const ID = 'varchar(64) character set ascii collate ascii_bin';

/**
 * Service database `${DB_PREFIX}notifications`: projections of the people and
 * orders it writes to, settings and preferences, templates, the deliveries
 * with their attempts, the in-app feed and the local SMS provider's messages.
 */
export class InitNotifications extends Migration {
  override name = '0001-init';

  up(): void {
    this.addSql(OUTBOX_TABLE_SQL);
    this.addSql(PROCESSED_EVENTS_TABLE_SQL);
    // projections of identity's events
    this.addSql(`create table organizations (
      id ${ID} not null primary key,
      name varchar(200) not null,
      kind varchar(16) not null,
      event_at datetime(3) not null
    ) ${T}`);
    this.addSql(`create table accounts (
      id ${ID} not null primary key,
      kind varchar(16) not null,
      email varchar(254) not null,
      name varchar(200) not null,
      event_at datetime(3) not null
    ) ${T}`);
    this.addSql(`create table memberships (
      organization_id ${ID} not null,
      user_id ${ID} not null,
      role varchar(16) not null,
      primary key (organization_id, user_id)
    ) ${T}`);
    // orders.order.placed: who to tell about the order's later events
    this.addSql(`create table orders (
      id ${ID} not null primary key,
      number varchar(40) not null,
      retailer_id ${ID} not null,
      customer_id ${ID} null,
      email varchar(254) null,
      currency_code char(3) not null,
      total_minor bigint not null
    ) ${T}`);
    // supplier.stock.changed: whether the variant is below its supplier's threshold now
    this.addSql(`create table stock_levels (
      supplier_id ${ID} not null,
      variant_id ${ID} not null,
      total_available int not null,
      low tinyint(1) not null,
      primary key (supplier_id, variant_id)
    ) ${T}`);
    this.addSql(`create table organization_settings (
      organization_id ${ID} not null primary key,
      slack_webhook_url varchar(500) null,
      low_stock_threshold int null,
      updated_at datetime(3) not null
    ) ${T}`);
    this.addSql(`create table contacts (
      account_id ${ID} not null primary key,
      phone_number varchar(16) null,
      locale varchar(35) not null,
      updated_at datetime(3) not null
    ) ${T}`);
    // owner: an account (USER scope) or an organisation (ORGANIZATION scope)
    this.addSql(`create table preferences (
      owner_id ${ID} not null,
      scope varchar(16) not null,
      event_type varchar(40) not null,
      channel varchar(16) not null,
      enabled tinyint(1) not null,
      updated_at datetime(3) not null,
      primary key (owner_id, event_type, channel)
    ) ${T}`);
    this.addSql(`create table templates (
      event_type varchar(40) not null,
      locale varchar(35) not null,
      subject varchar(200) not null,
      text_body text not null,
      html_body mediumtext null,
      updated_at datetime(3) null,
      updated_by ${ID} null,
      primary key (event_type, locale)
    ) ${T}`);
    // one row per (event, recipient, channel): the unique key is what makes a redelivered event send nothing twice
    this.addSql(`create table deliveries (
      id ${ID} not null primary key,
      idempotency_key varchar(255) character set ascii collate ascii_bin not null,
      event_id ${ID} not null,
      event_type varchar(40) not null,
      channel varchar(16) not null,
      recipient_id ${ID} null,
      address varchar(500) not null,
      subject varchar(500) not null,
      text_body text not null,
      html_body mediumtext null,
      status varchar(16) not null,
      attempts int not null default 0,
      next_attempt_at datetime(3) not null,
      last_error varchar(1000) null,
      created_at datetime(3) not null,
      finished_at datetime(3) null,
      unique key deliveries_idempotency_uq (idempotency_key),
      key deliveries_due_idx (status, next_attempt_at)
    ) ${T}`);
    this.addSql(`create table delivery_attempts (
      id bigint not null auto_increment primary key,
      delivery_id ${ID} not null,
      attempt int not null,
      outcome varchar(16) not null,
      error varchar(1000) null,
      at datetime(3) not null,
      key delivery_attempts_delivery_idx (delivery_id, attempt)
    ) ${T}`);
    this.addSql(`create table notifications (
      id ${ID} not null primary key,
      delivery_id ${ID} not null,
      recipient_id ${ID} not null,
      event_type varchar(40) not null,
      title varchar(500) not null,
      body text not null,
      created_at datetime(3) not null,
      read_at datetime(3) null,
      unique key notifications_delivery_uq (delivery_id),
      key notifications_feed_idx (recipient_id, id)
    ) ${T}`);
    // the local SMS provider's outbox (what a real provider would have sent)
    this.addSql(`create table sms_messages (
      id bigint not null auto_increment primary key,
      delivery_id ${ID} not null,
      phone_number varchar(16) not null,
      body text not null,
      created_at datetime(3) not null,
      unique key sms_messages_delivery_uq (delivery_id)
    ) ${T}`);
  }
}

export const migrations = [InitNotifications];
