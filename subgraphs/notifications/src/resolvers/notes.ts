import { payload, read, write } from '@tradegraph/shared';
import { createNote, findNote } from '../domain/notes.ts';
import { organizationName } from '../domain/organizations.ts';
import type {
  MutationResolvers,
  NotificationsNoteResolvers,
  QueryResolvers,
} from '../generated/resolvers.ts';

export const noteQueries = {
  notificationsNote: (_, { id }, ctx) =>
    read(ctx, { permission: 'org:read', tenant: 'service' }, (rx) => findNote(rx, id)),
} satisfies Pick<QueryResolvers, 'notificationsNote'>;

export const noteMutations = {
  createNotificationsNote: (_, { input }, ctx) =>
    payload('note', () =>
      write(ctx, { permission: 'org:manage', tenant: 'service' }, async (tx) => createNote(tx, input)),
    ),
} satisfies Pick<MutationResolvers, 'createNotificationsNote'>;

export const noteResolvers = {
  __resolveReference: (ref, ctx) =>
    read(ctx, { permission: 'org:read', tenant: 'service' }, (rx) => findNote(rx, ref.id)),
  organizationName: (note, _, ctx) => organizationName(ctx, note.organizationId),
} satisfies NotificationsNoteResolvers;
