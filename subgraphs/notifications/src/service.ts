// the event contracts: typed payloads, and the versions the bus checks handlers against
import '@tradegraph/contracts';
import { createLogger, forkEm, type Logger } from '@tradegraph/shared';
import { startService } from '@tradegraph/shared/service';
import { FeedHub } from './channels/feed-hub.ts';
import { createChannels } from './channels/index.ts';
import { loadNotificationsConfig } from './config.ts';
import { startDeliverySweeper } from './domain/deliveries.ts';
import { seedDefaultTemplates } from './domain/templates.ts';
import { entities } from './entities/index.ts';
import { notificationsConsumers } from './events/consumers.ts';
import { migrations } from './migrations/0001-init.ts';
import { resolvers } from './resolvers/index.ts';
import { sdl } from './schema/index.ts';
import type { NotificationsServices } from './services.ts';

/**
 * Wires the notifications subgraph: its service database (migrated, default
 * templates seeded on start), the channels (SMTP, SMS provider, Slack, in-app
 * feed), the event bus (outbox relay + consumer group `notifications`), the
 * delivery sweeper and the GraphQL server with /health, /ready and /metrics.
 * Also the uniform entry point tests and the e2e stack use.
 */
export function start(source: Record<string, string | undefined> = process.env, logger?: Logger) {
  const config = loadNotificationsConfig(source);
  const log = logger ?? createLogger('notifications', config.LOG_LEVEL);
  return startService({
    name: 'notifications',
    config,
    logger: log,
    env: source,
    entities,
    migrations,
    sdl,
    resolvers,
    services: async ({ orm }): Promise<NotificationsServices> => {
      await seedDefaultTemplates(forkEm(orm));
      const hub = new FeedHub();
      return { config, hub, channels: createChannels(config, { orm, hub, logger: log }) };
    },
    handlers: (services, { kernel }) => notificationsConsumers(kernel, services),
    background: (services, { kernel }) => [
      startDeliverySweeper(kernel, services, config.NOTIFICATIONS_SWEEP_INTERVAL_MS),
    ],
  });
}
