import { OutboxMessage } from '@tradegraph/shared/events';

/**
 * Entities of the service database. The platform's tables are read and
 * written with SQL in src/store (roll-ups are set-based upserts, the audit
 * trail is append-only), so only the kernel's outbox is mapped.
 */
export const entities = [OutboxMessage];
