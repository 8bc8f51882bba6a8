import type { KeyObject } from 'node:crypto';
import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApolloServer, type ApolloServerPlugin, HeaderMap } from '@apollo/server';
import {
  ApolloServerPluginCacheControlDisabled,
  ApolloServerPluginInlineTraceDisabled,
} from '@apollo/server/plugin/disabled';
import { buildSubgraphSchema, type GraphQLResolverMap } from '@apollo/subgraph';
import type { DocumentNode, GraphQLScalarType } from 'graphql';
import { CLIENT_IP_HEADER } from '../auth/access-token.ts';
import {
  createInternalTokenVerifier,
  INTERNAL_TOKEN_HEADER,
  InternalTokenError,
} from '../auth/internal-token.ts';
import type { Principal } from '../auth/principal.ts';
import { ConfigError, exitOnConfigError, logLevelOrDefault } from '../config.ts';
import { type SqlCounter, withSqlCounter } from '../db/orm.ts';
import { createErrorFormatter } from '../graphql/errors.ts';
import { Loaders } from '../graphql/loaders.ts';
import { createLogger, type Logger } from '../logger.ts';
import { counter, histogram, metricsRegistry } from '../metrics.ts';
import { startServerSpan, traceRootResolvers } from '../telemetry/kernel.ts';
import { withContext } from '../telemetry/tracing.ts';
import { BodyTooLargeError, readBody, sendGraphQLError, sendJson } from './body.ts';
import { stopOnSignals } from './signals.ts';
import { createSubgraphExecutor, type JitAnswer } from './subgraph-executor.ts';

export { stopOnSignals };

/** What every resolver gets; services extend it with their own fields (em, domain handles). */
export interface RequestContext {
  principal: Principal;
  requestId: string;
  traceparent?: string;
  /** The end client's IP as the router saw it (CLIENT_IP_HEADER); absent when not called through the router. */
  clientIp?: string;
  logger: Logger;
  loaders: Loaders;
  sql: SqlCounter;
}

export type ReadinessCheck = { name: string; check: () => Promise<void> };

/** A non-GraphQL route. `internal` routes require a valid internal token (principal on `ctx`). */
export interface Route {
  method: 'GET' | 'POST';
  path: string;
  internal?: boolean;
  handle: (
    req: IncomingMessage,
    res: ServerResponse,
    ctx: { principal: Principal | null; body: string },
  ) => Promise<void>;
}

/**
 * A subgraph's resolver map, as typed by each subgraph's generated `Resolvers`
 * (src/generated/resolvers.ts). Not @apollo/subgraph's GraphQLResolverMap: that one types
 * `__resolveReference` as a field resolver (parent, args, ctx), though it is called (reference, ctx, info).
 */
export type SubgraphResolverMap = Record<string, GraphQLScalarType | Record<string, unknown>>;

export interface SubgraphServerOptions<C extends RequestContext> {
  /** Subgraph name as in the supergraph; also the audience internal tokens must carry. */
  name: string;
  port: number;
  host?: string;
  typeDefs: DocumentNode;
  resolvers: SubgraphResolverMap;
  logger: Logger;
  internalPublicKey: KeyObject;
  /** Builds the service's context from the verified base context (e.g. adds a forked EntityManager). */
  context: (base: RequestContext) => Promise<C> | C;
  readiness?: ReadinessCheck[];
  routes?: Route[];
  production?: boolean;
  maxBodyBytes?: number;
  /** Called on stop after the HTTP server closed (close ORM, relay, bus). */
  onStop?: () => Promise<void>;
  /** Queries through graphql-jit (default true); false: every operation through graphql-js. */
  jit?: boolean;
}

export interface RunningServer {
  url: string;
  port: number;
  server: Server;
  stop: () => Promise<void>;
}

const REQUEST_ID = /^[A-Za-z0-9._-]{1,128}$/;
const TRACEPARENT = /^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$/;

function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

export interface CompletedRequest {
  subgraph: string;
  requestId: string;
  sqlStatements: number;
  durationMs: number;
}

/**
 * Every GraphQL request a subgraph in this process completes. The subgraphs of
 * one router request share its request id, so tests (and the storefront
 * benchmark) can sum the SQL statements one client request cost across them.
 */
export const completedRequests = new EventEmitter<{ request: [CompletedRequest] }>();

/** A POST body and the headers Apollo Server's handling of it depends on. */
interface RequestShape {
  key: string;
  variables: Record<string, unknown>;
}

interface FastQuery extends JitAnswer {
  /** The headers Apollo Server answered with (content type). */
  headers: Record<string, string>;
}

