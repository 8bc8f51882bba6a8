import type { __Pascal__NoteCreatedPayload } from '@tradegraph/contracts';
import type { Note } from '../entities/index.ts';

/** The payload of `__service__.note.created` (packages/contracts/src/__name__.ts). */
export function noteCreated(note: Note): __Pascal__NoteCreatedPayload {
  return {
    noteId: note.id,
    organizationId: note.organizationId,
    title: note.title,
    createdAt: note.createdAt.toISOString(),
  };
}
