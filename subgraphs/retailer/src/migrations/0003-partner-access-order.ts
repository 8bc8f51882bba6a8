import { Migration } from '@mikro-orm/migrations';

/**
 * partner_access remembers the time of the connection event it reflects, so
 * that an older event delivered late (a redelivery, a replay from the dead
 * letters) cannot undo a newer one (kernel `supersedes`).
 */
export class PartnerAccessOrder extends Migration {
  override name = '0003-partner-access-order';

  up(): void {
    this.addSql(
      "alter table partner_access add column source_at datetime(3) null comment 'occurredAt of the event applied last' after can_read",
    );
  }
}
