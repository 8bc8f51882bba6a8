import { Migration } from '@mikro-orm/migrations';
import { OUTBOX_TABLE_SQL, PROCESSED_EVENTS_TABLE_SQL } from '@tradegraph/shared/events';

const T = 'default character set utf8mb4 collate utf8mb4_unicode_ci';
const ID = 'varchar(64) character set ascii collate ascii_bin';
const IMMUTABLE = "signal sqlstate '45000' set message_text = 'audit entries are append-only'";

/**
 * Service database `${DB_PREFIX}platform` (no tenant databases: everything
 * here is the platform's own view of its tenants). Outbox, consumer dedupe,
 * organisation projection, plans and subscriptions, invoices, the analytics
 * roll-ups and the append-only audit trail.
 */
export class InitPlatform extends Migration {
  override name = '0001-init';

  up(): void {
    this.addSql(OUTBOX_TABLE_SQL);
    this.addSql(PROCESSED_EVENTS_TABLE_SQL);
    // identity's organisations; `status` is the platform's own decision (suspend/reactivate)
    this.addSql(`create table organizations (
      id ${ID} not null primary key,
      name varchar(200) not null,
      kind varchar(16) not null,
      status varchar(16) not null default 'ACTIVE',
      suspended_reason varchar(500) null,
      suspended_at datetime(3) null,
      created_at datetime(3) not null,
      event_at datetime(3) not null,
      updated_at datetime(3) not null,
      key organizations_name_idx (name),
      key organizations_kind_idx (kind, name)
    ) ${T}`);
    this.addSql(`create table plans (
      id ${ID} not null primary key,
      code varchar(40) character set ascii collate ascii_bin not null,
      name varchar(120) not null,
      monthly_fee_minor bigint not null,
      currency_code char(3) not null,
      transaction_fee_bps int not null,
      max_storefronts int null,
      max_api_calls_per_day int null,
      trial_days int not null,
      is_default tinyint(1) not null default 0,
      created_at datetime(3) not null,
      unique key plans_code_uq (code)
    ) ${T}`);
    this.addSql(`insert into plans values
      ('pln_trial', 'trial', 'Trial', 0, 'EUR', 300, 1, 10000, 30, 1, utc_timestamp(3)),
      ('pln_standard', 'standard', 'Standard', 4900, 'EUR', 250, 3, 100000, 0, 0, utc_timestamp(3)),
      ('pln_scale', 'scale', 'Scale', 19900, 'EUR', 150, null, null, 0, 0, utc_timestamp(3))`);
    this.addSql(`create table subscriptions (
      organization_id ${ID} not null primary key,
      plan_id ${ID} not null,
      status varchar(16) not null,
      trial_ends_at datetime(3) null,
      started_at datetime(3) not null,
      cancelled_at datetime(3) null,
      updated_at datetime(3) not null,
      key subscriptions_plan_idx (plan_id)
    ) ${T}`);
    this.addSql(`create table invoices (
      id ${ID} not null primary key,
      organization_id ${ID} not null,
      month char(7) character set ascii not null,
      plan_id ${ID} not null,
      line_items json not null,
      totals json not null,
      issued_at datetime(3) not null,
      unique key invoices_org_month_uq (organization_id, month),
      key invoices_month_idx (month, organization_id)
    ) ${T}`);
    // order facts kept to apply a later confirmation to every party of the order
    this.addSql(`create table order_facts (
      order_id ${ID} not null primary key,
      currency_code char(3) not null,
      parties json not null,
      placed_at datetime(3) not null,
      confirmed_at datetime(3) null
    ) ${T}`);
    // GMV / orders / units per organisation and UTC day (role: how it took part in the orders)
    this.addSql(`create table daily_sales (
      organization_id ${ID} not null,
      role varchar(16) not null,
      day date not null,
      currency_code char(3) not null,
      orders int not null default 0,
      units bigint not null default 0,
      gmv_minor bigint not null default 0,
      confirmed_orders int not null default 0,
      confirmed_gmv_minor bigint not null default 0,
      primary key (organization_id, day, role, currency_code)
    ) ${T}`);
    this.addSql(`create table daily_product_sales (
      organization_id ${ID} not null,
      day date not null,
      variant_id ${ID} not null,
      currency_code char(3) not null,
      title varchar(300) not null,
      units bigint not null default 0,
      gmv_minor bigint not null default 0,
      primary key (organization_id, day, variant_id, currency_code)
    ) ${T}`);
    this.addSql(`create table daily_brand_retailer_sales (
      brand_id ${ID} not null,
      retailer_id ${ID} not null,
      day date not null,
      currency_code char(3) not null,
      orders int not null default 0,
      units bigint not null default 0,
      gmv_minor bigint not null default 0,
      primary key (brand_id, day, retailer_id, currency_code)
    ) ${T}`);
    // one row per fulfilment group the saga asked a supplier to reserve; filled from events of three topics in any order
    this.addSql(`create table supplier_groups (
      group_id ${ID} not null primary key,
      supplier_id ${ID} not null,
      order_id ${ID} not null,
      requested_at datetime(3) null,
      units_requested int null,
      reserved_at datetime(3) null,
      units_reserved int null,
      rejected_at datetime(3) null,
      shipped_at datetime(3) null,
      delivered_at datetime(3) null,
      key supplier_groups_supplier_idx (supplier_id, requested_at)
    ) ${T}`);
    this.addSql(`create table price_points (
      id bigint not null auto_increment primary key,
      event_id char(26) character set ascii not null,
      variant_id ${ID} not null,
      brand_id ${ID} not null,
      organization_id ${ID} not null,
      kind varchar(16) not null,
      source_id ${ID} not null,
      price_minor bigint not null,
      currency_code char(3) not null,
      at datetime(3) not null,
      unique key price_points_event_uq (event_id),
      key price_points_variant_idx (variant_id, at),
      key price_points_source_idx (source_id, at)
    ) ${T}`);
    this.addSql(`create table audit_entries (
      seq bigint not null auto_increment primary key,
      event_id char(26) character set ascii not null,
      type varchar(120) not null,
      aggregate_id varchar(190) not null,
      organization_id ${ID} null,
      actor_kind varchar(16) not null,
      actor_id varchar(190) null,
      source varchar(64) not null,
      request_id varchar(190) null,
      occurred_at datetime(3) not null,
      recorded_at datetime(3) not null,
      payload json not null,
      unique key audit_entries_event_uq (event_id),
      key audit_entries_org_idx (organization_id, seq),
      key audit_entries_type_idx (type, seq),
      key audit_entries_occurred_idx (occurred_at)
    ) ${T}`);
    this.addSql(
      `create trigger audit_entries_no_update before update on audit_entries for each row ${IMMUTABLE}`,
    );
    this.addSql(
      `create trigger audit_entries_no_delete before delete on audit_entries for each row ${IMMUTABLE}`,
    );
  }
}

export const migrations = [InitPlatform];
