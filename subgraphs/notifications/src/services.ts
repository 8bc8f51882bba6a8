import type { ServiceContext } from '@tradegraph/shared';
import type { FeedHub } from './channels/feed-hub.ts';
import type { ChannelSet } from './channels/index.ts';
import type { NotificationsConfig } from './config.ts';

/** The service's long-lived collaborators, reached through `ctx.services`. */
export interface NotificationsServices {
  config: NotificationsConfig;
  /** EMAIL (SMTP), SMS (provider), SLACK (webhooks), IN_APP (feed). */
  channels: ChannelSet;
  /** This process's `notificationReceived` subscribers. */
  hub: FeedHub;
}

/** What every resolver and domain function of this subgraph receives (the kernel's context). */
export type NotificationsContext = ServiceContext<NotificationsServices>;
