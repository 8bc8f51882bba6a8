import { OutboxMessage } from '@tradegraph/shared/events';
import { Note } from './note.ts';
import { OrganizationProjection } from './organization.ts';

export { Note, OrganizationProjection };

/** Entities of the service database. */
export const entities = [OutboxMessage, Note, OrganizationProjection];
