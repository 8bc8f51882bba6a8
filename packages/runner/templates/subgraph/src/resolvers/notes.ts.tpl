import { payload, read, write } from '@tradegraph/shared';
import { createNote, findNote } from '../domain/notes.ts';
import { organizationName } from '../domain/organizations.ts';
import type { __Pascal__NoteResolvers, MutationResolvers, QueryResolvers } from '../generated/resolvers.ts';

export const noteQueries = {
  __camel__Note: (_, { id }, ctx) =>
    read(ctx, { permission: 'org:read', tenant: 'service' }, (rx) => findNote(rx, id)),
} satisfies Pick<QueryResolvers, '__camel__Note'>;

export const noteMutations = {
  create__Pascal__Note: (_, { input }, ctx) =>
    payload('note', () =>
      write(ctx, { permission: 'org:manage', tenant: 'service' }, async (tx) => createNote(tx, input)),
    ),
} satisfies Pick<MutationResolvers, 'create__Pascal__Note'>;

export const noteResolvers = {
  __resolveReference: (ref, ctx) =>
    read(ctx, { permission: 'org:read', tenant: 'service' }, (rx) => findNote(rx, ref.id)),
  organizationName: (note, _, ctx) => organizationName(ctx, note.organizationId),
} satisfies __Pascal__NoteResolvers;
