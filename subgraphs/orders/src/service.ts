// the event contracts: typed payloads, and the versions the bus checks handlers against
import '@tradegraph/contracts';
import type { OrderStatusChangedPayload } from '@tradegraph/contracts';
import {
  attachLiveServer,
  createLogger,
  createServiceContext,
  LiveFeed,
  type Logger,
  loadInternalPublicKey,
} from '@tradegraph/shared';
import { startService } from '@tradegraph/shared/service';
import { parse } from 'graphql';
import { loadOrdersConfig } from './config.ts';
import { startDeadlineSweeper } from './domain/saga-runner.ts';
import { entities } from './entities/index.ts';
import { ordersConsumers } from './events/consumers.ts';
import { migrations } from './migrations/index.ts';
import { resolvers } from './resolvers/index.ts';
import { sdl } from './schema/index.ts';
import type { OrdersServices } from './services.ts';

/**
 * Wires the orders subgraph: its service database (migrated on start), the
 * event bus (outbox relay + consumer group `orders`) and the GraphQL
 * server with /health, /ready and /metrics, and the subscription fields over
 * graphql-ws on the same /graphql path, fed by the `ORDERS_LIVE_GROUP` consumer
 * (docs/subscriptions.md). Also the uniform entry point tests and the e2e stack use.
 */
export async function start(source: Record<string, string | undefined> = process.env, logger?: Logger) {
  const config = loadOrdersConfig(source);
  const log = logger ?? createLogger('orders', config.LOG_LEVEL);
  const live = new LiveFeed<OrderStatusChangedPayload>({
    bufferSize: config.ORDERS_LIVE_BUFFER_SIZE,
    bufferMs: config.ORDERS_LIVE_BUFFER_MS,
  });
  const running = await startService({
    name: 'orders',
    config,
    logger: log,
    env: source,
    entities,
    migrations,
    sdl,
    resolvers,
    services: (): OrdersServices => ({ config, live }),
    handlers: (services, { kernel }) => ordersConsumers(kernel, services),
    background: (services, { kernel }) => [
      startDeadlineSweeper(kernel, services, config.ORDERS_SAGA_SWEEP_INTERVAL_MS),
    ],
  });
  // Its own group, so this process sees every status change (the `orders` group's members share them).
  const liveConsumer = await running.bus.subscribe({
    group: config.ORDERS_LIVE_GROUP,
    orm: running.orm,
    fromBeginning: false,
    handlers: {
      'orders.order.status-changed': async (_em, envelope) => live.publish(envelope.id, envelope.payload),
    },
  });
  const liveServer = attachLiveServer({
    name: 'orders',
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
    live,
    liveServer,
    // The feed stops before the sockets close (1001: the router reconnects and resumes), so no event is
    // taken from the log that nobody receives; subscribers are not completed, which would end them for good.
    stop: () =>
      (stopping ??= (async () => {
        await liveConsumer.close();
        await liveServer.close();
        await running.stop();
      })()),
  };
}
