// the event contracts: typed payloads, and the versions the bus checks handlers against
import '@tradegraph/contracts';
import { createLogger, type Logger } from '@tradegraph/shared';
import { startService } from '@tradegraph/shared/service';
import { loadNotificationsConfig } from './config.ts';
import { entities } from './entities/index.ts';
import { notificationsConsumers } from './events/consumers.ts';
import { migrations } from './migrations/0001-init.ts';
import { resolvers } from './resolvers/index.ts';
import { sdl } from './schema/index.ts';
import type { NotificationsServices } from './services.ts';

/**
 * Wires the notifications subgraph: its service database (migrated on start), the
 * event bus (outbox relay + consumer group `notifications`) and the GraphQL
 * server with /health, /ready and /metrics. Also the uniform entry point
 * tests and the e2e stack use.
 */
export function start(source: Record<string, string | undefined> = process.env, logger?: Logger) {
  const config = loadNotificationsConfig(source);
  return startService({
    name: 'notifications',
    config,
    logger: logger ?? createLogger('notifications', config.LOG_LEVEL),
    env: source,
    entities,
    migrations,
    sdl,
    resolvers,
    services: (): NotificationsServices => ({ config }),
    handlers: () => notificationsConsumers(),
  });
}
