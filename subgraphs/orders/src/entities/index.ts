import { OutboxMessage } from '@tradegraph/shared/events';
import { OrganizationProjection } from './organization.ts';

export { OrganizationProjection };

/**
 * Entities of the service database. The order tables are written with SQL in
 * store/ (set-based updates guarded by the saga's current step).
 */
export const entities = [OutboxMessage, OrganizationProjection];
