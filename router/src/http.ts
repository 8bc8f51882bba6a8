import type { IncomingMessage, ServerResponse } from 'node:http';
import { type ApolloServer, HeaderMap } from '@apollo/server';
import {
  BodyTooLargeError,
  INTERNAL_TOKEN_HEADER,
  type Logger,
  metricsRegistry,
  readBody,
  sendJson,
  withContext,
} from '@tradegraph/shared/edge';
import type { Authenticate } from './auth/authenticate.ts';
import { AuthenticationError, AuthUnavailableError } from './auth/errors.ts';
import {
  clientIpOf,
  type RouterContext,
  requestIdFrom,
  validTraceparent,
  validTracestate,
} from './context.ts';
import { graphQLErrorBody } from './errors.ts';
import type { RouterMetrics } from './metrics.ts';
import { type RateLimiter, rateLimitHeaders } from './rate-limit.ts';
import { startOperationSpan } from './telemetry/index.ts';

export interface RouterState {
  /** The gateway has loaded the supergraph. */
  ready: boolean;
  /** Shutdown has begun: refuse new work, close connections after each response. */
  draining: boolean;
}

type Route = 'graphql' | 'health' | 'ready' | 'metrics' | 'not_found';

export interface HandlerDeps {
  apollo: ApolloServer<RouterContext>;
  authenticate: Authenticate;
  logger: Logger;
  metrics: RouterMetrics;
  state: RouterState;
  maxBodyBytes: number;
  corsOrigins: string[];
  metricsEnabled: boolean;
  /** The /metrics text; across all workers when clustered (default: this process's registry). */
  metricsText?: () => Promise<string>;
  /** Absent when ROUTER_RATE_LIMIT=false. */
  rateLimiter?: RateLimiter;
  /** Proxies in front of the router that append to X-Forwarded-For (0: use the socket's address). */
  trustedProxyHops?: number;
  /** Serves subscriptions over graphql-sse (requests that accept text/event-stream); absent when off. */
  eventStream?: (req: IncomingMessage, res: ServerResponse) => Promise<void>;
}

/** Headers a client may never set for a subgraph: only the router speaks for the caller. */
function isSpoofableHeader(name: string): boolean {
  return (
    name.startsWith('x-tradegraph-') ||
    name === INTERNAL_TOKEN_HEADER ||
    name === 'authorization' ||
    name === 'cookie'
  );
}

const JSON_TYPE = /^application\/(?:[\w.+-]+\+)?json\s*(?:;|$)/i;
const CORS_ALLOW_HEADERS = [
  'authorization',
  'content-type',
  'apollo-require-preflight',
  'x-apollo-operation-name',
  'x-request-id',
  'traceparent',
  'tracestate',
].join(', ');

function sendError(res: ServerResponse, status: number, code: string, message: string, headers = {}) {
  const body = graphQLErrorBody(code, message);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(body),
    ...headers,
  });
  res.end(body);
}

function parseUrl(raw: string | undefined): URL {
  try {
    return new URL(raw ?? '/', 'http://router.invalid');
  } catch {
    return new URL('http://router.invalid/invalid-url');
  }
}

/** Sets CORS headers for an allowed Origin; answers the preflight itself. Returns true when it did. */
function cors(req: IncomingMessage, res: ServerResponse, origins: string[]): boolean {
  const origin = req.headers.origin;
  if (!origin || origins.length === 0) return false;
  const any = origins.includes('*');
  if (!any && !origins.includes(origin)) return false;
  res.setHeader('access-control-allow-origin', any ? '*' : origin);
  res.setHeader('vary', 'Origin');
  res.setHeader('access-control-expose-headers', 'x-request-id');
  if (req.method === 'OPTIONS' && req.headers['access-control-request-method']) {
    res.writeHead(204, {
      'access-control-allow-methods': 'GET, POST, OPTIONS',
      'access-control-allow-headers': CORS_ALLOW_HEADERS,
      'access-control-max-age': '600',
    });
    res.end();
    return true;
  }
  return false;
}

