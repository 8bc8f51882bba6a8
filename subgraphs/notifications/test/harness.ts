import { startHarness } from '@tradegraph/testing';
import { start } from '../src/service.ts';

/** The notifications subgraph on fresh databases, called as the router would (see @tradegraph/testing). */
export const startNotifications = () => startHarness({ name: 'notifications', start });
export type NotificationsHarness = Awaited<ReturnType<typeof startNotifications>>;

const NOTE_FIELDS = 'id title body organizationId organizationName createdAt';

export const CREATE_NOTE = `mutation ($input: CreateNotificationsNoteInput!) {
  createNotificationsNote(input: $input) { note { ${NOTE_FIELDS} } userErrors { field message code } }
}`;

export const NOTE = `query ($id: ID!) { notificationsNote(id: $id) { ${NOTE_FIELDS} } }`;
