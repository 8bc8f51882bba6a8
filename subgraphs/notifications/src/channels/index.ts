import type { LiveFeed, Logger, Orm } from '@tradegraph/shared';
import type { NotificationsConfig } from '../config.ts';
import type { NotificationRecord } from '../store/feed.ts';
import type { ChannelSet } from './channel.ts';
import { emailChannel } from './email.ts';
import { inAppChannel } from './in-app.ts';
import { slackChannel } from './slack.ts';
import { localSmsProvider, smsChannel } from './sms.ts';

export type { Channel, ChannelSet, OutgoingMessage } from './channel.ts';
export { PermanentDeliveryError } from './channel.ts';

/** The channels of this process, from its configuration. */
export function createChannels(
  config: NotificationsConfig,
  deps: { orm: Orm; live: LiveFeed<NotificationRecord>; logger: Logger },
): ChannelSet & { close(): void } {
  const email = emailChannel({
    smtpUrl: config.SMTP_URL,
    from: config.MAIL_FROM,
    timeoutMs: config.NOTIFICATIONS_SEND_TIMEOUT_MS,
  });
  return {
    EMAIL: email,
    SMS: smsChannel(localSmsProvider(deps.orm, (msg) => deps.logger.info(msg))),
    SLACK: slackChannel({ timeoutMs: config.NOTIFICATIONS_SEND_TIMEOUT_MS }),
    IN_APP: inAppChannel(deps.orm, deps.live),
    close: () => email.close(),
  };
}
