// the event contracts: typed payloads, and the versions the bus checks handlers against
import '@tradegraph/contracts';
import {
  attachLiveServer,
  createLogger,
  createServiceContext,
  forkEm,
  LiveFeed,
  type Logger,
  loadInternalPublicKey,
} from '@tradegraph/shared';
import { startService } from '@tradegraph/shared/service';
import { parse } from 'graphql';
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
import type { NotificationRecord } from './store/feed.ts';

/**
 * Wires the notifications subgraph: its service database (migrated, default
 * templates seeded on start), the channels (SMTP, SMS provider, Slack, in-app
 * feed), the event bus (outbox relay + consumer group `notifications`), the
 * delivery sweeper, the GraphQL server with /health, /ready and /metrics, and
 * `notificationReceived` over graphql-ws on the same /graphql path. Also the
 * uniform entry point tests and the e2e stack use.
 */
export async function start(source: Record<string, string | undefined> = process.env, logger?: Logger) {
  const config = loadNotificationsConfig(source);
  const log = logger ?? createLogger('notifications', config.LOG_LEVEL);
  const live = new LiveFeed<NotificationRecord>();
  let closeChannels = () => {};
  const running = await startService({
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
      const channels = createChannels(config, { orm, live, logger: log });
      closeChannels = channels.close;
      return { config, live, channels };
    },
    handlers: (services, { kernel }) => notificationsConsumers(kernel, services),
    background: (services, { kernel }) => [
      startDeliverySweeper(kernel, services, config.NOTIFICATIONS_SWEEP_INTERVAL_MS),
    ],
  });
  const liveServer = attachLiveServer({
    name: 'notifications',
    server: running.server,
    typeDefs: parse(sdl),
    resolvers,
    internalPublicKey: loadInternalPublicKey(config.INTERNAL_TOKEN_PUBLIC_KEY),
    logger: log,
    context: (base) => createServiceContext(base, running.kernel, running.services),
  });
  let stopping: Promise<void> | undefined;
  return {
    ...running,
    liveServer,
    stop: () =>
      (stopping ??= (async () => {
        await liveServer.close();
        await running.stop();
        closeChannels();
      })()),
  };
}
