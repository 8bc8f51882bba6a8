import type { KeyObject } from 'node:crypto';
import { randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import { buildSubgraphSchema, type GraphQLResolverMap } from '@apollo/subgraph';
import {
  createSourceEventStream,
  type DocumentNode,
  type ExecutionArgs,
  type ExecutionResult,
  execute,
  GraphQLError,
  getOperationAST,
  parse,
  validate,
} from 'graphql';
import type { Context as WsContext } from 'graphql-ws';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer } from 'ws';
import { createInternalTokenVerifier, InternalTokenError } from '../auth/internal-token.ts';
import type { Principal } from '../auth/principal.ts';
import { AppError } from '../graphql/errors.ts';
import { Loaders } from '../graphql/loaders.ts';
import { isLiveEntry, type LiveResume, setLiveResume } from '../kernel/live-feed.ts';
import type { Logger } from '../logger.ts';
import type { RequestContext, SubgraphResolverMap } from './subgraph-server.ts';

/**
 * A subgraph's subscription fields over graphql-ws (`graphql-transport-ws`) on
 * its own HTTP server and path. Only the router connects: `connection_init`
 * carries `{ internalToken }` (audience = the subgraph), and each `subscribe`
 * may carry the subscriber's own internal token in `extensions.internalToken`
 * (so one router connection serves many principals) and a resume point in
 * `extensions.resume` (see LiveFeed). Every event is executed with a fresh
 * context (new loaders and EntityManager), and its `next` message carries
 * `extensions.liveEvent = { id, at }` for the router's resume and de-duplication.
 */

export interface LiveServerOptions<C> {
  /** The subgraph's name: the audience internal tokens must carry. */
  name: string;
  server: Server;
  /** Default `/graphql` (the same path as queries). */
  path?: string;
  typeDefs: DocumentNode;
  resolvers: SubgraphResolverMap;
  internalPublicKey: KeyObject;
  logger: Logger;
  /** The per-event context, as the HTTP server builds it. */
  context: (base: RequestContext) => C | Promise<C>;
  /** Time a connection has to send `connection_init` (default 3 s). */
  connectionInitWaitTimeoutMs?: number;
  /** WebSocket ping interval (default 12 s). */
  keepAliveMs?: number;
}

export interface LiveServer {
  /** Open WebSocket connections. */
  readonly connections: number;
  /** Closes every connection (code 1001) and stops accepting new ones. */
  close(): Promise<void>;
}

/** What onSubscribe hands to subscribe(): who subscribes, and from where it resumes. */
interface LiveOperation {
  principal: Principal;
  requestId: string;
  resume: LiveResume | undefined;
}

function parseResume(value: unknown): LiveResume | undefined {
  if (!value || typeof value !== 'object') return undefined;
  const v = value as Record<string, unknown>;
  const resume: LiveResume = {};
  if (typeof v.afterEventId === 'string' && v.afterEventId.length <= 200)
    resume.afterEventId = v.afterEventId;
  if (typeof v.since === 'number' && Number.isFinite(v.since)) resume.since = v.since;
  return resume.afterEventId || resume.since !== undefined ? resume : undefined;
}

/** Maps a source stream to execution results; `return()` reaches the source (unsubscribes). */
function mapStream<T>(
  source: AsyncIterator<unknown>,
  map: (value: unknown) => Promise<T>,
): AsyncGenerator<T, void, undefined> {
  const gen: AsyncGenerator<T, void, undefined> = {
    [Symbol.asyncIterator]: () => gen,
    async next() {
      const r = await source.next();
      if (r.done) return { value: undefined, done: true };
      return { value: await map(r.value), done: false };
    },
    async return() {
      await source.return?.();
      return { value: undefined, done: true };
    },
    async throw(err) {
      await source.return?.();
      throw err;
    },
    async [Symbol.asyncDispose]() {
      await source.return?.();
    },
  };
  return gen;
}

