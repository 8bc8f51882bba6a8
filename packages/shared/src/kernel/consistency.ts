import type { EventBus } from '../events/bus.ts';
import type { OutboxRelay } from '../events/relay.ts';
import type { Logger } from '../logger.ts';

/**
 * Read-your-writes across services (docs/events.md, "Consistency"): a
 * mutation's events are in the log when its response leaves (afterCommit
 * waits, bounded, for the relay), and a dependent step in another service that
 * misses a projection row first lets its consumer group catch up with the log
 * as it is now (settle), then looks again.
 */
export interface Consistency {
  afterCommit(eventIds: readonly string[]): Promise<void>;
  settle(timeoutMs?: number): Promise<boolean>;
}

export interface ConsistencyOptions {
  group: string;
  bus: EventBus;
  relay: OutboxRelay;
  logger: Logger;
  /** Whether this service consumes events at all (no group: nothing to settle). */
  consumes: () => boolean;
  settleTimeoutMs?: number;
}

export function createConsistency(opts: ConsistencyOptions): Consistency {
  const settleDefault = opts.settleTimeoutMs ?? 3000;
  return {
    async afterCommit() {
      opts.relay.notify();
    },
    async settle(timeoutMs = settleDefault) {
      if (!opts.consumes()) return true;
      const deadline = Date.now() + timeoutMs;
      const target = new Map(
        (await opts.bus.lag([opts.group])).map((r) => [`${r.topic}/${r.partition}`, r.head] as const),
      );
      for (let wait = 5; ; wait = Math.min(wait * 2, 50)) {
        const rows = await opts.bus.lag([opts.group]);
        const behind = rows.some((r) => (r.committed ?? 0) < (target.get(`${r.topic}/${r.partition}`) ?? 0));
        if (!behind) return true;
        if (Date.now() >= deadline) {
          opts.logger.warn({ group: opts.group, timeoutMs }, 'projections did not catch up in time');
          return false;
        }
        await new Promise((r) => setTimeout(r, wait));
      }
    },
  };
}
