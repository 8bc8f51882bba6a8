/**
 * The Tradegraph client both apps use (and partners may copy): typed requests over
 * fetch, a session with silent refresh through the rotating refresh token, sign-out
 * that revokes it, and subscriptions over graphql-ws with a graphql-sse fallback.
 * Operations are `graphql(\`…\`)` documents typed by the client preset (`./gql`).
 */
import type { DocumentTypeDecoration } from '@graphql-typed-document-node/core';
import { createClient as createSseClient, type Client as SseClient } from 'graphql-sse';
import { createClient as createWsClient, type Client as WsClient } from 'graphql-ws';
import { LoginDocument, LogoutDocument, RefreshDocument } from './operations.ts';

export type * from './gql/graphql.ts';
export { graphql } from './gql/index.ts';

type Doc<R, V> = DocumentTypeDecoration<R, V> & { toString(): string };

export interface SessionOrganization {
  id: string;
  name: string;
  kind: string;
}

export interface Session {
  accessToken: string;
  refreshToken: string;
  /** ISO time the access token expires; refreshed a little before. */
  expiresAt: string | null;
  user: { id: string; name: string; email: string; kind: string } | null;
  organization: SessionOrganization | null;
}

/** Where the session lives between page loads (localStorage in the apps). */
export interface SessionStore {
  load(): Session | null;
  save(session: Session | null): void;
}

export function localSessionStore(key: string): SessionStore {
  return {
    load() {
      try {
        const raw = globalThis.localStorage?.getItem(key);
        return raw ? (JSON.parse(raw) as Session) : null;
      } catch {
        return null;
      }
    },
    save(session) {
      if (session) globalThis.localStorage?.setItem(key, JSON.stringify(session));
      else globalThis.localStorage?.removeItem(key);
    },
  };
}

export function memorySessionStore(): SessionStore {
  let current: Session | null = null;
  return {
    load: () => current,
    save: (s) => {
      current = s;
    },
  };
}

export interface GraphQLErrorShape {
  message: string;
  path?: readonly (string | number)[];
  extensions?: { code?: string; [k: string]: unknown };
}

/** A request that answered with errors (or not at all): the GraphQL errors, or the HTTP status. */
export class RequestError extends Error {
  override name = 'RequestError';
  readonly errors: GraphQLErrorShape[];
  readonly status: number;
  constructor(message: string, errors: GraphQLErrorShape[], status: number) {
    super(message);
    this.errors = errors;
    this.status = status;
  }
  get code(): string | undefined {
    return this.errors[0]?.extensions?.code;
  }
}

export interface Sink<R> {
  next(value: R): void;
  error?(error: unknown): void;
  complete?(): void;
}

export interface ClientOptions {
  /** The router's GraphQL endpoint, e.g. http://localhost:4000/graphql. */
  url: string;
  store?: SessionStore;
  /** `auto` (default): graphql-ws, falling back to graphql-sse when a WebSocket cannot connect. */
  subscriptionTransport?: 'auto' | 'ws' | 'sse';
  /** Refresh this long before the access token expires (ms). */
  refreshLeewayMs?: number;
  fetch?: typeof fetch;
}

export type LoginResult =
  | { ok: true; session: Session }
  | { ok: false; errors: { field?: string[] | null; message: string; code: string }[] };

export type TradegraphClient = ReturnType<typeof createTradegraphClient>;

