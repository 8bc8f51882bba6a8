import { Migration } from '@mikro-orm/migrations';
import { OUTBOX_TABLE_SQL, PROCESSED_EVENTS_TABLE_SQL } from '@tradegraph/shared/events';

const T = 'default character set utf8mb4 collate utf8mb4_unicode_ci';
const ID = 'varchar(64) character set ascii collate ascii_bin';

/** Service database `${DB_PREFIX}notifications`: outbox, consumer dedupe, notes, organisation projection. */
export class InitNotifications extends Migration {
  override name = '0001-init';

  up(): void {
    this.addSql(OUTBOX_TABLE_SQL);
    this.addSql(PROCESSED_EVENTS_TABLE_SQL);
    this.addSql(`create table notes (
      id ${ID} not null primary key,
      organization_id ${ID} not null,
      title varchar(120) not null,
      body text not null,
      created_at datetime(3) not null,
      key notes_organization_idx (organization_id, created_at)
    ) ${T}`);
    this.addSql(`create table organizations (
      id ${ID} not null primary key,
      name varchar(200) not null,
      event_at datetime(3) not null,
      updated_at datetime(3) not null
    ) ${T}`);
  }
}

export const migrations = [InitNotifications];