/**
 * Queries this subgraph answers without Apollo Server's request pipeline. A
 * request is learned when Apollo Server answered it with status 200 from
 * graphql-jit without errors; a later request of exactly the same shape (same
 * query text, operation name, content type and accept header, a JSON body of
 * only query/operationName/variables) runs the compiled query directly and
 * gets the same headers, with its own data. Parsing, validation and the
 * pipeline's per-request work are what Apollo Server already did once for that
 * text. Any error sends the request through Apollo Server after all, so every
 * error response is still Apollo Server's.
 *
 * The router sends a handful of distinct queries per page; entries are kept
 * for the most recent MAX distinct shapes.
 */
class FastQueries {
  static readonly MAX = 1000;
  readonly #known = new Map<string, FastQuery>();

  static shapeOf(req: IncomingMessage, body: unknown): RequestShape | undefined {
    if (!body || typeof body !== 'object' || Array.isArray(body)) return undefined;
    const b = body as Record<string, unknown>;
    for (const k in b) if (k !== 'query' && k !== 'operationName' && k !== 'variables') return undefined;
    const { query, operationName, variables } = b;
    if (typeof query !== 'string') return undefined;
    if (operationName !== undefined && operationName !== null && typeof operationName !== 'string')
      return undefined;
    if (
      variables !== undefined &&
      variables !== null &&
      (typeof variables !== 'object' || Array.isArray(variables))
    )
      return undefined;
    const key = `${header(req, 'content-type') ?? ''}\0${header(req, 'accept') ?? ''}\0${operationName ?? ''}\0${query}`;
    return { key, variables: (variables as Record<string, unknown> | null) ?? {} };
  }

  get(shape: RequestShape): FastQuery | undefined {
    return this.#known.get(shape.key);
  }