export function attachLiveServer<C extends object>(opts: LiveServerOptions<C>): LiveServer {
  const log = opts.logger.child({ component: 'live' });
  const schema = buildSubgraphSchema([
    { typeDefs: opts.typeDefs, resolvers: opts.resolvers as GraphQLResolverMap<unknown> },
  ]);
  const verify = createInternalTokenVerifier(opts.internalPublicKey, opts.name);
  const principals = new WeakMap<object, Principal>();
  const wss = new WebSocketServer({ server: opts.server, path: opts.path ?? '/graphql' });

  const baseContext = (op: LiveOperation): RequestContext => ({
    principal: op.principal,
    requestId: op.requestId,
    logger: log.child({ requestId: op.requestId }),
    loaders: new Loaders(),
    sql: { count: 0 },
  });

  const contextFor = async (op: LiveOperation): Promise<C> => {
    const ctx = await opts.context(baseContext(op));
    setLiveResume(ctx, op.resume);
    return ctx;
  };

  const disposable = useServer<Record<string, unknown> | undefined>(
    {
      schema,
      connectionInitWaitTimeout: opts.connectionInitWaitTimeoutMs ?? 3_000,
      onConnect: async (ctx: WsContext<Record<string, unknown> | undefined>) => {
        const token = ctx.connectionParams?.internalToken;
        try {
          const claims = await verify(typeof token === 'string' ? token : undefined);
          principals.set(ctx, claims.principal);
          return true;
        } catch (err) {
          if (!(err instanceof InternalTokenError)) throw err;
          log.warn({ err: err.message }, 'live connection refused: invalid internal token');
          return false;
        }
      },
      onSubscribe: async (ctx, _id, payload) => {
        let document: DocumentNode;
        try {
          document = parse(payload.query);
        } catch (err) {
          return [err as GraphQLError];
        }
        const errors = validate(schema, document);
        if (errors.length > 0) return errors;
        const operation = getOperationAST(document, payload.operationName);
        if (operation?.operation !== 'subscription') {
          return [new GraphQLError('Only subscriptions are served over WebSocket; send queries over HTTP')];
        }
        let principal = principals.get(ctx);
        const extensions = payload.extensions ?? {};
        if (typeof extensions.internalToken === 'string') {
          try {
            principal = (await verify(extensions.internalToken)).principal;
          } catch (err) {
            if (!(err instanceof InternalTokenError)) throw err;
            return [new GraphQLError('Invalid internal token', { extensions: { code: 'UNAUTHENTICATED' } })];
          }
        }
        const op: LiveOperation = {
          principal: principal ?? { kind: 'anonymous' },
          requestId:
            typeof extensions.requestId === 'string' ? extensions.requestId.slice(0, 128) : randomUUID(),
          resume: parseResume(extensions.resume),
        };
        const args: ExecutionArgs = {
          schema,
          document,
          operationName: payload.operationName ?? null,
          variableValues: payload.variables ?? null,
          contextValue: op,
        };
        return args;
      },
      // Errors as the HTTP server words them: an AppError's code, everything unexpected masked and logged.
      onNext: (_ctx, _id, _payload, _args, result) => {
        if (!result.errors?.length) return;
        return {
          ...result,
          errors: result.errors.map((error) => {
            const original = error.originalError;
            if (original instanceof AppError) {
              return { ...error.toJSON(), extensions: { ...original.extensions, code: original.code } };
            }
            if (!original || original instanceof GraphQLError) return error.toJSON();
            log.error({ err: original, path: error.path }, 'live event failed');
            return { message: 'Internal server error', path: error.path, extensions: { code: 'INTERNAL' } };
          }),
        };
      },
      subscribe: async (args) => {
        const op = args.contextValue as LiveOperation;
        const source = await createSourceEventStream({ ...args, contextValue: await contextFor(op) });
        if (!(Symbol.asyncIterator in source)) return source as ExecutionResult;
        return mapStream(source[Symbol.asyncIterator](), async (payload) => {
          const result = (await execute({
            ...args,
            rootValue: payload,
            contextValue: await contextFor(op),
          })) as ExecutionResult;
          if (isLiveEntry(payload)) {
            return {
              ...result,
              extensions: { ...result.extensions, liveEvent: { id: payload.id, at: payload.at } },
            };
          }
          return result;
        });
      },
    },
    wss,
    opts.keepAliveMs ?? 12_000,
  );

  return {
    get connections() {
      return wss.clients.size;
    },
    async close() {
      for (const socket of wss.clients) socket.close(1001, 'Going away');
      await disposable.dispose();
    },
  };
}
