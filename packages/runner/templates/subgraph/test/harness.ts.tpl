import { startHarness } from '@tradegraph/testing';
import { start } from '../src/service.ts';

/** The __name__ subgraph on fresh databases, called as the router would (see @tradegraph/testing). */
export const start__Pascal__ = () => startHarness({ name: '__service__', start });
export type __Pascal__Harness = Awaited<ReturnType<typeof start__Pascal__>>;

const NOTE_FIELDS = 'id title body organizationId organizationName createdAt';

export const CREATE_NOTE = `mutation ($input: Create__Pascal__NoteInput!) {
  create__Pascal__Note(input: $input) { note { ${NOTE_FIELDS} } userErrors { field message code } }
}`;

export const NOTE = `query ($id: ID!) { __camel__Note(id: $id) { ${NOTE_FIELDS} } }`;
