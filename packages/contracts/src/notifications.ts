/**
 * Events produced by the notifications subgraph (scaffolded by `npm run new:subgraph`).
 * Events of one aggregate share its `aggregateId` and are delivered in order.
 */
import { type EventVersions, registerEventTypes } from '@tradegraph/shared/events';

/** A note was created. Aggregate: the note. */
export interface NotificationsNoteCreatedPayload {
  noteId: string;
  organizationId: string;
  title: string;
  /** ISO-8601 instant of the creation. */
  createdAt: string;
}

/** The notifications slice of the event catalogue: type → current version and payload. */
export interface NotificationsEvents {
  'notifications.note.created': { version: 1; payload: NotificationsNoteCreatedPayload };
}

declare module '@tradegraph/shared/events/catalogue' {
  interface EventCatalogue extends NotificationsEvents {}
}

export const NOTIFICATIONS_EVENT_VERSIONS: EventVersions<keyof NotificationsEvents> = {
  'notifications.note.created': 1,
};
registerEventTypes(NOTIFICATIONS_EVENT_VERSIONS);
