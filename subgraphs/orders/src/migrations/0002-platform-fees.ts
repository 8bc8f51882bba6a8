import { Migration } from '@mikro-orm/migrations';

const T = 'default character set utf8mb4 collate utf8mb4_unicode_ci';
const ID = 'varchar(64) character set ascii collate ascii_bin';

/**
 * The platform fee of each organisation's plan, projected from
 * `platform.subscription.changed`: checkout's PRICE_BELOW_COST applies the
 * retailer's fee, as payments' split does (docs/orders.md, Money).
 */
export class PlatformFees extends Migration {
  override name = '0002-platform-fees';

  up(): void {
    this.addSql(`create table platform_fees (
      organization_id ${ID} not null primary key,
      fee_bps int not null,
      event_at datetime(3) not null
    ) ${T}`);
  }
}
