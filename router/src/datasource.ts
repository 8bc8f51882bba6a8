import { randomUUID } from 'node:crypto';
import { type GraphQLDataSourceProcessOptions, RemoteGraphQLDataSource } from '@apollo/gateway';
import { INTERNAL_TOKEN_HEADER, type Logger, type Principal } from '@tradegraph/shared';
import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import type { RouterContext } from './context.ts';
import type { Fetcher } from './fetcher.ts';

export const SUBGRAPH_UNAVAILABLE = 'SUBGRAPH_UNAVAILABLE';
const ROUTER_PRINCIPAL: Principal = { kind: 'router' };

export type FetchOutcome = 'ok' | 'error_response' | 'unavailable';

export interface SubgraphDataSourceOptions {
  /** Name as in the supergraph's `@join__graph(name:)`. */
  name: string;
  url: string;
  fetcher: Fetcher;
  /** Internal token for an audience and principal (createInternalTokenSigner: reused for a few seconds). */
  internalToken: (audience: string, principal: Principal) => Promise<string>;
  logger: Logger;
  onFetch?: (subgraph: string, outcome: FetchOutcome, seconds: number) => void;
}

/** A non-2xx subgraph answer that still carries a GraphQL body: its errors are passed on. */
class SubgraphErrorBody extends GraphQLError {
  readonly status: number;
  readonly body: { data?: Record<string, unknown> | null; errors: GraphQLFormattedError[] };
  constructor(status: number, body: SubgraphErrorBody['body']) {
    super(`subgraph answered HTTP ${status} with GraphQL errors`);
    this.status = status;
    this.body = body;
  }
}

/** A non-2xx subgraph answer without a usable GraphQL body. */
class SubgraphHttpError extends GraphQLError {
  readonly status: number;
  constructor(status: number) {
    super(`subgraph answered HTTP ${status}`);
    this.status = status;
  }
}

function isGraphQLErrorBody(body: unknown): body is SubgraphErrorBody['body'] {
  const errors = (body as { errors?: unknown } | null)?.errors;
  return (
    Array.isArray(errors) &&
    errors.length > 0 &&
    errors.every((e) => typeof (e as { message?: unknown } | null)?.message === 'string')
  );
}

/**
 * How the router talks to one subgraph: only the router's own headers go out
 * (an internal token carrying the verified principal for this subgraph, the
 * request id and trace context), and a subgraph that cannot be reached becomes one clear
 * SUBGRAPH_UNAVAILABLE error instead of a leaked URL or stack.
 */
export class SubgraphDataSource extends RemoteGraphQLDataSource<RouterContext> {
  readonly subgraph: string;
  /** Internal-token audience: the subgraph's name, lower-cased. */
  readonly audience: string;
  readonly #internalToken: SubgraphDataSourceOptions['internalToken'];
  readonly #logger: Logger;
  readonly #onFetch: SubgraphDataSourceOptions['onFetch'];

  constructor(opts: SubgraphDataSourceOptions) {
    super({ url: opts.url, fetcher: opts.fetcher });
    this.subgraph = opts.name;
    this.audience = opts.name.toLowerCase();
    this.#internalToken = opts.internalToken;
    this.#logger = opts.logger;
    this.#onFetch = opts.onFetch;
  }

  override async willSendRequest(options: GraphQLDataSourceProcessOptions<RouterContext>): Promise<void> {
    const headers = options.request.http?.headers;
    if (!headers) return;
    const ctx = 'incomingRequestContext' in options ? options.context : undefined;
    const drop: string[] = [];
    for (const [name] of headers) {
      const lower = name.toLowerCase();
      if (lower.startsWith('x-tradegraph-') || lower === 'authorization' || lower === 'cookie')
        drop.push(name);
    }
    for (const name of drop) headers.delete(name);

    const requestId = ctx?.requestId ?? randomUUID();
    headers.set(
      INTERNAL_TOKEN_HEADER,
      await this.#internalToken(this.audience, ctx?.principal ?? ROUTER_PRINCIPAL),
    );
    headers.set('x-request-id', requestId);
    if (ctx?.traceparent) {
      headers.set('traceparent', ctx.traceparent);
      if (ctx.tracestate) headers.set('tracestate', ctx.tracestate);
    }
  }

  override async errorFromResponse(response: Parameters<RemoteGraphQLDataSource['errorFromResponse']>[0]) {
    // 401/403 means the subgraph refused the router itself (key mismatch): never the caller's fault.
    if (response.status !== 401 && response.status !== 403) {
      const body = await this.parseBody(response).catch(() => undefined);
      if (isGraphQLErrorBody(body)) return new SubgraphErrorBody(response.status, body);
    } else {
      await response.text().catch(() => undefined);
    }
    return new SubgraphHttpError(response.status);
  }

  override async process(options: GraphQLDataSourceProcessOptions<RouterContext>) {
    const started = performance.now();
    const elapsed = () => (performance.now() - started) / 1000;
    try {
      const response = await super.process(options);
      this.#onFetch?.(this.subgraph, response.errors?.length ? 'error_response' : 'ok', elapsed());
      return response;
    } catch (err) {
      if (err instanceof SubgraphErrorBody) {
        this.#onFetch?.(this.subgraph, 'error_response', elapsed());
        return { data: err.body.data ?? null, errors: err.body.errors };
      }
      this.#onFetch?.(this.subgraph, 'unavailable', elapsed());
      const log = 'incomingRequestContext' in options ? options.context.logger : this.#logger;
      const status = err instanceof SubgraphHttpError ? err.status : undefined;
      log.warn(
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
    }
  }
}
