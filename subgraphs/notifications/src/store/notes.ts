import type { EntityManager } from '@tradegraph/shared';
import { Note } from '../entities/index.ts';

/** A note as the domain creates it. */
export interface NewNote {
  id: string;
  organizationId: string;
  title: string;
  body: string;
  createdAt: Date;
}

/** Adds a note to the unit of work (written when its transaction commits). */
export function insertNote(em: EntityManager, note: NewNote): Note {
  return em.create(Note, note);
}

/** The notes among `ids` that belong to `organizationId` (one query). */
export function findNotesOf(
  em: EntityManager,
  organizationId: string,
  ids: readonly string[],
): Promise<Note[]> {
  return em.find(Note, { id: { $in: [...ids] }, organizationId });
}
