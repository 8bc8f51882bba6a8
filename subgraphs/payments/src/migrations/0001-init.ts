import { Migration } from '@mikro-orm/migrations';
import { OUTBOX_TABLE_SQL, PROCESSED_EVENTS_TABLE_SQL } from '@tradegraph/shared/events';

const T = 'default character set utf8mb4 collate utf8mb4_unicode_ci';
const ID = 'varchar(64) character set ascii collate ascii_bin';
const IMMUTABLE =
  "signal sqlstate '45000' set message_text = 'ledger rows are immutable: post a new transaction'";

/**
 * Service database `${DB_PREFIX}payments`: outbox, consumer dedupe, payment
 * intents with their split lines and provider transfers, refunds, payouts,
 * the ledger (transactions and entries) and received Stripe webhook events.
 */
export class InitPayments extends Migration {
  override name = '0001-init';

  up(): void {
    this.addSql(OUTBOX_TABLE_SQL);
    this.addSql(PROCESSED_EVENTS_TABLE_SQL);
    this.addSql(`create table payments (
      id ${ID} not null primary key,
      order_id ${ID} not null,
      retailer_id ${ID} null,
      amount_minor bigint not null,
      currency_code char(3) not null,
      status varchar(24) not null,
      provider varchar(16) not null,
      provider_ref varchar(255) null,
      idempotency_key varchar(255) not null,
      failure_reason varchar(32) null,
      failure_message varchar(500) null,
      refunded_minor bigint not null default 0,
      created_at datetime(3) not null,
      updated_at datetime(3) not null,
      key payments_order_idx (order_id)
    ) ${T}`);
    this.addSql(`create table payment_lines (
      payment_id ${ID} not null,
      order_line_id ${ID} not null,
      supplier_id ${ID} not null,
      brand_id ${ID} not null,
      retailer_id ${ID} not null,
      amount_minor bigint not null,
      supplier_minor bigint not null,
      brand_minor bigint not null,
      platform_minor bigint not null,
      retailer_minor bigint not null,
      refunded_minor bigint not null default 0,
      primary key (payment_id, order_line_id)
    ) ${T}`);
    this.addSql(`create table provider_transfers (
      payment_id ${ID} not null,
      organization_id ${ID} not null,
      transfer_ref varchar(255) not null,
      amount_minor bigint not null,
      primary key (payment_id, organization_id)
    ) ${T}`);
    this.addSql(`create table provider_accounts (
      organization_id ${ID} not null primary key,
      provider varchar(16) not null,
      account_ref varchar(255) not null
    ) ${T}`);
    this.addSql(`create table refunds (
      id ${ID} not null primary key,
      payment_id ${ID} not null,
      order_id ${ID} not null,
      amount_minor bigint not null,
      currency_code char(3) not null,
      status varchar(16) not null,
      provider_ref varchar(255) null,
      failure_reason varchar(500) null,
      created_at datetime(3) not null,
      key refunds_payment_idx (payment_id)
    ) ${T}`);
    this.addSql(`create table payouts (
      id ${ID} not null primary key,
      organization_id ${ID} not null,
      amount_minor bigint not null,
      currency_code char(3) not null,
      idempotency_key varchar(255) not null,
      status varchar(16) not null,
      created_at datetime(3) not null,
      unique key payouts_org_key_uq (organization_id, idempotency_key)
    ) ${T}`);
    // The ledger. Entries are written before their transaction row; inserting the
    // transaction row checks that its entries exist and sum to zero.
    this.addSql(`create table ledger_transactions (
      id ${ID} not null primary key,
      kind varchar(16) not null,
      reference_id ${ID} not null,
      order_id ${ID} null,
      currency_code char(3) not null,
      created_at datetime(3) not null,
      unique key ledger_transactions_reference_uq (kind, reference_id)
    ) ${T}`);
    this.addSql(`create table ledger_entries (
      id bigint unsigned not null auto_increment primary key,
      transaction_id ${ID} not null,
      account varchar(100) character set ascii collate ascii_bin not null,
      organization_id ${ID} null,
      currency_code char(3) not null,
      amount_minor bigint not null,
      created_at datetime(3) not null,
      key ledger_entries_account_idx (account, currency_code, created_at, id),
      key ledger_entries_transaction_idx (transaction_id)
    ) ${T}`);
    this.addSql(
      `create trigger ledger_entries_no_update before update on ledger_entries for each row ${IMMUTABLE}`,
    );
    this.addSql(
      `create trigger ledger_entries_no_delete before delete on ledger_entries for each row ${IMMUTABLE}`,
    );
    this.addSql(
      `create trigger ledger_transactions_no_update before update on ledger_transactions for each row ${IMMUTABLE}`,
    );
    this.addSql(
      `create trigger ledger_transactions_no_delete before delete on ledger_transactions for each row ${IMMUTABLE}`,
    );
    this.addSql(`create trigger ledger_transactions_balanced before insert on ledger_transactions for each row
      begin
        if (select count(*) from ledger_entries e where e.transaction_id = new.id) < 2
          or (select count(*) from ledger_entries e where e.transaction_id = new.id and e.currency_code <> new.currency_code) > 0
          or (select sum(e.amount_minor) from ledger_entries e where e.transaction_id = new.id) <> 0 then
          signal sqlstate '45000' set message_text = 'ledger transaction does not balance';
        end if;
      end`);
    this.addSql(`create table webhook_events (
      id varchar(255) character set ascii collate ascii_bin not null primary key,
      type varchar(120) not null,
      received_at datetime(3) not null
    ) ${T}`);
  }
}
