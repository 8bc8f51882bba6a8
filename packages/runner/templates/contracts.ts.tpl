/**
 * Events produced by the __name__ subgraph (scaffolded by `npm run new:subgraph`).
 * Events of one aggregate share its `aggregateId` and are delivered in order.
 */
import { type EventVersions, registerEventTypes } from '@tradegraph/shared/events';

/** A note was created. Aggregate: the note. */
export interface __Pascal__NoteCreatedPayload {
  noteId: string;
  organizationId: string;
  title: string;
  /** ISO-8601 instant of the creation. */
  createdAt: string;
}

/** The __name__ slice of the event catalogue: type → current version and payload. */
export interface __Pascal__Events {
  '__service__.note.created': { version: 1; payload: __Pascal__NoteCreatedPayload };
}

declare module '@tradegraph/shared/events/catalogue' {
  interface EventCatalogue extends __Pascal__Events {}
}

export const __CONST___EVENT_VERSIONS: EventVersions<keyof __Pascal__Events> = {
  '__service__.note.created': 1,
};
registerEventTypes(__CONST___EVENT_VERSIONS);
