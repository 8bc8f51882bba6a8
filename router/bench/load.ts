import { Pool } from 'undici';

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
 * Closed-loop load: `connections` keep-alive connections, each sending the
 * next request as soon as the previous response has been read in full.
 * Bodies are drained, not parsed, so the client costs little CPU.
 */
export async function runLoad(opts: LoadOptions): Promise<LoadResult> {
  const pool = new Pool(opts.origin, { connections: opts.connections, pipelining: 1 });
  const body = Buffer.from(opts.body);
  const headers = { 'content-type': 'application/json', 'content-length': String(body.length) };
  let latencies = new Float64Array(65_536);
  let requests = 0;
  let errors = 0;
  const started = performance.now();
  const deadline = started + opts.durationMs;

  async function loop() {
    while (performance.now() < deadline) {
      const t0 = performance.now();
      let bytes = 0;
      let status = 0;
      try {
        const res = await pool.request({ path: opts.path, method: 'POST', headers, body });
        status = res.statusCode;
        for await (const chunk of res.body) bytes += (chunk as Buffer).length;
      } catch {
        status = 0;
      }
      const ms = performance.now() - t0;
      if (status !== 200 || bytes !== opts.expectedBytes) errors++;
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
