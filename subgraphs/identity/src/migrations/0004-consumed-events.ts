import { Migration } from '@mikro-orm/migrations';
import { PROCESSED_EVENTS_TABLE_SQL } from '@tradegraph/shared/events';

/** Identity consumes events now (the platform's suspensions): the consumer's dedupe table. */
export class ConsumedEvents extends Migration {
  override name = '0004-consumed-events';

  up(): void {
    this.addSql(PROCESSED_EVENTS_TABLE_SQL);
  }
}
