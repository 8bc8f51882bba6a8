import { randomUUID } from 'node:crypto';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Logger } from '@tradegraph/shared';
import {
  type ExecutionResult,
  type FormattedExecutionResult,
  GraphQLError,
  type GraphQLFormattedError,
} from 'graphql';
import { createHandler } from 'graphql-sse/lib/use/http';
import { GRAPHQL_TRANSPORT_WS_PROTOCOL, type Message, MessageType, parseMessage } from 'graphql-ws';
import { type RawData, type WebSocket, WebSocketServer } from 'ws';
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

/** Per WebSocket: all the router keeps for a client connection (the upgrade request is not kept). */
interface WsClient {
  clientIp: string;
  requestIdHeader: string | string[] | undefined;
  /** Until connection_init arrives. */
  initTimer: NodeJS.Timeout | undefined;
  initReceived: boolean;
  /** Set once connection_init is accepted (connection_ack sent). */
  connection: ClientConnection | undefined;
  /** Subscription id → its results (null while it is being set up); allocated at the first subscribe. */
  subscriptions: Map<string, AsyncGenerator<ExecutionResult> | null> | undefined;
  /** Answered the last keepalive ping. */
  alive: boolean;
}

/** graphql-transport-ws close codes (graphql-ws's CloseCode) used by the protocol itself. */
const PROTOCOL_CLOSE = {
  INTERNAL: 4500,
  BAD_REQUEST: 4400,
  UNAUTHORIZED: 4401,
  SUBPROTOCOL: 4406,
  INIT_TIMEOUT: 4408,
  DUPLICATE_ID: 4409,
  TOO_MANY_INITS: 4429,
} as const;

