import cluster, { type Worker } from 'node:cluster';
import type { Logger } from '@tradegraph/shared';
import { AggregatorRegistry, type Registry } from 'prom-client';

/**
 * ROUTER_WORKERS > 1: N router processes share one listening port (node:cluster;
 * the primary accepts and hands connections round-robin). The primary serves
 * nothing itself: it forks the workers, replaces one that dies (not during a
 * shutdown), forwards SIGTERM/SIGINT so every worker drains, and aggregates
 * /metrics across workers.
 *
 * A worker listens only once it is ready (gateway loaded, first revocation
 * read done), and the primary deals connections only to listening workers: a
 * request never meets a worker that is still starting while another serves.
 *
 * Per-process state and why it stays correct across workers:
 * - JWKS: each worker caches identity's key set and refetches on an unknown
 *   `kid` (with its own cooldown), so a rotation reaches every worker on first use.
 * - API-key cache: per worker, each entry lives API_KEY_CACHE_SECONDS, so a
 *   revoked key stops working everywhere within that bound, as with one process.
 * - Internal tokens: signed and reused per worker; subgraphs verify any of them.
 * - Metrics: counters are per process; a /metrics scrape, whichever worker
 *   receives it, answers the sum over all workers (prom-client's aggregator).
 */

const METRICS_REQUEST = 'tradegraph:metrics-request';
const METRICS_RESPONSE = 'tradegraph:metrics-response';

interface MetricsMessage {
  type: typeof METRICS_REQUEST | typeof METRICS_RESPONSE;
  id: number;
  text?: string;
  error?: string;
}

export interface PrimaryOptions {
  workers: number;
  logger: Logger;
  /** Grace period of a worker's own shutdown before the primary kills it. */
  shutdownTimeoutMs: number;
}

/** Runs the cluster primary; resolves when every worker has exited after a signal. */
export function runPrimary(opts: PrimaryOptions): Promise<void> {
  const aggregator = new AggregatorRegistry();
  let stopping = false;
  const restarts: number[] = [];

  const fork = () => {
    const worker = cluster.fork();
    worker.on('message', (message: MetricsMessage) => {
      if (message?.type !== METRICS_REQUEST) return;
      aggregator.clusterMetrics().then(
        (text) => worker.send({ type: METRICS_RESPONSE, id: message.id, text }),
        (err: Error) => worker.send({ type: METRICS_RESPONSE, id: message.id, error: err.message }),
      );
    });
    return worker;
  };

  cluster.on('exit', (worker: Worker, code, signal) => {
    if (stopping) return;
    const now = Date.now();
    restarts.push(now);
    while (restarts.length && restarts[0]! < now - 60_000) restarts.shift();
    opts.logger.error({ pid: worker.process.pid, code, signal }, 'router worker died; starting another');
    // A worker that cannot start at all would otherwise be respawned in a tight loop.
    setTimeout(fork, restarts.length > opts.workers * 3 ? 5_000 : 100);
  });

  for (let i = 0; i < opts.workers; i++) fork();
  opts.logger.info({ workers: opts.workers }, 'router primary started its workers');

  return new Promise((resolve) => {
    const stop = (signal: NodeJS.Signals) => {
      if (stopping) return;
      stopping = true;
      opts.logger.info({ signal }, 'stopping router workers');
      const workers = Object.values(cluster.workers ?? {}).filter((w): w is Worker => !!w);
      let left = workers.length;
      if (left === 0) return resolve();
      const force = setTimeout(() => {
        for (const w of workers) if (!w.isDead()) w.process.kill('SIGKILL');
      }, opts.shutdownTimeoutMs + 5_000);
      for (const w of workers) {
        w.once('exit', () => {
          if (--left === 0) {
            clearTimeout(force);
            resolve();
          }
        });
        w.process.kill(signal);
      }
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
  });
}

/**
 * In a worker: lets the primary read this process's metrics, and returns the
 * /metrics text for the whole cluster (asked of the primary).
 */
export function clusterMetrics(registry: Registry): () => Promise<string> {
  new AggregatorRegistry(); // installs the worker side of prom-client's aggregation
  AggregatorRegistry.setRegistries([registry]);
  let next = 0;
  const pending = new Map<number, { resolve: (t: string) => void; reject: (e: Error) => void }>();
  process.on('message', (message: MetricsMessage) => {
    if (message?.type !== METRICS_RESPONSE) return;
    const waiter = pending.get(message.id);
    if (!waiter) return;
    pending.delete(message.id);
    if (message.error !== undefined) waiter.reject(new Error(message.error));
    else waiter.resolve(message.text ?? '');
  });
  return () =>
    new Promise<string>((resolve, reject) => {
      const id = next++;
      pending.set(id, { resolve, reject });
      process.send?.({ type: METRICS_REQUEST, id });
    });
}
