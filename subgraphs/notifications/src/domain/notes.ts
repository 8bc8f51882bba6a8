import { forbidden, newId, parseId, type ReadContext, type UnitContext } from '@tradegraph/shared';
import type { Note } from '../entities/index.ts';
import { noteCreated } from '../events/publish.ts';
import { findNotesOf, insertNote } from '../store/notes.ts';
import { fail } from './errors.ts';

export const NOTE_ID_PREFIX = 'note';
export const TITLE_MAX_LENGTH = 120;
export const BODY_MAX_LENGTH = 2000;

export interface NoteFields {
  title: string;
  body: string;
}

/** The rule for a note's fields (pure): trimmed title 1–120 characters, body up to 2000. */
export function validateNote(input: { title: string; body?: string | null | undefined }): NoteFields {
  const title = input.title.trim();
  const body = (input.body ?? '').trim();
  if (!title) fail('REQUIRED', 'A note needs a title', 'title');
  if (title.length > TITLE_MAX_LENGTH) {
    fail('TOO_LONG', `The title may have at most ${TITLE_MAX_LENGTH} characters`, 'title');
  }
  if (body.length > BODY_MAX_LENGTH) {
    fail('TOO_LONG', `The body may have at most ${BODY_MAX_LENGTH} characters`, 'body');
  }
  return { title, body };
}

/** Creates a note for the acting organisation and records `notifications.note.created` in the same transaction. */
export function createNote<S>(tx: UnitContext<S>, input: { title: string; body?: string | null }): Note {
  if (!tx.actor) throw forbidden('Only an organisation can create notes');
  const note = insertNote(tx.em, {
    id: newId(NOTE_ID_PREFIX),
    organizationId: tx.actor.organizationId,
    ...validateNote(input),
    createdAt: new Date(),
  });
  tx.publish('notifications.note.created', { aggregateId: note.id, payload: noteCreated(note) });
  return note;
}

/**
 * One of the reader's organisation's notes, null otherwise (unknown, malformed
 * or another organisation's id alike). Batched per request: every note asked
 * for while resolving one request is read in one query.
 */
export async function findNote<S>(rx: ReadContext<S>, id: string): Promise<Note | null> {
  const organizationId = rx.actor?.organizationId;
  if (!organizationId || !parseId(id, NOTE_ID_PREFIX)) return null;
  const loader = rx.loaders.get<string, Note | null>(`notes:${organizationId}`, async (ids) => {
    const found = new Map((await findNotesOf(rx.em, organizationId, ids)).map((n) => [n.id, n]));
    return ids.map((i) => found.get(i) ?? null);
  });
  return loader.load(id);
}
