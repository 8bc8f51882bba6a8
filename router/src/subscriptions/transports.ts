import { randomUUID } from 'node:crypto';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Logger } from '@tradegraph/shared';
import {
  type ExecutionArgs,
  type ExecutionResult,
  type FormattedExecutionResult,
  GraphQLError,
  type GraphQLFormattedError,
  type GraphQLSchema,
  parse,
} from 'graphql';
import { createHandler } from 'graphql-sse/lib/use/http';
import type { Context as WsContext } from 'graphql-ws';
import { useServer } from 'graphql-ws/use/ws';
import { type WebSocket, WebSocketServer } from 'ws';
import { AuthenticationError, AuthUnavailableError } from '../auth/errors.ts';
import { clientIpOf, requestIdFrom } from '../context.ts';
import { createErrorFormatter } from '../errors.ts';
import type { SubscriptionSettings } from './config.ts';
import type { ClientConnection, SubscriptionService } from './service.ts';
import type { Session, SessionRegistry } from './sessions.ts';

/** WebSocket close codes the router uses (docs/subscriptions.md). */
export const CLOSE = {
  /** Authentication failed, or the token expired or was revoked (graphql-ws: Forbidden). */
  FORBIDDEN: 4403,
  /** The client did not keep up with its events. */
  SLOW_CONSUMER: 4008,
  /** The router is shutting down: reconnect (to another instance). */
  GOING_AWAY: 1001,
  /** The router is not ready yet. */
  TRY_AGAIN: 1013,
} as const;

/**
 * Every event a subscriber receives goes through the router's one error
 * formatter, as query answers do: private extensions stripped and, in
 * production, unexpected errors masked, so no subgraph internals leak.
 */
export function formatResult<R extends { errors?: readonly (GraphQLError | GraphQLFormattedError)[] }>(
  result: R,
  format: ReturnType<typeof createErrorFormatter>,
): R {
  if (!result.errors?.length) return result;
  // Sent as JSON: a formatted error serialises exactly as the GraphQLError it replaces.
  const errors = result.errors.map((e) => format(e instanceof GraphQLError ? e.toJSON() : e, e));
  return { ...result, errors };
}

export interface SubscriptionTransportsOptions {
  server: Server;
  service: SubscriptionService;
  sessions: SessionRegistry;
  settings: SubscriptionSettings;
  apiSchema: GraphQLSchema;
  logger: Logger;
  isReady: () => boolean;
  trustedProxyHops: number;
  /** Unexpected errors are masked as INTERNAL, as for queries (router/src/errors.ts). */
  production: boolean;
}

export interface SubscriptionTransports {
  /** Serves a `graphql-sse` request (Accept: text/event-stream) on /graphql. */
  handleSse(req: IncomingMessage, res: ServerResponse): Promise<void>;
  /** Open WebSockets. */
  readonly sockets: number;
  /** Closes every WebSocket (1001) and stops accepting upgrades. */
  close(): Promise<void>;
}

interface WsState {
  session: Session;
  connection: ClientConnection;
}