export function createTradegraphClient(options: ClientOptions) {
  const store = options.store ?? memorySessionStore();
  const doFetch = options.fetch ?? globalThis.fetch.bind(globalThis);
  const leeway = options.refreshLeewayMs ?? 60_000;
  const listeners = new Set<(s: Session | null) => void>();
  let session = store.load();
  let refreshing: Promise<Session | null> | null = null;
  let transport: 'ws' | 'sse' = options.subscriptionTransport === 'sse' ? 'sse' : 'ws';
  let ws: WsClient | null = null;
  let wsSocket: { send(data: string): void } | null = null;
  let sse: SseClient | null = null;

  function setSession(next: Session | null) {
    session = next;
    store.save(next);
    for (const l of listeners) l(next);
    // A live socket keeps its session: tell the router about the new token (docs/subscriptions.md).
    if (next && wsSocket) {
      try {
        wsSocket.send(JSON.stringify({ type: 'ping', payload: { accessToken: next.accessToken } }));
      } catch {
        // the socket is closing; the reconnect authenticates with the new token
      }
    }
    if (!next) resetSubscriptions();
  }

  function resetSubscriptions() {
    void ws?.dispose();
    ws = null;
    wsSocket = null;
    sse?.dispose();
    sse = null;
  }

  async function post<R, V>(doc: Doc<R, V>, variables: V | undefined, token: string | null) {
    let res: Response;
    try {
      res = await doFetch(options.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: 'application/graphql-response+json, application/json',
          ...(token ? { authorization: `Bearer ${token}` } : {}),
        },
        body: JSON.stringify({ query: doc.toString(), variables: variables ?? {} }),
      });
    } catch (err) {
      throw new RequestError(`The API cannot be reached: ${(err as Error).message}`, [], 0);
    }
    let body: { data?: R | null; errors?: GraphQLErrorShape[] };
    try {
      body = (await res.json()) as typeof body;
    } catch {
      throw new RequestError(`The API answered ${res.status} without a GraphQL body`, [], res.status);
    }
    return { status: res.status, body };
  }

  /**
   * Exchanges the refresh token (once for concurrent callers; across tabs under a Web Lock,
   * re-reading the store first, since presenting a rotated token again ends the session).
   */
  function refresh(): Promise<Session | null> {
    if (refreshing) return refreshing;
    const run = async (): Promise<Session | null> => {
      const stored = store.load();
      if (stored && session && stored.refreshToken !== session.refreshToken) {
        // another tab rotated it already
        setSession(stored);
        if (!expiresSoon(stored)) return stored;
      }
      const current = session;
      if (!current) return null;
      const { body } = await post(RefreshDocument, { input: { refreshToken: current.refreshToken } }, null);
      const r = body.data?.refreshToken;
      if (!r?.accessToken || !r.refreshToken) {
        setSession(null);
        return null;
      }
      const next: Session = {
        accessToken: r.accessToken,
        refreshToken: r.refreshToken,
        expiresAt: r.expiresAt ?? null,
        user: r.user ?? current.user,
        organization: r.organization ?? current.organization,
      };
      setSession(next);
      return next;
    };
    const locks = (globalThis.navigator as { locks?: LockManager } | undefined)?.locks;
    const pending: Promise<Session | null> = (
      locks ? locks.request('tradegraph-refresh', run).then((s) => s) : run()
    ).finally(() => {
      refreshing = null;
    });
    refreshing = pending;
    return pending;
  }

  function expiresSoon(s: Session): boolean {
    return s.expiresAt !== null && Date.parse(s.expiresAt) - Date.now() < leeway;
  }

  async function freshToken(): Promise<string | null> {
    if (session && expiresSoon(session)) await refresh();
    return session?.accessToken ?? null;
  }

  async function request<R, V>(doc: Doc<R, V>, variables?: V): Promise<R> {
    const token = await freshToken();
    let { status, body } = await post(doc, variables, token);
    const unauthenticated =
      status === 401 || body.errors?.some((e) => e.extensions?.code === 'UNAUTHENTICATED');
    if (unauthenticated && token && session) {
      const renewed = await refresh();
      ({ status, body } = await post(doc, variables, renewed?.accessToken ?? null));
    }
    if (body.errors?.length || !body.data) {
      const errors = body.errors ?? [];
      throw new RequestError(errors[0]?.message ?? `The API answered ${status}`, errors, status);
    }
    return body.data;
  }

  function wsClient(): WsClient {
    if (ws) return ws;
    let connectedOnce = false;
    ws = createWsClient({
      url: options.url.replace(/^http/, 'ws'),
      lazy: true,
      retryAttempts: 20,
      shouldRetry: () => true,
      connectionParams: async () => {
        const token = await freshToken();
        return token ? { authorization: `Bearer ${token}` } : {};
      },
      on: {
        connected: (socket) => {
          connectedOnce = true;
          wsSocket = socket as { send(data: string): void };
        },
        closed: (event) => {
          wsSocket = null;
          // Never reached the router over a WebSocket (blocked upgrade, proxy): use SSE from now on.
          if (
            !connectedOnce &&
            options.subscriptionTransport !== 'ws' &&
            (event as CloseEvent)?.code === 1006
          ) {
            transport = 'sse';
          }
        },
      },
    });
    return ws;
  }

  function sseClient(): SseClient {
    if (sse) return sse;
    sse = createSseClient({
      url: options.url,
      retryAttempts: 20,
      headers: async (): Promise<Record<string, string>> => {
        const token = await freshToken();
        return token ? { authorization: `Bearer ${token}` } : {};
      },
    });
    return sse;
  }

  /** Subscribes; returns the function that ends the subscription. */
  function subscribe<R, V>(doc: Doc<R, V>, variables: V, sink: Sink<R>): () => void {
    let stop: (() => void) | null = null;
    let ended = false;
    const start = (via: 'ws' | 'sse') => {
      const payload = { query: doc.toString(), variables: (variables ?? {}) as Record<string, unknown> };
      const handlers = {
        next: (value: { data?: unknown; errors?: readonly GraphQLErrorShape[] | undefined }) => {
          if (value.errors?.length) {
            sink.error?.(new RequestError(value.errors[0]!.message, [...value.errors], 200));
          } else if (value.data) sink.next(value.data as R);
        },
        error: (err: unknown) => {
          if (ended) return;
          if (via === 'ws' && transport === 'sse' && options.subscriptionTransport !== 'ws') {
            start('sse'); // the fallback
            return;
          }
          sink.error?.(err);
        },
        complete: () => {
          if (!ended) sink.complete?.();
        },
      };
      stop =
        via === 'ws' ? wsClient().subscribe(payload, handlers) : sseClient().subscribe(payload, handlers);
    };
    const hasWebSocket = typeof globalThis.WebSocket !== 'undefined';
    start(transport === 'ws' && hasWebSocket ? 'ws' : 'sse');
    return () => {
      ended = true;
      stop?.();
    };
  }

  async function login(email: string, password: string, organizationId?: string): Promise<LoginResult> {
    const data = await request(LoginDocument, {
      input: { email, password, ...(organizationId ? { organizationId } : {}) },
    });
    const r = data.login;
    if (!r.accessToken || !r.refreshToken) {
      return {
        ok: false,
        errors: r.userErrors.map((e) => ({ field: e.field, message: e.message, code: e.code })),
      };
    }
    const next: Session = {
      accessToken: r.accessToken,
      refreshToken: r.refreshToken,
      expiresAt: r.expiresAt ?? null,
      user: r.user ?? null,
      organization: r.organization ?? null,
    };
    resetSubscriptions();
    setSession(next);
    return { ok: true, session: next };
  }

  /** Revokes the refresh token's session at identity (the router drops its access tokens too), then forgets it. */
  async function logout(): Promise<void> {
    const current = session;
    if (current) {
      try {
        await post(LogoutDocument, { input: { refreshToken: current.refreshToken } }, current.accessToken);
      } catch {
        // signed out locally either way
      }
    }
    setSession(null);
  }

  return {
    url: options.url,
    request,
    subscribe,
    login,
    logout,
    refresh,
    session: () => session,
    setSession: (s: Session | null) => {
      resetSubscriptions();
      setSession(s);
    },
    onSessionChange(listener: (s: Session | null) => void): () => void {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    /** Which transport new subscriptions use now. */
    transport: () => transport,
  };
}
