import { OutboxMessage } from '@tradegraph/shared/events';

/**
 * Entities of the service database. Every other table (migrations/0001-init.ts)
 * is read and written with SQL in store/: the rows are small, mostly upserts
 * and set-based claims that the ORM's unit of work would not express.
 */
export const entities = [OutboxMessage];
