/**
 * The router process once main.ts has put its V8 settings in place: settings
 * from the environment, then the cluster primary (ROUTER_WORKERS > 1) or one
 * router.
 */
import cluster from 'node:cluster';
import { availableParallelism } from 'node:os';
import { ConfigError, createLogger, stopOnSignals } from '@tradegraph/shared/edge';
import { runPrimary } from './cluster.ts';
import { loadRouterConfig, routerWorkers } from './config.ts';
import { startRouter } from './router.ts';
import { readSupergraph, subgraphEndpoints } from './supergraph.ts';

let config: ReturnType<typeof loadRouterConfig>;
try {
  config = loadRouterConfig();
} catch (err) {
  if (!(err instanceof ConfigError)) throw err;
  console.error(err.message);
  process.exit(1);
}

const logger = createLogger('router', config.LOG_LEVEL);
const workers = routerWorkers(config, availableParallelism());
if (workers > 1 && cluster.isPrimary) {
  try {
    // Fail once, here, rather than in every worker in a restart loop.
    subgraphEndpoints(await readSupergraph(config.SUPERGRAPH_PATH));
  } catch (err) {
    logger.fatal({ err }, 'router failed to start');
    process.exit(1);
  }
  await runPrimary({ workers, logger, shutdownTimeoutMs: config.ROUTER_SHUTDOWN_TIMEOUT_MS });
  logger.info('router stopped');
  process.exit(0);
} else {
  try {
    const router = await startRouter({ config, logger });
    stopOnSignals(router, logger);
  } catch (err) {
    logger.fatal({ err }, 'router failed to start');
    process.exit(1);
  }
}
