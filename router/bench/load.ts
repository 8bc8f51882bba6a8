import { type Dispatcher, Pool } from 'undici';

export interface LoadOptions {
  /** e.g. http://127.0.0.1:4610 */
  origin: string;
  path: string;
  body: string;
  connections: number;
  durationMs: number;
  /** A response of another length (or status) counts as an error. */
  expectedBytes: number;
}

export interface LoadResult {
  requests: number;
  errors: number;
  seconds: number;
  /** Latency of every completed request, in ms. */
  latencies: Float64Array;
}

/**
 * One response on undici's dispatcher handler interface: status and byte count
 * only (the body is counted, not kept or decoded). `pool.request()` with an
 * async iterator over the body cost the load generator ~1.5 ms of CPU per
 * 88 KB response, on the cores the routers share with it.
 */
class Drain implements Dispatcher.DispatchHandler {
  status = 0;
  bytes = 0;
  readonly #done: (ok: boolean) => void;
  constructor(done: (ok: boolean) => void) {
    this.#done = done;
  }
  onConnect(): void {}
  onHeaders(status: number): boolean {
    if (status >= 200) this.status = status;
    return true;
  }
  onData(chunk: Buffer): boolean {
    this.bytes += chunk.length;
    return true;
  }
  onComplete(): void {
    this.#done(true);
  }
  onError(): void {
    this.#done(false);
  }
}

/**
 * Closed-loop load: `connections` keep-alive connections, each sending the
 * next request as soon as the previous response has been read in full.
 * Bodies are counted, not parsed, so the client costs little CPU.
 */
export async function runLoad(opts: LoadOptions): Promise<LoadResult> {
  const pool = new Pool(opts.origin, { connections: opts.connections, pipelining: 1 });
  const body = Buffer.from(opts.body);
  const headers = { 'content-type': 'application/json', 'content-length': String(body.length) };
  const dispatch = { path: opts.path, method: 'POST' as const, headers, body };
  let latencies = new Float64Array(65_536);
  let requests = 0;
  let errors = 0;
  const started = performance.now();
  const deadline = started + opts.durationMs;

  const once = () =>
    new Promise<boolean>((resolve) => {
      const drain = new Drain((ok) =>
        resolve(ok && drain.status === 200 && drain.bytes === opts.expectedBytes),
      );
      pool.dispatch(dispatch, drain);
    });

  async function loop() {
    while (performance.now() < deadline) {
      const t0 = performance.now();
      const ok = await once();
      const ms = performance.now() - t0;
      if (!ok) errors++;
      if (requests === latencies.length) {
        const grown = new Float64Array(latencies.length * 2);
        grown.set(latencies);
        latencies = grown;
      }
      latencies[requests++] = ms;
    }
  }

  await Promise.all(Array.from({ length: opts.connections }, loop));
  const seconds = (performance.now() - started) / 1000;
  await pool.close();
  return { requests, errors, seconds, latencies: latencies.slice(0, requests) };
}

/** The q-quantile (0..1) of sorted values. */
export function quantile(sorted: Float64Array, q: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}
