import type { RemoteGraphQLDataSource } from '@apollo/gateway';
import { Agent, type Dispatcher, request } from 'undici';

export type Fetcher = RemoteGraphQLDataSource['fetcher'];
type FetcherResponse = Awaited<ReturnType<Fetcher>>;
type FetcherHeaders = FetcherResponse['headers'];

export interface SubgraphAgentOptions {
  /** Keep-alive connections per subgraph origin. */
  connectionsPerOrigin: number;
  /** Whole-fetch deadline (connect + headers + body). */
  timeoutMs: number;
}

/**
 * One pooled keep-alive HTTP agent for every router → subgraph call (and the
 * router's calls to identity), so a query does not pay a TCP handshake per fetch.
 */
export function createSubgraphAgent(opts: SubgraphAgentOptions): Agent {
  return new Agent({
    connections: opts.connectionsPerOrigin,
    keepAliveTimeout: 30_000,
    keepAliveMaxTimeout: 300_000,
    connect: { timeout: Math.min(opts.timeoutMs, 10_000) },
    headersTimeout: opts.timeoutMs,
    bodyTimeout: opts.timeoutMs,
  });
}

/** Read-only response headers over undici's lower-cased header record. */
class ResponseHeaders implements FetcherHeaders {
  readonly #map = new Map<string, string>();

  constructor(raw: Record<string, string | string[] | undefined>) {
    for (const name in raw) {
      const value = raw[name];
      if (value !== undefined) this.#map.set(name, Array.isArray(value) ? value.join(', ') : value);
    }
  }
  get(name: string): string | null {
    return this.#map.get(name.toLowerCase()) ?? null;
  }
  has(name: string): boolean {
    return this.#map.has(name.toLowerCase());
  }
  append(name: string, value: string): void {
    const key = name.toLowerCase();
    const old = this.#map.get(key);
    this.#map.set(key, old === undefined ? value : `${old}, ${value}`);
  }
  set(name: string, value: string): void {
    this.#map.set(name.toLowerCase(), value);
  }
  delete(name: string): void {
    this.#map.delete(name.toLowerCase());
  }
  entries() {
    return this.#map.entries();
  }
  keys() {
    return this.#map.keys();
  }
  values() {
    return this.#map.values();
  }
  [Symbol.iterator]() {
    return this.#map.entries();
  }
}

/**
 * The subset of a fetch Response the gateway uses (status, headers, one body
 * read as JSON or text), over undici's `request()`: no WHATWG Request/Response
 * objects or web streams per subgraph call.
 */
class SubgraphResponse implements FetcherResponse {
  readonly url: string;
  readonly status: number;
  readonly ok: boolean;
  readonly statusText: string;
  readonly redirected = false;
  readonly headers: FetcherHeaders;
  readonly #body: Dispatcher.ResponseData['body'];
  #used = false;

  constructor(url: string, res: Dispatcher.ResponseData) {
    this.url = url;
    this.status = res.statusCode;
    this.ok = res.statusCode >= 200 && res.statusCode < 300;
    this.statusText = '';
    this.headers = new ResponseHeaders(res.headers);
    this.#body = res.body;
  }
  get bodyUsed(): boolean {
    return this.#used;
  }
  #consume(): Dispatcher.ResponseData['body'] {
    if (this.#used) throw new TypeError('Body has already been read');
    this.#used = true;
    return this.#body;
  }
  text(): Promise<string> {
    return this.#consume().text();
  }
  async json(): Promise<unknown> {
    return JSON.parse(await this.text());
  }
  arrayBuffer(): Promise<ArrayBuffer> {
    return this.#consume().arrayBuffer();
  }
  clone(): FetcherResponse {
    throw new TypeError('subgraph responses cannot be cloned');
  }
}

/**
 * The gateway's `fetcher` on undici's `request()` over `agent` (pooled
 * keep-alive, fixed-length bodies), with a per-fetch deadline.
 */
export function createFetcher(agent: Agent, timeoutMs: number): Fetcher {
  const fetcher = async (url: string, init?: Parameters<Fetcher>[1]) => {
    const res = await request(url, {
      method: (init?.method ?? 'POST') as Dispatcher.HttpMethod,
      headers: init?.headers ?? {},
      body: init?.body ?? null,
      dispatcher: agent,
      signal: init?.signal
        ? AbortSignal.any([init.signal as AbortSignal, AbortSignal.timeout(timeoutMs)])
        : AbortSignal.timeout(timeoutMs),
    });
    return new SubgraphResponse(url, res);
  };
  return fetcher as unknown as Fetcher;
}
