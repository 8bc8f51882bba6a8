// the event contracts: typed payloads, and the versions the bus checks handlers against
import '@tradegraph/contracts';
import { createLogger, type Logger } from '@tradegraph/shared';
import { startService } from '@tradegraph/shared/service';
import { loadOrdersConfig } from './config.ts';
import { startDeadlineSweeper } from './domain/saga-runner.ts';
import { entities } from './entities/index.ts';
import { ordersConsumers } from './events/consumers.ts';
import { migrations } from './migrations/0001-init.ts';
import { resolvers } from './resolvers/index.ts';
import { sdl } from './schema/index.ts';
import type { OrdersServices } from './services.ts';

/**
 * Wires the orders subgraph: its service database (migrated on start), the
 * event bus (outbox relay + consumer group `orders`) and the GraphQL
 * server with /health, /ready and /metrics. Also the uniform entry point
 * tests and the e2e stack use.
 */
export function start(source: Record<string, string | undefined> = process.env, logger?: Logger) {
  const config = loadOrdersConfig(source);
  return startService({
    name: 'orders',
    config,
    logger: logger ?? createLogger('orders', config.LOG_LEVEL),
    env: source,
    entities,
    migrations,
    sdl,
    resolvers,
    services: (): OrdersServices => ({ config }),
    handlers: (services, { kernel }) => ordersConsumers(kernel, services),
    background: (services, { kernel }) => [
      startDeadlineSweeper(kernel, services, config.ORDERS_SAGA_SWEEP_INTERVAL_MS),
    ],
  });
}
