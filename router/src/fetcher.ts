import { Agent, type Dispatcher, request } from 'undici';

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

export interface SubgraphReply {
  status: number;
  /** The response's content-type, '' when absent. */
  contentType: string;
  cacheControl: string | undefined;
  text: string;
}

/** POSTs a body to a subgraph and reads the whole reply as text. */
export type SubgraphPost = (
  url: string,
  headers: Record<string, string>,
  body: string,
) => Promise<SubgraphReply>;

function single(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value.join(', ') : value;
}

/**
 * Subgraph calls on undici's `request()` over `agent` (pooled keep-alive,
 * fixed-length bodies) with a per-fetch deadline: no WHATWG Request/Response,
 * Headers objects or web streams per call.
 */
export function createSubgraphPost(agent: Agent, timeoutMs: number): SubgraphPost {
  return async (url, headers, body) => {
    const res = await request(url, {
      method: 'POST' as Dispatcher.HttpMethod,
      headers,
      body,
      dispatcher: agent,
      signal: AbortSignal.timeout(timeoutMs),
    });
    return {
      status: res.statusCode,
      contentType: single(res.headers['content-type']) ?? '',
      cacheControl: single(res.headers['cache-control']),
      text: await res.body.text(),
    };
  };
}