/** The two client protocols on /graphql: graphql-transport-ws (WebSocket upgrade) and graphql-sse (distinct connections). */
export function attachSubscriptionTransports(o: SubscriptionTransportsOptions): SubscriptionTransports {
  const { service, sessions, settings, logger } = o;
  const format = createErrorFormatter({ production: o.production });
  const wss = new WebSocketServer({ noServer: true, maxPayload: 1_048_576 });
  const states = new WeakMap<WebSocket, WsState>();
  const reason = (text: string) => text.slice(0, 120);

  o.server.on('upgrade', (req, socket, head) => {
    const path = new URL(req.url ?? '/', 'http://router.invalid').pathname;
    if (path !== '/graphql' || !o.isReady()) {
      socket.end(
        path !== '/graphql'
          ? 'HTTP/1.1 404 Not Found\r\nConnection: close\r\n\r\n'
          : 'HTTP/1.1 503 Service Unavailable\r\nRetry-After: 1\r\nConnection: close\r\n\r\n',
      );
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
  });

  const disposable = useServer<Record<string, unknown> | undefined>(
    {
      connectionInitWaitTimeout: settings.initTimeoutMs,
      onConnect: async (
        ctx: WsContext<Record<string, unknown> | undefined, { socket: WebSocket; request: IncomingMessage }>,
      ) => {
        const { socket, request } = ctx.extra;
        const params = ctx.connectionParams ?? {};
        const authorization =
          typeof params.authorization === 'string'
            ? params.authorization
            : typeof params.accessToken === 'string'
              ? `Bearer ${params.accessToken}`
              : undefined;
        let session: Session;
        try {
          session = await sessions.open(authorization, requestIdFrom(request.headers['x-request-id']));
        } catch (err) {
          if (!(err instanceof AuthenticationError) && !(err instanceof AuthUnavailableError)) throw err;
          socket.close(
            err instanceof AuthenticationError ? CLOSE.FORBIDDEN : CLOSE.TRY_AGAIN,
            reason(`${err instanceof AuthenticationError ? 'Forbidden' : 'Try again'}: ${err.message}`),
          );
          return false;
        }
        const connection: ClientConnection = {
          session,
          clientIp: clientIpOf(
            request.socket.remoteAddress,
            request.headers['x-forwarded-for'],
            o.trustedProxyHops,
          ),
          active: 0,
          dropSlow: () => socket.close(CLOSE.SLOW_CONSUMER, 'Slow consumer: events were not read in time'),
        };
        session.onEnd.add((why) => {
          // Every subscription got the error as its last event; then the connection ends.
          setTimeout(() => socket.close(CLOSE.FORBIDDEN, reason(`Forbidden: ${why.message}`)), 50).unref();
        });
        states.set(socket, { session, connection });
        return true;
      },
      onPing: async (ctx, payload) => {
        const state = states.get(ctx.extra.socket);
        const token = (payload as { accessToken?: unknown } | undefined)?.accessToken;
        if (!state || typeof token !== 'string') return;
        try {
          await sessions.refresh(state.session, `Bearer ${token}`, randomUUID());
        } catch (err) {
          ctx.extra.socket.close(
            CLOSE.FORBIDDEN,
            reason(`Forbidden: refresh refused: ${(err as Error).message}`),
          );
        }
      },
      onSubscribe: async (ctx, _id, payload) => {
        const state = states.get(ctx.extra.socket);
        if (!state) return [];
        const result = await service.subscribe(state.connection, payload);
        if (!(Symbol.asyncIterator in result)) return result.errors ?? [];
        const args: ExecutionArgs = {
          schema: o.apiSchema,
          document: parse(payload.query),
          operationName: payload.operationName ?? null,
          variableValues: payload.variables ?? null,
          contextValue: result,
        };
        return args;
      },
      subscribe: (args) => args.contextValue as AsyncGenerator<ExecutionResult>,
      onError: (_ctx, _id, _payload, errors) => errors.map((e) => format(e.toJSON(), e)),
      onNext: (ctx, _id, _payload, _args, result) => {
        const socket = ctx.extra.socket;
        if (socket.bufferedAmount > settings.maxBufferedBytes) {
          socket.close(CLOSE.SLOW_CONSUMER, 'Slow consumer: too much unsent data');
        }
        return formatResult(result, format) as FormattedExecutionResult;
      },
      onClose: (ctx) => {
        const state = states.get(ctx.extra.socket);
        if (state) sessions.close(state.session);
      },
    },
    wss,
    settings.keepAliveMs,
  );

  const sse = createHandler({
    // Distinct connections only: one request per subscription, authenticated by its own headers.
    authenticate: () => null,
    onSubscribe: async (req, params) => {
      const raw = req.raw as IncomingMessage;
      let session: Session;
      try {
        session = await sessions.open(raw.headers.authorization, requestIdFrom(raw.headers['x-request-id']));
      } catch (err) {
        if (!(err instanceof AuthenticationError) && !(err instanceof AuthUnavailableError)) throw err;
        const status = err instanceof AuthenticationError ? 401 : 503;
        const code = err instanceof AuthenticationError ? 'UNAUTHENTICATED' : 'SERVICE_UNAVAILABLE';
        return [
          JSON.stringify({ errors: [{ message: err.message, extensions: { code } }] }),
          { status, statusText: code, headers: { 'content-type': 'application/json; charset=utf-8' } },
        ];
      }
      const res = responses.get(raw);
      const connection: ClientConnection = {
        session,
        clientIp: clientIpOf(raw.socket.remoteAddress, raw.headers['x-forwarded-for'], o.trustedProxyHops),
        active: 0,
        dropSlow: () => res?.destroy(),
      };
      res?.once('close', () => sessions.close(session));
      const result = await service.subscribe(connection, {
        query: params.query as string,
        variables: params.variables ?? null,
        operationName: params.operationName ?? null,
      });
      return result;
    },
    onNext: (_ctx, req, result) => {
      const res = responses.get(req.raw as IncomingMessage);
      if (res && res.writableLength > settings.maxBufferedBytes) res.destroy();
      return formatResult(result, format);
    },
  });
  const responses = new WeakMap<IncomingMessage, ServerResponse>();

  return {
    async handleSse(req, res) {
      responses.set(req, res);
      await sse(req, res);
    },
    get sockets() {
      return wss.clients.size;
    },
    async close() {
      for (const socket of wss.clients) socket.close(CLOSE.GOING_AWAY, 'The router is shutting down');
      await disposable.dispose();
      logger.debug('subscription transports closed');
    },
  };
}