/** The two client protocols on /graphql: graphql-transport-ws (WebSocket upgrade) and graphql-sse (distinct connections). */
export function attachSubscriptionTransports(o: SubscriptionTransportsOptions): SubscriptionTransports {
  const { service, sessions, settings, logger } = o;
  const format = createErrorFormatter({ production: o.production });
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: 1_048_576,
    // Spelled out: a zlib context per socket would cost more memory than the JSON events it saves.
    perMessageDeflate: false,
    // Kept per connection by ws only on request; the router reads what it needs at the upgrade.
    handleProtocols: (protocols) =>
      protocols.has(GRAPHQL_TRANSPORT_WS_PROTOCOL) ? GRAPHQL_TRANSPORT_WS_PROTOCOL : false,
  });
  const clients = new WeakMap<WebSocket, WsClient>();
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
    wss.handleUpgrade(req, socket, head, (ws) => opened(ws, req));
  });
  wss.on('error', (err) => logger.error({ err }, 'subscription WebSocket server error'));

  /*
   * graphql-transport-ws, served directly on `ws` rather than through graphql-ws's generic server: that one keeps
   * per connection the upgrade request, the connection_init payload, a ping interval, an init timer and a handful
   * of closures, and per subscription the parsed document and its execution arguments — most of the router's
   * memory per subscriber. Here the listeners are shared functions (`this` is the socket), one interval pings
   * every socket, and a subscription is the service's generator.
   */
  function opened(socket: WebSocket, req: IncomingMessage): void {
    socket.on('error', onSocketError);
    socket.on('close', onSocketClose);
    if (socket.protocol !== GRAPHQL_TRANSPORT_WS_PROTOCOL) {
      socket.close(PROTOCOL_CLOSE.SUBPROTOCOL, 'Subprotocol not acceptable');
      return;
    }
    const client: WsClient = {
      clientIp: clientIpOf(req.socket.remoteAddress, req.headers['x-forwarded-for'], o.trustedProxyHops),
      requestIdHeader: req.headers['x-request-id'],
      initTimer: setTimeout(() => {
        if (!client.initReceived)
          socket.close(PROTOCOL_CLOSE.INIT_TIMEOUT, 'Connection initialisation timeout');
      }, settings.initTimeoutMs),
      initReceived: false,
      connection: undefined,
      subscriptions: undefined,
      alive: true,
    };
    clients.set(socket, client);
    socket.on('message', onSocketMessage);
    socket.on('pong', onSocketPong);
  }

  function onSocketError(this: WebSocket, err: Error): void {
    logger.debug({ err }, 'subscription WebSocket error');
    this.close(PROTOCOL_CLOSE.INTERNAL, 'Internal server error');
  }

  function onSocketPong(this: WebSocket): void {
    const client = clients.get(this);
    if (client) client.alive = true;
  }

  function onSocketClose(this: WebSocket): void {
    const client = clients.get(this);
    if (!client) return;
    clients.delete(this);
    clearTimeout(client.initTimer);
    const subscriptions = client.subscriptions;
    client.subscriptions = undefined;
    for (const subscription of subscriptions?.values() ?? []) void subscription?.return(undefined);
    if (client.connection) sessions.close(client.connection.session);
  }

  function onSocketMessage(this: WebSocket, data: RawData, isBinary: boolean): void {
    const client = clients.get(this);
    if (!client) return;
    let message: Message;
    try {
      message = parseMessage(isBinary ? data.toString() : String(data));
    } catch {
      this.close(PROTOCOL_CLOSE.BAD_REQUEST, 'Invalid message received');
      return;
    }
    handleMessage(this, client, message).catch((err: unknown) => {
      logger.error({ err }, 'subscription message failed');
      this.close(PROTOCOL_CLOSE.INTERNAL, 'Internal server error');
    });
  }

  const send = (socket: WebSocket, message: Message) =>
    new Promise<void>((resolve, reject) => {
      if (socket.readyState !== socket.OPEN) return resolve();
      socket.send(JSON.stringify(message), (err) => (err ? reject(err) : resolve()));
    });

  async function handleMessage(socket: WebSocket, client: WsClient, message: Message): Promise<void> {
    switch (message.type) {
      case MessageType.ConnectionInit: {
        if (client.initReceived) {
          socket.close(PROTOCOL_CLOSE.TOO_MANY_INITS, 'Too many initialisation requests');
          return;
        }
        client.initReceived = true;
        clearTimeout(client.initTimer);
        client.initTimer = undefined;
        const params = (message.payload ?? {}) as Record<string, unknown>;
        const authorization =
          typeof params.authorization === 'string'
            ? params.authorization
            : typeof params.accessToken === 'string'
              ? `Bearer ${params.accessToken}`
              : undefined;
        let session: Session;
        try {
          session = await sessions.open(authorization, requestIdFrom(client.requestIdHeader));
        } catch (err) {
          if (!(err instanceof AuthenticationError) && !(err instanceof AuthUnavailableError)) throw err;
          socket.close(
            err instanceof AuthenticationError ? CLOSE.FORBIDDEN : CLOSE.TRY_AGAIN,
            reason(`${err instanceof AuthenticationError ? 'Forbidden' : 'Try again'}: ${err.message}`),
          );
          return;
        }
        if (socket.readyState !== socket.OPEN) {
          // Closed while authenticating: nothing will close this session later.
          sessions.close(session);
          return;
        }
        client.requestIdHeader = undefined;
        client.connection = {
          session,
          clientIp: client.clientIp,
          active: 0,
          dropSlow: () => socket.close(CLOSE.SLOW_CONSUMER, 'Slow consumer: events were not read in time'),
        };
        session.onEnd.add((why) => {
          // Every subscription got the error as its last event; then the connection ends.
          setTimeout(() => socket.close(CLOSE.FORBIDDEN, reason(`Forbidden: ${why.message}`)), 50).unref();
        });
        await send(socket, { type: MessageType.ConnectionAck });
        return;
      }
      case MessageType.Ping: {
        const token = (message.payload as { accessToken?: unknown } | undefined)?.accessToken;
        if (client.connection && typeof token === 'string') {
          try {
            await sessions.refresh(client.connection.session, `Bearer ${token}`, randomUUID());
          } catch (err) {
            socket.close(CLOSE.FORBIDDEN, reason(`Forbidden: refresh refused: ${(err as Error).message}`));
            return;
          }
        }
        await send(
          socket,
          message.payload ? { type: MessageType.Pong, payload: message.payload } : { type: MessageType.Pong },
        );
        return;
      }
      case MessageType.Pong:
        return;
      case MessageType.Subscribe: {
        const connection = client.connection;
        if (!connection) {
          socket.close(PROTOCOL_CLOSE.UNAUTHORIZED, 'Unauthorized');
          return;
        }
        const { id, payload } = message;
        client.subscriptions ??= new Map();
        if (client.subscriptions.has(id)) {
          socket.close(PROTOCOL_CLOSE.DUPLICATE_ID, `Subscriber for ${id} already exists`);
          return;
        }
        client.subscriptions.set(id, null);
        const result = await service.subscribe(connection, payload);
        if (!(Symbol.asyncIterator in result)) {
          if (client.subscriptions?.delete(id)) {
            const errors = (result.errors ?? []).map((e) => format(e.toJSON(), e));
            await send(socket, { id, type: MessageType.Error, payload: errors });
          }
          return;
        }
        if (!client.subscriptions?.has(id)) {
          // Completed by the client (or closed) while it was being set up.
          await result.return(undefined);
          return;
        }
        client.subscriptions.set(id, result);
        try {
          for await (const next of result) {
            if (socket.bufferedAmount > settings.maxBufferedBytes) {
              socket.close(CLOSE.SLOW_CONSUMER, 'Slow consumer: too much unsent data');
            }
            await send(socket, {
              id,
              type: MessageType.Next,
              payload: formatResult(next, format) as FormattedExecutionResult,
            });
          }
        } catch (err) {
          if (client.subscriptions?.get(id) === result) {
            client.subscriptions.delete(id);
            const error = new GraphQLError((err as Error).message, { originalError: err as Error });
            await send(socket, { id, type: MessageType.Error, payload: [format(error.toJSON(), error)] });
          }
          return;
        }
        if (client.subscriptions?.get(id) === result) {
          client.subscriptions.delete(id);
          await send(socket, { id, type: MessageType.Complete });
        }
        return;
      }
      case MessageType.Complete: {
        const subscription = client.subscriptions?.get(message.id);
        client.subscriptions?.delete(message.id);
        await subscription?.return(undefined);
        return;
      }
      default:
        socket.close(PROTOCOL_CLOSE.BAD_REQUEST, 'Unexpected message type');
    }
  }

  // Keepalive: one interval for every socket; a socket that did not answer the previous ping is terminated.
  const keepAlive = setInterval(() => {
    for (const socket of wss.clients) {
      const client = clients.get(socket);
      if (!client || socket.readyState !== socket.OPEN) continue;
      if (!client.alive) {
        socket.terminate();
        continue;
      }
      client.alive = false;
      socket.ping();
    }
  }, settings.keepAliveMs);
  keepAlive.unref();

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
      clearInterval(keepAlive);
      for (const socket of wss.clients) socket.close(CLOSE.GOING_AWAY, 'The router is shutting down');
      await new Promise<void>((resolve, reject) => wss.close((err) => (err ? reject(err) : resolve())));
      logger.debug('subscription transports closed');
    },
  };
}
