import type { Logger } from '../logger.ts';

/** Stops `running` cleanly on SIGTERM/SIGINT, then exits. */
export function stopOnSignals(running: { stop: () => Promise<void> }, log: Logger): void {
  let signalled = false;
  const onSignal = (signal: string) => {
    if (signalled) return;
    signalled = true;
    log.info({ signal }, 'shutting down');
    running
      .stop()
      .then(() => process.exit(0))
      .catch((err) => {
        log.error({ err }, 'error during shutdown');
        process.exit(1);
      });
  };
  process.once('SIGTERM', () => onSignal('SIGTERM'));
  process.once('SIGINT', () => onSignal('SIGINT'));
}