/**
 * The router's HTTP surface on a plain Node server: `/graphql` (GET/POST,
 * through Apollo's executeHTTPGraphQLRequest), `/health`, `/ready`, `/metrics`.
 * Every request gets a request id (the caller's if sane), echoed in
 * `x-request-id`, and one access-log line.
 */
export function createRequestHandler(deps: HandlerDeps): (req: IncomingMessage, res: ServerResponse) => void {
  const { apollo, logger, metrics, state } = deps;

  async function handleGraphQL(req: IncomingMessage, res: ServerResponse, url: URL, ctx: RouterContext) {
    const method = req.method ?? 'GET';
    if (method === 'OPTIONS') {
      res.writeHead(204, { allow: 'GET, POST, OPTIONS' });
      res.end();
      return;
    }
    if (method !== 'GET' && method !== 'POST') {
      return sendError(res, 405, 'BAD_REQUEST', 'Use GET or POST on /graphql', {
        allow: 'GET, POST, OPTIONS',
      });
    }
    if (!state.ready) {
      const why = state.draining ? 'The router is shutting down' : 'The router is starting';
      return sendError(res, 503, 'SERVICE_UNAVAILABLE', why, { 'retry-after': '1' });
    }
    if (deps.eventStream && req.headers.accept?.includes('text/event-stream')) {
      ctx.operation.type = 'subscription';
      return deps.eventStream(req, res);
    }

    let body: unknown;
    if (method === 'POST') {
      let text: string;
      try {
        text = await readBody(req, deps.maxBodyBytes);
      } catch (err) {
        if (!(err instanceof BodyTooLargeError)) throw err;
        return sendError(
          res,
          413,
          'BAD_USER_INPUT',
          `Request body is larger than the limit of ${deps.maxBodyBytes} bytes`,
          // The rest of the body is not read: the connection cannot be reused.
          { connection: 'close' },
        );
      }
      if (JSON_TYPE.test(req.headers['content-type'] ?? '')) {
        try {
          body = text ? JSON.parse(text) : undefined;
        } catch {
          return sendError(res, 400, 'BAD_REQUEST', 'Request body is not valid JSON');
        }
      }
    }

    try {
      ctx.principal = await deps.authenticate(req.headers.authorization, ctx.requestId);
    } catch (err) {
      if (err instanceof AuthenticationError) {
        metrics.authFailures.inc({ reason: 'invalid' });
        return sendError(res, 401, 'UNAUTHENTICATED', err.message, {
          'www-authenticate': 'Bearer error="invalid_token"',
        });
      }
      if (err instanceof AuthUnavailableError) {
        metrics.authFailures.inc({ reason: 'unavailable' });
        return sendError(res, 503, 'SERVICE_UNAVAILABLE', err.message, { 'retry-after': '5' });
      }
      throw err;
    }

    if (deps.rateLimiter) {
      // Every request spends at least one point before it is parsed, so junk is limited too;
      // the rest of its cost is spent once the operation is known (protection.ts).
      const admitted = await deps.rateLimiter.admit(ctx.principal, ctx.clientIp);
      ctx.protection.rateLimits.push(admitted);
      if (!admitted.allowed) {
        metrics.refusals.inc({ reason: 'rate' });
        return sendError(
          res,
          429,
          'RATE_LIMITED',
          `Too many requests; retry in ${admitted.retryAfterSeconds} s`,
          Object.fromEntries([
            ['retry-after', String(admitted.retryAfterSeconds)],
            ...rateLimitHeaders([admitted]),
          ]),
        );
      }
    }

    const headers = new HeaderMap();
    for (const [name, value] of Object.entries(req.headers)) {
      if (value === undefined || isSpoofableHeader(name)) continue;
      headers.set(name, Array.isArray(value) ? value.join(', ') : value);
    }
    const result = await apollo.executeHTTPGraphQLRequest({
      httpGraphQLRequest: { method, headers, search: url.search, body },
      context: async () => ctx,
    });
    for (const [name, value] of result.headers) res.setHeader(name, value);
    res.statusCode = result.status ?? 200;
    if (result.body.kind === 'complete') {
      res.end(result.body.string);
      return;
    }
    for await (const chunk of result.body.asyncIterator) res.write(chunk);
    res.end();
  }

  async function handle(
    req: IncomingMessage,
    res: ServerResponse,
    url: URL,
    route: Route,
    ctx: RouterContext,
  ) {
    if (state.draining) res.setHeader('connection', 'close');
    if (cors(req, res, deps.corsOrigins)) return;
    switch (route) {
      case 'graphql':
        return handleGraphQL(req, res, url, ctx);
      case 'health':
        return sendJson(res, 200, { status: 'ok' });
      case 'ready':
        if (state.ready && !state.draining) return sendJson(res, 200, { status: 'ready' });
        return sendJson(res, 503, { status: state.draining ? 'draining' : 'starting' });
      case 'metrics':
        res.writeHead(200, { 'content-type': metricsRegistry.contentType });
        res.end(await (deps.metricsText ?? (() => metricsRegistry.metrics()))());
        return;
      case 'not_found':
        return sendJson(res, 404, { error: 'not found' });
    }
  }

  const routes: Record<string, Route> = {
    '/graphql': 'graphql',
    '/health': 'health',
    '/ready': 'ready',
    ...(deps.metricsEnabled ? { '/metrics': 'metrics' as const } : {}),
  };

  return (req, res) => {
    const started = performance.now();
    const requestId = requestIdFrom(req.headers['x-request-id']);
    res.setHeader('x-request-id', requestId);
    const traceparent = validTraceparent(req.headers.traceparent);
    const tracestate = traceparent ? validTracestate(req.headers.tracestate) : undefined;
    const ctx: RouterContext = {
      principal: { kind: 'anonymous' },
      requestId,
      ...(traceparent ? { traceparent } : {}),
      ...(tracestate ? { tracestate } : {}),
      logger: logger.child({ requestId }),
      operation: {},
      clientIp: clientIpOf(
        req.socket.remoteAddress,
        req.headers['x-forwarded-for'],
        deps.trustedProxyHops ?? 0,
      ),
      protection: { rateLimits: [] },
    };
    const url = parseUrl(req.url);
    const route = routes[url.pathname] ?? 'not_found';
    // With tracing on: the operation's span (subscriptions over SSE are long-lived, so not traced here).
    const span =
      route === 'graphql' && !req.headers.accept?.includes('text/event-stream')
        ? startOperationSpan(req, ctx)
        : undefined;

    res.once('close', () => {
      const seconds = (performance.now() - started) / 1000;
      metrics.requests.inc({ route, status: String(res.statusCode) });
      metrics.duration.observe({ route }, seconds);
      const line = {
        method: req.method,
        path: url.pathname,
        status: res.statusCode,
        durationMs: Math.round(seconds * 10_000) / 10,
        operationName: ctx.operation.name ?? undefined,
        operationType: ctx.operation.type,
        principal: ctx.principal.kind,
        ...(span
          ? { trace_id: span.span.spanContext().traceId, span_id: span.span.spanContext().spanId }
          : traceparent
            ? { traceId: traceparent.slice(3, 35) }
            : {}),
        ...(res.writableFinished ? {} : { aborted: true }),
      };
      // Probes and scrapes would drown the access log.
      if (route === 'graphql' || route === 'not_found') ctx.logger.info(line, 'request');
      else ctx.logger.debug(line, 'request');
      span?.end(res.statusCode);
    });

    withContext(span?.ctx, () => handle(req, res, url, route, ctx)).catch((err) => {
      ctx.logger.error({ err }, 'unhandled error serving request');
      if (!res.headersSent) sendError(res, 500, 'INTERNAL', 'Internal server error');
      else res.destroy();
    });
  };
}
