import type { LiveFeed, ServiceContext } from '@tradegraph/shared';
import type { ChannelSet } from './channels/index.ts';
import type { NotificationsConfig } from './config.ts';
import type { NotificationRecord } from './store/feed.ts';

/** The service's long-lived collaborators, reached through `ctx.services`. */
export interface NotificationsServices {
  config: NotificationsConfig;
  /** EMAIL (SMTP), SMS (provider), SLACK (webhooks), IN_APP (feed). */
  channels: ChannelSet;
  /** This process's `notificationReceived` subscribers (fed by the in-app channel). */
  live: LiveFeed<NotificationRecord>;
}

/** What every resolver and domain function of this subgraph receives (the kernel's context). */
export type NotificationsContext = ServiceContext<NotificationsServices>;