  learn(shape: RequestShape, answer: JitAnswer, headers: Iterable<[string, string]>): void {
    if (this.#known.has(shape.key)) return;
    if (this.#known.size >= FastQueries.MAX) this.#known.delete(this.#known.keys().next().value as string);
    this.#known.set(shape.key, { ...answer, headers: Object.fromEntries(headers) });
  }
}

/**
 * Apollo Server 5 on Node's HTTP server: `/graphql` behind the internal-token
 * gate, `/health`, `/ready`, `/metrics`, extra routes, graceful shutdown.
 */
export async function startSubgraphServer<C extends RequestContext>(
  opts: SubgraphServerOptions<C>,
): Promise<RunningServer> {
  const log = opts.logger;
  const maxBody = opts.maxBodyBytes ?? 1_048_576;
  const requests = counter('graphql_requests_total', 'GraphQL operations executed', [
    'subgraph',
    'operation',
    'outcome',
  ]);
  const duration = histogram(
    'graphql_request_duration_seconds',
    'GraphQL operation duration',
    ['subgraph'],
    [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
  );
  const sqlPerRequest = histogram(
    'graphql_sql_statements_per_request',
    'SQL statements run per GraphQL request',
    ['subgraph'],
    [0, 1, 2, 3, 5, 8, 13, 21, 34, 55, 100],
  );
  const fastAnswers = counter(
    'graphql_fast_answers_total',
    'Queries answered by their compiled form without Apollo Server (a request shape it answered before)',
    ['subgraph'],
  );
  const unauthorized = counter(
    'internal_token_rejections_total',
    'Requests refused for a missing or invalid internal token',
    ['subgraph'],
  );

  const metricsPlugin: ApolloServerPlugin<C> = {
    async requestDidStart() {
      return {
        async willSendResponse(rc) {
          const outcome = rc.errors?.length ? 'error' : 'ok';
          requests.inc({ subgraph: opts.name, operation: rc.operationName ?? 'anonymous', outcome });
        },
      };
    },
  };

  // With tracing on, root fields and `_entities` get a span each (telemetry/kernel.ts).
  const schema = traceRootResolvers(
    buildSubgraphSchema([
      { typeDefs: opts.typeDefs, resolvers: opts.resolvers as GraphQLResolverMap<unknown> },
    ]),
  );
  // Queries run compiled by graphql-jit, with graphql-js' answers (subgraph-executor.ts).
  const { gateway, jitAnswers } = createSubgraphExecutor(schema, {
    jit: opts.jit ?? true,
    contextKey: (context) => (context as Partial<RequestContext>).loaders,
  });
  const fastQueries = new FastQueries();
  const apollo = new ApolloServer<C>({
    gateway,
    formatError: createErrorFormatter(log),
    includeStacktraceInErrorResponses: false,
    csrfPrevention: true,
    // Our own stopOnSignals drains HTTP, the relay, the bus and the ORM; Apollo's
    // handler would re-raise the signal and kill the process half-way.
    stopOnTerminationSignals: false,
    introspection: !opts.production,
    hideSchemaDetailsFromClientErrors: !!opts.production,
    // No Apollo usage reporting here, so no federated traces to attach. No schema
    // uses @cacheControl and every answer is `no-store` (set below), so the cache
    // control plugin would only wrap every resolver call (per field, per row).
    // With neither plugin, no plugin hooks field resolution: resolvers run bare.
    plugins: [
      metricsPlugin,
      ApolloServerPluginInlineTraceDisabled(),
      ApolloServerPluginCacheControlDisabled(),
    ],
    logger: {
      debug: (m) => log.debug(m),
      info: (m) => log.info(m),
      warn: (m) => log.warn(m),
      error: (m) => log.error(m),
    },
  });
  await apollo.start();

  const routes = new Map((opts.routes ?? []).map((r) => [`${r.method} ${r.path}`, r]));
  let draining = false;

  const verifyToken = createInternalTokenVerifier(opts.internalPublicKey, opts.name);
  const verify = (req: IncomingMessage) => verifyToken(header(req, INTERNAL_TOKEN_HEADER));

  async function handleGraphQL(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const started = performance.now();
    let claims: Awaited<ReturnType<typeof verify>>;
    try {
      claims = await verify(req);
    } catch (err) {
      if (!(err instanceof InternalTokenError)) throw err;
      unauthorized.inc({ subgraph: opts.name });
      log.warn(
        { reason: err.message, remote: req.socket.remoteAddress },
        'refused request without a valid internal token',
      );
      return sendGraphQLError(
        res,
        401,
        'UNAUTHENTICATED',
        'This service only accepts requests from the Tradegraph router',
      );
    }
    // The router sends the request id and trace context as headers (its token is
    // reused across requests); tokens that still carry them take precedence.
    const headerId = header(req, 'x-request-id');
    const requestId =
      claims.requestId || (headerId !== undefined && REQUEST_ID.test(headerId) ? headerId : randomUUID());
    const headerTrace = header(req, 'traceparent');
    const traceparent =
      claims.traceparent ??
      (headerTrace !== undefined && TRACEPARENT.test(headerTrace) ? headerTrace : undefined);
    // Trusted only because the internal token above proves the router sent this request.
    const clientIp = header(req, CLIENT_IP_HEADER)?.slice(0, 64);
    let body: unknown;
    if (req.method === 'POST') {
      const text = await readBody(req, maxBody);
      try {
        body = text ? JSON.parse(text) : {};
      } catch {
        return sendGraphQLError(res, 400, 'BAD_REQUEST', 'Request body is not valid JSON');
      }
    }
    const sql: SqlCounter = { count: 0 };
    const reqLog = log.child({ requestId });
    const span = startServerSpan(opts.name, traceparent, { method: req.method ?? 'GET', path: url.pathname });
    const context = () =>
      opts.context({
        principal: claims.principal,
        requestId,
        ...(traceparent ? { traceparent } : {}),
        ...(clientIp ? { clientIp } : {}),
        logger: reqLog,
        loaders: new Loaders(),
        sql,
      });
    const shape = req.method === 'POST' ? FastQueries.shapeOf(req, body) : undefined;
    const known = shape !== undefined ? fastQueries.get(shape) : undefined;
    let status = 200;
    const answered =
      known &&
      (await withContext(span?.ctx, () =>
        withSqlCounter(sql, async () => {
          try {
            const result = await known.query.query(undefined, await context(), shape!.variables);
            return result.errors?.length ? undefined : result;
          } catch {
            return undefined; // Apollo Server's pipeline answers it (and formats the error)
          }
        }),
      ));
    if (answered) {
      // What Apollo Server answered to this very request shape, with this query's data.
      requests.inc({ subgraph: opts.name, operation: known.operationName ?? 'anonymous', outcome: 'ok' });
      fastAnswers.inc({ subgraph: opts.name });
      res.writeHead(200, { 'x-request-id': requestId, 'cache-control': 'no-store', ...known.headers });
      res.end(`${JSON.stringify({ data: answered.data, extensions: answered.extensions })}\n`);
    } else {
      // Apollo Server's pipeline (parse, validate, plugins, errors). A known query
      // that met an error runs again here, so its errors are Apollo's: queries only read.
      let loaders: Loaders | undefined;
      const headers = new HeaderMap();
      for (const [k, v] of Object.entries(req.headers)) {
        if (v !== undefined) headers.set(k, Array.isArray(v) ? v.join(', ') : v);
      }
      const result = await withContext(span?.ctx, () =>
        withSqlCounter(sql, () =>
          apollo.executeHTTPGraphQLRequest({
            httpGraphQLRequest: { method: req.method ?? 'GET', headers, search: url.search, body },
            context: async () => {
              const value = await context();
              loaders = value.loaders;
              return value;
            },
          }),
        ),
      );
      const jit = loaders && jitAnswers.get(loaders);
      if (
        shape &&
        jit &&
        (result.status ?? 200) === 200 &&
        result.body.kind === 'complete' &&
        result.body.string.startsWith('{"data":')
      ) {
        fastQueries.learn(shape, jit, result.headers);
      }
      const outHeaders: Record<string, string> = { 'x-request-id': requestId, 'cache-control': 'no-store' };
      for (const [k, v] of result.headers) outHeaders[k] = v;
      status = result.status ?? 200;
      res.writeHead(status, outHeaders);
      if (result.body.kind === 'complete') {
        res.end(result.body.string);
      } else {
        for await (const chunk of result.body.asyncIterator) res.write(chunk);
        res.end();
      }
    }
    span?.end(status);
    const seconds = (performance.now() - started) / 1000;
    duration.observe({ subgraph: opts.name }, seconds);
    sqlPerRequest.observe({ subgraph: opts.name }, sql.count);
    reqLog.debug({ status, ms: Math.round(seconds * 1000), sql: sql.count }, 'graphql request');
    if (completedRequests.listenerCount('request')) {
      completedRequests.emit('request', {
        subgraph: opts.name,
        requestId,
        sqlStatements: sql.count,
        durationMs: seconds * 1000,
      });
    }
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname === '/health') return sendJson(res, 200, { status: 'ok', service: opts.name });
    if (url.pathname === '/ready') {
      if (draining) return sendJson(res, 503, { status: 'draining' });
      const failures: Record<string, string> = {};
      await Promise.all(
        (opts.readiness ?? []).map(async (r) => {
          try {
            await r.check();
          } catch (err) {
            failures[r.name] = (err as Error).message;
          }
        }),
      );
      const ok = Object.keys(failures).length === 0;
      return sendJson(res, ok ? 200 : 503, { status: ok ? 'ready' : 'not-ready', failures });
    }
    if (url.pathname === '/metrics') {
      const text = await metricsRegistry.metrics();
      res.writeHead(200, { 'content-type': metricsRegistry.contentType });
      res.end(text);
      return;
    }
    if (url.pathname === '/graphql') {
      if (req.method !== 'POST' && req.method !== 'GET') {
        return sendGraphQLError(res, 405, 'METHOD_NOT_ALLOWED', 'Use GET or POST');
      }
      return handleGraphQL(req, res, url);
    }
    const route = routes.get(`${req.method} ${url.pathname}`);
    if (route) {
      let principal: Principal | null = null;
      if (route.internal) {
        try {
          principal = (await verify(req)).principal;
        } catch (err) {
          if (!(err instanceof InternalTokenError)) throw err;
          unauthorized.inc({ subgraph: opts.name });
          return sendJson(res, 401, { error: 'internal token required' });
        }
      }
      const body = req.method === 'POST' ? await readBody(req, maxBody) : '';
      return route.handle(req, res, { principal, body });
    }
    sendJson(res, 404, { error: 'not found' });
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((err) => {
      if (err instanceof BodyTooLargeError) {
        if (!res.headersSent)
          sendGraphQLError(res, 413, 'PAYLOAD_TOO_LARGE', `Request body exceeds ${maxBody} bytes`);
        return;
      }
      log.error({ err }, 'unhandled error serving request');
      if (!res.headersSent) sendGraphQLError(res, 500, 'INTERNAL', 'Internal server error');
      else res.destroy();
    });
  });
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host ?? '0.0.0.0', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const url = `http://127.0.0.1:${port}/graphql`;
  log.info({ port, url }, `${opts.name} subgraph listening`);

  let stopping: Promise<void> | null = null;
  const stop = () => {
    stopping ??= (async () => {
      draining = true;
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
        // In-flight requests get a grace period, then their sockets are closed.
        setTimeout(() => server.closeAllConnections(), 10_000).unref();
      });
      await apollo.stop();
      await opts.onStop?.();
      log.info(`${opts.name} subgraph stopped`);
    })();
    return stopping;
  };
  return { url, port, server, stop };
}

/**
 * A subgraph process's entry point: starts the service from the environment,
 * drains it on SIGTERM/SIGINT, and exits with a readable message when the
 * configuration is invalid or start-up fails.
 */
export async function runSubgraphMain(
  name: string,
  start: (env: Record<string, string | undefined>) => Promise<{ stop: () => Promise<void> }>,
): Promise<void> {
  // A bad LOG_LEVEL is reported with the other settings' problems, not thrown by the logger.
  const log = createLogger(name, logLevelOrDefault(process.env.LOG_LEVEL));
  try {
    stopOnSignals(await start(process.env), log);
  } catch (err) {
    if (err instanceof ConfigError) exitOnConfigError(err, name);
    if (err instanceof Error && err.message.startsWith('Invalid configuration')) {
      console.error(`${name}: ${err.message}`);
    } else {
      log.fatal({ err }, `${name} failed to start`);
    }
    process.exit(1);
  }
}
