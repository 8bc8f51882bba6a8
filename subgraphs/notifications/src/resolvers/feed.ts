import { pageArgs, payload, read, write } from '@tradegraph/shared';
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
 * Served by this process's feed hub: the router's subscription engine
 * (issue 9) connects to the subgraph over graphql-ws with the subscriber's
 * internal token; each event is the notification itself.
 */
export const feedSubscriptions = {
  notificationReceived: {
    subscribe: (_, __, ctx) => ctx.services.hub.listen(recipientOf(ctx.principal)),
    resolve: (n: NotificationRecord) => n,
  },
} satisfies Pick<SubscriptionResolvers, 'notificationReceived'>;

export const notificationResolvers = {
  read: (n) => n.readAt !== null,
} satisfies NotificationResolvers;
