import { forkEm, newId, type Orm } from '@tradegraph/shared';
import { insertNotification } from '../store/feed.ts';
import type { Channel, OutgoingMessage } from './channel.ts';
import type { FeedHub } from './feed-hub.ts';

export const NOTIFICATION_ID_PREFIX = 'ntf';

/**
 * The in-app feed: the notification is written once per delivery (a retried
 * delivery finds it there), then pushed to this process's subscribers.
 */
export function inAppChannel(orm: Orm, hub: FeedHub): Channel {
  return {
    name: 'IN_APP',
    async send(m: OutgoingMessage) {
      const notification = {
        id: newId(NOTIFICATION_ID_PREFIX),
        recipientId: m.address,
        eventType: m.eventType,
        title: m.subject,
        body: m.text,
        createdAt: new Date(),
      };
      if (await insertNotification(forkEm(orm), m.id, notification))
        hub.publish({ ...notification, readAt: null });
    },
  };
}
