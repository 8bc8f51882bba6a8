import type { NotificationsNoteCreatedPayload } from '@tradegraph/contracts';
import type { Note } from '../entities/index.ts';

/** The payload of `notifications.note.created` (packages/contracts/src/notifications.ts). */
export function noteCreated(note: Note): NotificationsNoteCreatedPayload {
  return {
    noteId: note.id,
    organizationId: note.organizationId,
    title: note.title,
    createdAt: note.createdAt.toISOString(),
  };
}
