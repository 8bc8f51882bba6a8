import type { Logger } from '../logger.ts';
import { counter, gauge, histogram } from '../metrics.ts';

/**
 * Event-bus metrics on the process registry (served at /metrics). Gauges that
 * need a query (backlog, lag, dead letters) are computed on scrape from the
 * sources registered below, each cached for a short while so a busy scraper
 * cannot hammer the database.
 */

const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

export const eventMetrics = {
  published: counter('tradegraph_events_published_total', 'Messages written to the event bus.', [
    'transport',
    'topic',
  ]),
  consumed: counter(
    'tradegraph_events_consumed_total',
    'Messages a consumer group finished, by outcome (handled, duplicate, skipped, dead_lettered).',
    ['group', 'topic', 'outcome'],
  ),
  retries: counter('tradegraph_events_retries_total', 'Failed handler attempts that were retried.', [
    'group',
    'topic',
  ]),
  handleLatency: histogram(
    'tradegraph_events_handle_latency_seconds',
    'Time from an event occurring (outbox write) to its handler committing.',
    ['group'],
    LATENCY_BUCKETS,
  ),
  outboxPublished: counter('tradegraph_outbox_published_total', 'Outbox rows relayed to the bus.', [
    'service',
  ]),
  outboxPublishDelay: histogram(
    'tradegraph_outbox_publish_delay_seconds',
    'Time from an outbox write to the relay publishing it.',
    ['service'],
    LATENCY_BUCKETS,
  ),
};

export interface OutboxStats {
  backlog: number;
  oldestAgeSeconds: number;
}
export interface LagStat {
  group: string;
  topic: string;
  partition: number;
  lag: number;
}
export interface DeadLetterStat {
  group: string;
  count: number;
}

interface Source<T> {
  read(): Promise<T>;
  cache?: { at: number; value: T };
}

const CACHE_MS = 2000;
const outboxSources = new Map<string, Source<OutboxStats>>();
const lagSources = new Set<Source<LagStat[]>>();
const dlqSources = new Set<Source<DeadLetterStat[]>>();
let metricsLogger: Logger | undefined;

async function readCached<T>(src: Source<T>): Promise<T> {
  const now = Date.now();
  if (src.cache && now - src.cache.at < CACHE_MS) return src.cache.value;
  const value = await src.read();
  src.cache = { at: Date.now(), value };
  return value;
}

function warn(err: unknown, what: string): void {
  metricsLogger?.warn({ err }, `metrics: could not read ${what}`);
}

gauge('tradegraph_outbox_backlog', 'Outbox rows not yet published.', ['service'], async function collect() {
  this.reset();
  for (const [service, src] of outboxSources) {
    try {
      this.set({ service }, (await readCached(src)).backlog);
    } catch (err) {
      warn(err, 'outbox backlog');
    }
  }
});

gauge(
  'tradegraph_outbox_publish_lag_seconds',
  'Age of the oldest unpublished outbox row (0 when the outbox is drained).',
  ['service'],
  async function collect() {
    this.reset();
    for (const [service, src] of outboxSources) {
      try {
        this.set({ service }, (await readCached(src)).oldestAgeSeconds);
      } catch (err) {
        warn(err, 'outbox lag');
      }
    }
  },
);

gauge(
  'tradegraph_events_consumer_lag',
  'Messages in a partition that a consumer group has not committed yet.',
  ['group', 'topic', 'partition'],
  async function collect() {
    this.reset();
    for (const src of lagSources) {
      try {
        for (const row of await readCached(src)) {
          this.set({ group: row.group, topic: row.topic, partition: String(row.partition) }, row.lag);
        }
      } catch (err) {
        warn(err, 'consumer lag');
      }
    }
  },
);

gauge(
  'tradegraph_events_dead_letters',
  'Messages in a consumer group’s dead-letter topic that were not replayed.',
  ['group'],
  async function collect() {
    this.reset();
    for (const src of dlqSources) {
      try {
        for (const row of await readCached(src)) this.set({ group: row.group }, row.count);
      } catch (err) {
        warn(err, 'dead letters');
      }
    }
  },
);

/** Registers a query-backed source; returns the function that removes it. */
export function registerOutboxSource(
  service: string,
  read: () => Promise<OutboxStats>,
  logger: Logger,
): () => void {
  metricsLogger ??= logger;
  const src: Source<OutboxStats> = { read };
  outboxSources.set(service, src);
  return () => {
    if (outboxSources.get(service) === src) outboxSources.delete(service);
  };
}

export function registerLagSource(read: () => Promise<LagStat[]>, logger: Logger): () => void {
  metricsLogger ??= logger;
  const src: Source<LagStat[]> = { read };
  lagSources.add(src);
  return () => lagSources.delete(src);
}

export function registerDeadLetterSource(read: () => Promise<DeadLetterStat[]>, logger: Logger): () => void {
  metricsLogger ??= logger;
  const src: Source<DeadLetterStat[]> = { read };
  dlqSources.add(src);
  return () => dlqSources.delete(src);
}
