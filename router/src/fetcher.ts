import type { RemoteGraphQLDataSource } from '@apollo/gateway';
import { Agent, fetch } from 'undici';

export type Fetcher = RemoteGraphQLDataSource['fetcher'];

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

/** The gateway's `fetcher` on top of undici's fetch over `agent`, with a per-fetch deadline. */
export function createFetcher(agent: Agent, timeoutMs: number): Fetcher {
  const fetcher = (url: string, init?: Parameters<Fetcher>[1]) =>
    fetch(url, {
      method: init?.method ?? 'POST',
      headers: init?.headers ?? {},
      ...(init?.body !== undefined ? { body: init.body } : {}),
      dispatcher: agent,
      signal: init?.signal
        ? AbortSignal.any([init.signal as AbortSignal, AbortSignal.timeout(timeoutMs)])
        : AbortSignal.timeout(timeoutMs),
    });
  return fetcher as unknown as Fetcher;
}
