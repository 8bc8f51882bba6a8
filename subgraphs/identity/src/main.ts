import { ConfigError, createLogger, stopOnSignals } from '@tradegraph/shared';
import { loadIdentityConfig } from './config.ts';
import { startIdentity } from './service.ts';

const log = createLogger('identity');
try {
  const config = loadIdentityConfig();
  const running = await startIdentity(config, createLogger('identity', config.LOG_LEVEL));
  stopOnSignals(running, log);
} catch (err) {
  if (
    err instanceof ConfigError ||
    (err instanceof Error && err.message.startsWith('Invalid configuration'))
  ) {
    console.error(err.message);
  } else {
    log.fatal({ err }, 'identity failed to start');
  }
  process.exit(1);
}
