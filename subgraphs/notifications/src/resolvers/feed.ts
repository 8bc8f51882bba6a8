import { type LiveEntry, liveResumeOf, pageArgs, payload, read, write } from '@tradegraph/shared';
import { markNotificationsRead, notificationFeed, recipientOf } from '../domain/feed.ts';
import type {
  MutationResolvers,
  NotificationResolvers,
  QueryResolvers,
  SubscriptionResolvers,
} from '../generated/resolvers.ts';
import type { NotificationRecord } from '../store/feed.ts';

export const feedQueries = {
  notifications: (_, { unreadOnly, first, after }, ctx) =>
    read(ctx, { permission: 'public', tenant: 'service' }, (rx) =>
      notificationFeed(rx, unreadOnly ?? false, pageArgs<string>({ first, after })),
    ),
} satisfies Pick<QueryResolvers, 'notifications'>;

export const feedMutations = {
  markNotificationsRead: (_, { input }, ctx) =>
    payload('notifications', () =>
      write(ctx, { permission: 'public', tenant: 'service' }, (tx) => markNotificationsRead(tx, input.ids)),
    ),
} satisfies Pick<MutationResolvers, 'markNotificationsRead'>;

/**
 * Over graphql-ws on /graphql (the kernel's live server; the router connects
 * with the subscriber's internal token): the caller's own notifications as the
 * in-app channel of this process delivers them.
 */
export const feedSubscriptions = {
  notificationReceived: {
    subscribe: (_, __, ctx) => {
      const recipientId = recipientOf(ctx.principal);
      return ctx.services.live.subscribe((n) => n.recipientId === recipientId, liveResumeOf(ctx));
    },
    resolve: (entry: LiveEntry<NotificationRecord>) => entry.event,
  },
} satisfies Pick<SubscriptionResolvers, 'notificationReceived'>;

export const notificationResolvers = {
  read: (n) => n.readAt !== null,
} satisfies NotificationResolvers;
