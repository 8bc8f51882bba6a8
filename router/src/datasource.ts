import { randomUUID } from 'node:crypto';
import type { GraphQLDataSource, GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import { parseCacheControlHeader } from '@apollo/gateway/dist/datasources/parseCacheControlHeader.js';
import {
  CLIENT_IP_HEADER,
  INTERNAL_TOKEN_HEADER,
  type Logger,
  type Principal,
} from '@tradegraph/shared/edge';
import type { GraphQLFormattedError } from 'graphql';
import type { RouterContext } from './context.ts';
import type { SubgraphPost } from './fetcher.ts';
import { startFetchSpan } from './telemetry/index.ts';

export const SUBGRAPH_UNAVAILABLE = 'SUBGRAPH_UNAVAILABLE';
const ROUTER_PRINCIPAL: Principal = { kind: 'router' };

export type FetchOutcome = 'ok' | 'error_response' | 'unavailable';

export interface SubgraphDataSourceOptions {
  /** Name as in the supergraph's `@join__graph(name:)`. */
  name: string;
  url: string;
  post: SubgraphPost;
  /** Internal token for an audience and principal (createInternalTokenSigner: reused for a few seconds). */
  internalToken: (audience: string, principal: Principal) => Promise<string>;
  logger: Logger;
  onFetch?: (subgraph: string, outcome: FetchOutcome, seconds: number) => void;
}

export interface SubgraphRequest {
  query: string;
  variables?: Record<string, unknown>;
  operationName?: string | undefined;
}

export interface SubgraphResponse {
  data?: Record<string, unknown> | null;
  errors?: GraphQLFormattedError[];
  extensions?: Record<string, unknown>;
}

/** The part of Apollo Server's cache policy a subgraph answer may restrict. */
interface CachePolicy {
  restrict(hint: { maxAge?: number; scope?: 'PUBLIC' | 'PRIVATE' }): void;
}

/** A subgraph answer that cannot be used: the subgraph is reported unavailable. */
class SubgraphFailure extends Error {
  readonly status: number | undefined;
  constructor(message: string, status?: number) {
    super(message);
    this.status = status;
  }
}

function isGraphQLErrorBody(
  body: unknown,
): body is { data?: SubgraphResponse['data']; errors: GraphQLFormattedError[] } {
  const errors = (body as { errors?: unknown } | null)?.errors;
  return (
    Array.isArray(errors) &&
    errors.length > 0 &&
    errors.every((e) => typeof (e as { message?: unknown } | null)?.message === 'string')
  );
}

const JSON_TYPES = ['application/json', 'application/graphql-response+json'];

/** As RemoteGraphQLDataSource.parseBody: JSON when the subgraph says so, else the text itself. */
function parseBody(contentType: string, text: string): unknown {
  return JSON_TYPES.some((t) => contentType.startsWith(t)) ? JSON.parse(text) : text;
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === 'object' && !Array.isArray(v);

/**
 * How the router talks to one subgraph: only the router's own headers go out
 * (an internal token carrying the verified principal for this subgraph, the
 * request id and trace context), and a subgraph that cannot be reached becomes one clear
 * SUBGRAPH_UNAVAILABLE error instead of a leaked URL or stack.
 *
 * It implements the gateway's data-source contract directly (rather than
 * extending RemoteGraphQLDataSource, which builds node-fetch Headers and a
 * Request per call); the plan executor calls `fetchOperation` itself.
 */
export class SubgraphDataSource implements GraphQLDataSource<RouterContext> {
  readonly subgraph: string;
  /** Internal-token audience: the subgraph's name, lower-cased. */
  readonly audience: string;
  readonly url: string;
  readonly #post: SubgraphPost;
  readonly #internalToken: SubgraphDataSourceOptions['internalToken'];
  readonly #logger: Logger;
  readonly #onFetch: SubgraphDataSourceOptions['onFetch'];

  constructor(opts: SubgraphDataSourceOptions) {
    this.subgraph = opts.name;
    this.audience = opts.name.toLowerCase();
    this.url = opts.url;
    this.#post = opts.post;
    this.#internalToken = opts.internalToken;
    this.#logger = opts.logger;
    this.#onFetch = opts.onFetch;
  }

  async process(options: GraphQLDataSourceProcessOptions<RouterContext>) {
    const { query, variables, operationName } = options.request;
    if (!query) throw new Error('Missing query');
    const incoming = 'incomingRequestContext' in options ? options : undefined;
    const response = await this.fetchOperation(
      { query, ...(variables ? { variables } : {}), ...(operationName ? { operationName } : {}) },
      incoming?.context,
      incoming?.incomingRequestContext.overallCachePolicy as CachePolicy | undefined,
    );
    return response as Awaited<ReturnType<GraphQLDataSource['process']>>;
  }

  /** One operation against this subgraph; never throws for subgraph or network failures. */
  async fetchOperation(
    request: SubgraphRequest,
    ctx: RouterContext | undefined,
    cachePolicy?: CachePolicy,
  ): Promise<SubgraphResponse> {
    const started = performance.now();
    const elapsed = () => (performance.now() - started) / 1000;
    // With tracing on, the subgraph continues this fetch's span rather than the caller's context.
    const span = startFetchSpan(this.subgraph, this.url, request.operationName);
    let outcome: FetchOutcome = 'ok';
    try {
      const headers: Record<string, string> = {
        'content-type': 'application/json',
        [INTERNAL_TOKEN_HEADER]: await this.#internalToken(this.audience, ctx?.principal ?? ROUTER_PRINCIPAL),
        'x-request-id': ctx?.requestId ?? randomUUID(),
      };
      // The caller's IP, for identity's login throttling only (clients cannot set it: only these headers go out).
      if (ctx?.clientIp && this.audience === 'identity') headers[CLIENT_IP_HEADER] = ctx.clientIp;
      const traceparent = span?.traceparent ?? ctx?.traceparent;
      if (traceparent) {
        headers.traceparent = traceparent;
        if (ctx?.tracestate) headers.tracestate = ctx.tracestate;
      }
      const reply = await this.#post(this.url, headers, JSON.stringify(request));
      if (reply.status < 200 || reply.status >= 300) {
        // 401/403 means the subgraph refused the router itself (key mismatch): never the caller's fault.
        if (reply.status !== 401 && reply.status !== 403) {
          let body: unknown;
          try {
            body = parseBody(reply.contentType, reply.text);
          } catch {}
          if (isGraphQLErrorBody(body)) {
            outcome = 'error_response';
            this.#onFetch?.(this.subgraph, 'error_response', elapsed());
            return { data: body.data ?? null, errors: body.errors };
          }
        }
        throw new SubgraphFailure(`subgraph answered HTTP ${reply.status}`, reply.status);
      }
      const body = parseBody(reply.contentType, reply.text);
      if (!isObject(body)) throw new SubgraphFailure(`Expected JSON response body, but received: ${body}`);
      if (cachePolicy) restrictCachePolicy(cachePolicy, reply.cacheControl);
      const response = body as SubgraphResponse;
      if (response.errors?.length) outcome = 'error_response';
      this.#onFetch?.(this.subgraph, outcome, elapsed());
      return response;
    } catch (err) {
      outcome = 'unavailable';
      span?.end(outcome, err);
      this.#onFetch?.(this.subgraph, 'unavailable', elapsed());
      const status = err instanceof SubgraphFailure ? err.status : undefined;
      (ctx?.logger ?? this.#logger).warn(
        {
          subgraph: this.subgraph,
          url: this.url,
          status,
          err: {
            name: (err as Error).name,
            message: (err as Error).message,
            cause: String((err as Error).cause ?? ''),
          },
        },
        status === 401 || status === 403
          ? `subgraph ${this.subgraph} refused the router's internal token: check INTERNAL_TOKEN keys`
          : `subgraph ${this.subgraph} fetch failed`,
      );
      return {
        errors: [
          {
            message: `Subgraph ${this.subgraph} is unavailable`,
            extensions: { code: SUBGRAPH_UNAVAILABLE, subgraph: this.subgraph },
          },
        ],
      };
    } finally {
      if (outcome !== 'unavailable') span?.end(outcome);
    }
  }
}

/** As RemoteGraphQLDataSource: each subgraph answer restricts the response's overall cache policy. */
function restrictCachePolicy(policy: CachePolicy, header: string | undefined) {
  const parsed = parseCacheControlHeader(header);
  const hint: { maxAge: number; scope?: 'PUBLIC' | 'PRIVATE' } = { maxAge: 0 };
  const maxAge = parsed['max-age'];
  if (typeof maxAge === 'string' && /^[0-9]+$/.test(maxAge)) hint.maxAge = +maxAge;
  if (parsed.private === true) hint.scope = 'PRIVATE';
  if (parsed.public === true) hint.scope = 'PUBLIC';
  policy.restrict(hint);
}
