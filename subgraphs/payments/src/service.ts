// the event contracts: typed payloads, and the versions the bus checks handlers against
import '@tradegraph/contracts';
import { createLogger, type Logger } from '@tradegraph/shared';
import { startService } from '@tradegraph/shared/service';
import { loadPaymentsConfig } from './config.ts';
import { entities } from './entities/index.ts';
import { paymentsConsumers } from './events/consumers.ts';
import { migrations } from './migrations/index.ts';
import { providerFor } from './providers/index.ts';
import { resolvers } from './resolvers/index.ts';
import { sdl } from './schema/index.ts';
import type { PaymentsServices } from './services.ts';
import { stripeWebhookRoute } from './webhooks/stripe.ts';

/**
 * Wires the payments subgraph: its service database (migrated on start), the
 * payment provider (Stripe Connect when STRIPE_SECRET_KEY is set, else the
 * sandbox), the event bus (outbox relay + consumer group `payments` of the
 * saga's payment commands), the GraphQL server with /health, /ready and
 * /metrics, and POST /webhooks/stripe. Also the uniform entry point tests and
 * the e2e stack use.
 */
export function start(source: Record<string, string | undefined> = process.env, logger?: Logger) {
  const config = loadPaymentsConfig(source);
  return startService({
    name: 'payments',
    config,
    logger: logger ?? createLogger('payments', config.LOG_LEVEL),
    env: source,
    entities,
    migrations,
    sdl,
    resolvers,
    services: (): PaymentsServices => ({ config, provider: providerFor(config) }),
    handlers: (services, { kernel }) => paymentsConsumers(kernel, services),
    routes: (_, { kernel }) => [stripeWebhookRoute(kernel, config)],
  });
}
