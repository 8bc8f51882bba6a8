import { ConfigError, createLogger, stopOnSignals } from '@tradegraph/shared';
import { loadRouterConfig } from './config.ts';
import { startRouter } from './router.ts';

let config: ReturnType<typeof loadRouterConfig>;
try {
  config = loadRouterConfig();
} catch (err) {
  if (!(err instanceof ConfigError)) throw err;
  console.error(err.message);
  process.exit(1);
}

const logger = createLogger('router', config.LOG_LEVEL);
try {
  const router = await startRouter({ config, logger });
  stopOnSignals(router, logger);
} catch (err) {
  logger.fatal({ err }, 'router failed to start');
  process.exit(1);
}
