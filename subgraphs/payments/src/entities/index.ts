import { OutboxMessage } from '@tradegraph/shared/events';

/**
 * Entities of the service database. Payments, refunds, payouts and the
 * ledger are read and written with SQL in src/store (set-based ledger
 * inserts, and entries the ORM must never be able to update).
 */
export const entities = [OutboxMessage];
