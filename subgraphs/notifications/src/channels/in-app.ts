import type { LiveFeed } from '@tradegraph/shared';
import { forkEm, newId, type Orm } from '@tradegraph/shared';
import type { NotificationRecord } from '../store/feed.ts';
import { insertNotification } from '../store/feed.ts';
import type { Channel, OutgoingMessage } from './channel.ts';

export const NOTIFICATION_ID_PREFIX = 'ntf';

/**
 * The in-app feed: the notification is written once per delivery (a retried
 * delivery finds it there), then pushed to this process's `notificationReceived`
 * subscribers (the kernel's LiveFeed; the notification id is the resume point).
 */
export function inAppChannel(orm: Orm, live: LiveFeed<NotificationRecord>): Channel {
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
      if (await insertNotification(forkEm(orm), m.id, notification)) {
        live.publish(notification.id, { ...notification, readAt: null });
      }
    },
  };
}
