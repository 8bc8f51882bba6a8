// the event contracts: typed payloads, and the versions the bus checks handlers against
import '@tradegraph/contracts';
import { createLogger, type Logger } from '@tradegraph/shared';
import { startService } from '@tradegraph/shared/service';
import { load__Pascal__Config } from './config.ts';
import { entities } from './entities/index.ts';
import { __camel__Consumers } from './events/consumers.ts';
import { migrations } from './migrations/0001-init.ts';
import { resolvers } from './resolvers/index.ts';
import { sdl } from './schema/index.ts';
import type { __Pascal__Services } from './services.ts';

/**
 * Wires the __name__ subgraph: its service database (migrated on start), the
 * event bus (outbox relay + consumer group `__service__`) and the GraphQL
 * server with /health, /ready and /metrics. Also the uniform entry point
 * tests and the e2e stack use.
 */
export function start(source: Record<string, string | undefined> = process.env, logger?: Logger) {
  const config = load__Pascal__Config(source);
  return startService({
    name: '__service__',
    config,
    logger: logger ?? createLogger('__service__', config.LOG_LEVEL),
    env: source,
    entities,
    migrations,
    sdl,
    resolvers,
    services: (): __Pascal__Services => ({ config }),
    handlers: () => __camel__Consumers(),
  });
}
