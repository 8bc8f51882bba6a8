import type { EventBus, GroupPosition } from '../events/bus.ts';
import type { OutboxRelay } from '../events/relay.ts';
import type { Logger } from '../logger.ts';
import { histogram } from '../metrics.ts';

/**
 * Read-your-writes across services (docs/events.md, "Consistency: read your
 * own writes"):
 *
 * - publish-through: when a unit of work that wrote events has committed,
 *   `afterCommit` wakes the relay and waits, bounded by
 *   EVENTS_PUBLISH_WAIT_MS, until those events are in the log, so that when
 *   a mutation's response leaves, its events can be read by every consumer;
 * - settle: a dependent step in another service that misses a projection row
 *   calls `settle`, which waits, bounded, until its consumer group has applied
 *   everything the log held when it was called, then looks again.
 *
 * Neither fails the request: a mutation whose events are slow to publish has
 * committed all the same (warning logged), and a settle that times out returns
 * false so the caller answers from what it has.
 */
export interface Consistency {
  afterCommit(eventIds: readonly string[]): Promise<void>;
  settle(timeoutMs?: number): Promise<boolean>;
}

export interface ConsistencyOptions {
  /** The service's consumer group (its name). */
  group: string;
  bus: EventBus;
  relay: OutboxRelay;
  logger: Logger;
  /** Whether this service consumes events at all (no group: nothing to settle). */
  consumes: () => boolean;
  /** Default EVENTS_PUBLISH_WAIT_MS; 0 only wakes the relay. */
  publishWaitMs?: number;
  /** Default EVENTS_SETTLE_TIMEOUT_MS. */
  settleTimeoutMs?: number;
}

const BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];
const publishWait = histogram(
  'tradegraph_publish_wait_seconds',
  "Time a mutation's response waited for its events to reach the log (outcome: published, timeout).",
  ['service', 'outcome'],
  BUCKETS,
);
const settleWait = histogram(
  'tradegraph_settle_seconds',
  "Time a settle waited for the service's consumer group to apply the log (outcome: settled, timeout).",
  ['service', 'outcome'],
  BUCKETS,
);

/** Delays between reads of the group's positions while settling (committed offsets of other processes). */
const SETTLE_POLL_MS = [5, 10, 20, 40, 80, 100];

const key = (p: Pick<GroupPosition, 'topic' | 'partition'>) => `${p.topic}\u0000${p.partition}`;

export function createConsistency(opts: ConsistencyOptions): Consistency {
  const { group, bus, relay } = opts;
  const log = opts.logger.child({ component: 'consistency', group });
  const publishWaitMs = opts.publishWaitMs ?? bus.config.EVENTS_PUBLISH_WAIT_MS;
  const settleDefault = opts.settleTimeoutMs ?? bus.config.EVENTS_SETTLE_TIMEOUT_MS;

  async function afterCommit(eventIds: readonly string[]): Promise<void> {
    if (!eventIds.length) return;
    if (publishWaitMs <= 0) return relay.notify();
    const started = performance.now();
    const published = await relay.whenPublished(eventIds, publishWaitMs);
    const outcome = published ? 'published' : 'timeout';
    publishWait.observe({ service: group, outcome }, (performance.now() - started) / 1000);
    if (!published) {
      // Committed all the same: the relay publishes them later; a dependent step may not see them yet.
      log.warn(
        { eventIds, waitedMs: publishWaitMs },
        'events not in the log within EVENTS_PUBLISH_WAIT_MS; answering anyway',
      );
    }
  }

  async function settle(timeoutMs = settleDefault): Promise<boolean> {
    if (!opts.consumes()) return true;
    const started = performance.now();
    const deadline = Date.now() + timeoutMs;
    const done = (ok: boolean) => {
      settleWait.observe(
        { service: group, outcome: ok ? 'settled' : 'timeout' },
        (performance.now() - started) / 1000,
      );
      return ok;
    };
    // Target: the heads of the group's partitions now. Later events are not waited for.
    const target = new Map<string, number>();
    for (const p of await bus.positions(group)) if (p.applied < p.head) target.set(key(p), p.head);
    if (!target.size) return done(true);

    let wake: (() => void) | undefined;
    // Partitions this process applies report progress here, without a query.
    const unlisten = bus.onApplied(group, (topic, partition, applied) => {
      const k = key({ topic, partition });
      const head = target.get(k);
      if (head === undefined || applied < head) return;
      target.delete(k);
      if (!target.size) wake?.();
    });
    try {
      for (let poll = 0; target.size; poll++) {
        const left = deadline - Date.now();
        if (left <= 0) {
          log.warn({ timeoutMs, partitionsBehind: target.size }, 'projections did not catch up in time');
          return done(false);
        }
        await new Promise<void>((resolve) => {
          const t = setTimeout(
            finish,
            Math.min(left, SETTLE_POLL_MS[Math.min(poll, SETTLE_POLL_MS.length - 1)]!),
          );
          function finish() {
            clearTimeout(t);
            wake = undefined;
            resolve();
          }
          wake = finish;
        });
        if (!target.size) break;
        // Partitions other processes of the group apply advance only in their committed offsets.
        for (const p of await bus.positions(group)) {
          const head = target.get(key(p));
          if (head !== undefined && p.applied >= head) target.delete(key(p));
        }
      }
      return done(true);
    } finally {
      unlisten();
    }
  }

  return { afterCommit, settle };
}
