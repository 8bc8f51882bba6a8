// the event contracts: typed payloads, and the versions the bus checks handlers against
import '@tradegraph/contracts';
import { createLogger, type Logger } from '@tradegraph/shared';
import { startService } from '@tradegraph/shared/service';
import { loadPlatformConfig } from './config.ts';
import { startInvoiceScheduler } from './domain/scheduler.ts';
import { entities } from './entities/index.ts';
import { platformConsumers, subscribeAuditTrail } from './events/consumers.ts';
import { migrations } from './migrations/0001-init.ts';
import { resolvers } from './resolvers/index.ts';
import { sdl } from './schema/index.ts';
import type { PlatformServices } from './services.ts';

/**
 * Wires the platform subgraph: its service database (migrated on start), the
 * event bus (outbox relay, consumer group `platform` for organisations,
 * metering and analytics, consumer group `platform_audit` for the audit
 * trail), the invoice scheduler and the GraphQL server with /health, /ready
 * and /metrics. Also the uniform entry point tests and the e2e stack use.
 */
export function start(source: Record<string, string | undefined> = process.env, logger?: Logger) {
  const config = loadPlatformConfig(source);
  return startService({
    name: 'platform',
    config,
    logger: logger ?? createLogger('platform', config.LOG_LEVEL),
    env: source,
    entities,
    migrations,
    sdl,
    resolvers,
    services: (): PlatformServices => ({ config }),
    handlers: () => platformConsumers(),
    background: (services, { bus, orm, logger: log, kernel }) => [
      subscribeAuditTrail(bus, orm, log),
      startInvoiceScheduler(kernel, services, config.PLATFORM_INVOICE_INTERVAL_MS),
    ],
  });
}
