import { Agent, type Dispatcher } from 'undici';

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

/** Where a subgraph URL sends a request, parsed once per URL. */
const targets = new Map<string, { origin: string; path: string }>();
function targetOf(url: string): { origin: string; path: string } {
  let target = targets.get(url);
  if (!target) {
    const parsed = new URL(url);
    target = { origin: parsed.origin, path: `${parsed.pathname}${parsed.search}` };
    if (targets.size < 1000) targets.set(url, target);
  }
  return target;
}

const CONTENT_TYPE = 'content-type';
const CACHE_CONTROL = 'cache-control';

/**
 * Collects one reply on undici's dispatcher handler interface: the status, the
 * two headers the data source reads and the body's bytes, decoded once at the
 * end as `body.text()` does (UTF-8, a BOM skipped). `request()` would build a
 * readable stream, an async resource and a parsed header object per fetch, and
 * the router makes ~17 fetches per bench query.
 */
class ReplyCollector implements Dispatcher.DispatchHandler {
  status = 0;
  contentType: string | undefined;
  cacheControl: string | undefined;
  readonly chunks: Buffer[] = [];
  length = 0;
  #abort: ((reason: Error) => void) | undefined;
  #settled = false;
  #timer: NodeJS.Timeout;
  readonly #resolve: (reply: SubgraphReply) => void;
  readonly #reject: (err: Error) => void;

  constructor(resolve: (reply: SubgraphReply) => void, reject: (err: Error) => void, timeoutMs: number) {
    this.#resolve = resolve;
    this.#reject = reject;
    // The whole fetch (queueing, connect, headers, body) has one deadline, as AbortSignal.timeout gave.
    this.#timer = setTimeout(() => {
      const reason = new DOMException('The operation was aborted due to timeout', 'TimeoutError');
      this.#abort?.(reason);
      this.onError(reason);
    }, timeoutMs).unref();
  }

  onConnect(abort: (reason?: Error) => void): void {
    if (this.#settled) abort(new DOMException('The operation was aborted due to timeout', 'TimeoutError'));
    else this.#abort = abort;
  }

  onHeaders(status: number, rawHeaders: Buffer[]): boolean {
    if (status < 200) return true; // 1xx: the final status follows
    this.status = status;
    for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
      const name = rawHeaders[i]!;
      if (name.length !== CONTENT_TYPE.length && name.length !== CACHE_CONTROL.length) continue;
      const lower = name.toString('latin1').toLowerCase();
      if (lower !== CONTENT_TYPE && lower !== CACHE_CONTROL) continue;
      const value = rawHeaders[i + 1]!.toString('latin1');
      // Repeated headers are joined as the parsed header object's array was.
      if (lower === CONTENT_TYPE) this.contentType = join(this.contentType, value);
      else this.cacheControl = join(this.cacheControl, value);
    }
    return true;
  }

  onData(chunk: Buffer): boolean {
    this.chunks.push(chunk);
    this.length += chunk.length;
    return true;
  }

  onComplete(): void {
    if (this.#settled) return;
    this.#settled = true;
    clearTimeout(this.#timer);
    const body = this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks, this.length);
    const bom = body.length > 2 && body[0] === 0xef && body[1] === 0xbb && body[2] === 0xbf;
    this.#resolve({
      status: this.status,
      contentType: this.contentType ?? '',
      cacheControl: this.cacheControl,
      text: body.toString('utf8', bom ? 3 : 0),
    });
  }

  onError(err: Error): void {
    if (this.#settled) return;
    this.#settled = true;
    clearTimeout(this.#timer);
    this.#reject(err);
  }
}

function join(previous: string | undefined, value: string): string {
  return previous === undefined ? value : `${previous}, ${value}`;
}

/**
 * Subgraph calls dispatched straight on `agent` (pooled keep-alive,
 * fixed-length bodies) with a per-fetch deadline: no WHATWG Request/Response,
 * Headers objects, web streams or response streams per call.
 */
export function createSubgraphPost(agent: Agent, timeoutMs: number): SubgraphPost {
  return (url, headers, body) =>
    new Promise<SubgraphReply>((resolve, reject) => {
      const { origin, path } = targetOf(url);
      agent.dispatch(
        { origin, path, method: 'POST', headers, body },
        new ReplyCollector(resolve, reject, timeoutMs),
      );
    });
}
