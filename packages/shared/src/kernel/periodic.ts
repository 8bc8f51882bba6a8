import type { Logger } from '../logger.ts';

/** Work a service runs beside its server; stopped first on shutdown (see startService). */
export interface PeriodicTask {
  stop(): Promise<void>;
}

export interface PeriodicTaskOptions<R> {
  /** For the log line when a pass fails. */
  name: string;
  /** Pause between passes; 0 or less: never runs (tests call the pass directly). */
  intervalMs: number;
  logger: Logger;
  /** One pass. A failure is logged and the next pass comes after the interval. */
  run: () => Promise<R>;
  /** Run the first pass at once instead of after one interval. */
  immediately?: boolean;
  /** The pause after a pass that returned `result` (e.g. 0 to go on while a batch was full). */
  nextDelay?: (result: R) => number;
}

/**
 * Runs `run` every `intervalMs`, never two passes at once (the next pause
 * starts when a pass ends), until stopped; `stop` waits for the pass in
 * progress. The one loop behind every sweeper and scheduler of the services.
 */
export function startPeriodicTask<R>(opts: PeriodicTaskOptions<R>): PeriodicTask {
  if (opts.intervalMs <= 0) return { stop: async () => {} };
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<unknown> = Promise.resolve();
  let stopped = false;
  const tick = () => {
    running = opts
      .run()
      .then(
        (result) => (opts.nextDelay ? opts.nextDelay(result) : opts.intervalMs),
        (err: unknown) => {
          opts.logger.error({ err }, `${opts.name} failed; retried at the next pass`);
          return opts.intervalMs;
        },
      )
      .then((delay) => {
        if (!stopped) timer = setTimeout(tick, delay);
      });
  };
  timer = setTimeout(tick, opts.immediately ? 0 : opts.intervalMs);
  return {
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}
