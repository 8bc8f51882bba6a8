import { createHash, randomUUID } from 'node:crypto';
import type { Supergraph } from '@apollo/federation-internals';
import type { Logger, Principal } from '@tradegraph/shared';
import {
  type DocumentNode,
  type ExecutionResult,
  type FragmentDefinitionNode,
  GraphQLError,
  type GraphQLSchema,
  getOperationAST,
  Kind,
  parse,
  specifiedRules,
  type ValidationRule,
  validate,
} from 'graphql';
import { getVariableValues } from 'graphql/execution/values.js';
import { type Client, createClient } from 'graphql-ws';
import WebSocket from 'ws';
import type { Authorizer } from '../authorization.ts';
import type { RouterContext } from '../context.ts';
import { type CostEstimator, CostLimitError } from '../cost.ts';
import type { SubgraphDataSource } from '../datasource.ts';
import type { SubscriptionSettings } from './config.ts';
import { type SubscriptionPlan, SubscriptionPlanner } from './plan.ts';
import { quotaKeyOf, type Session, scopeOf } from './sessions.ts';

const ROUTER: Principal = { kind: 'router' };

export interface SubscriptionRequest {
  query: string;
  variables?: Record<string, unknown> | null | undefined;
  operationName?: string | null | undefined;
}

/** One client connection (a WebSocket, or one SSE stream): its own limit, and how to drop it when it lags. */
export interface ClientConnection {
  session: Session;
  clientIp: string;
  active: number;
  /** Closes the client's transport because it does not keep up (code 4008 on WebSocket). */
  dropSlow(): void;
}

export interface SubscriptionServiceOptions {
  supergraph: Supergraph;
  apiSchema: GraphQLSchema;
  sources: ReadonlyMap<string, SubgraphDataSource>;
  internalToken: (audience: string, principal: Principal) => Promise<string>;
  validationRules: ValidationRule[];
  cost: CostEstimator;
  maxCost: number;
  authorizer: Authorizer;
  settings: SubscriptionSettings;
  logger: Logger;
}

type Result = ExecutionResult;
const error = (message: string, code: string, extra: Record<string, unknown> = {}) =>
  new GraphQLError(message, { extensions: { code, ...extra } });

/** A subscriber of a shared stream. */
interface Listener {
  push(result: Result): void;
  end(final?: Result): void;
}

/**
 * The router's subscriptions: validation and limits as for queries (depth,
 * aliases, cost, authorization directives), then the subscription's plan —
 * the primary fetch over graphql-ws to the owning subgraph, the rest fetched
 * for every event under the subscriber's identity. Subscriptions with the same
 * document, variables and principal scope share one upstream subscription and
 * one execution per event; all upstream subscriptions to a subgraph share one
 * WebSocket (each carries its subscriber's internal token).
 */
export class SubscriptionService {
  readonly #o: SubscriptionServiceOptions;
  readonly #planner: SubscriptionPlanner;
  readonly #clients = new Map<string, Client>();
  readonly #streams = new Map<string, SharedStream>();
  readonly #perQuota = new Map<string, number>();
  #upstreamConnections = 0;
  #closed = false;

  constructor(o: SubscriptionServiceOptions) {
    this.#o = o;
    this.#planner = new SubscriptionPlanner(o.supergraph, o.sources);
  }

  get stats() {
    let subscribers = 0;
    for (const s of this.#streams.values()) subscribers += s.listeners.size;
    return {
      subscribers,
      upstreamSubscriptions: this.#streams.size,
      upstreamConnections: this.#upstreamConnections,
    };
  }

  /** Starts a subscription; an ExecutionResult (errors) when it is refused. */
  async subscribe(
    connection: ClientConnection,
    request: SubscriptionRequest,
  ): Promise<AsyncGenerator<Result> | Result> {
    const { settings } = this.#o;
    const { session } = connection;
    if (this.#closed) return { errors: [error('The router is shutting down', 'SHUTTING_DOWN')] };
    if (session.ended) return { errors: [session.ended] };
    let document: DocumentNode;
    try {
      document = parse(request.query);
    } catch (err) {
      return { errors: [err as GraphQLError] };
    }
    const validation = validate(this.#o.apiSchema, document, [...specifiedRules, ...this.#o.validationRules]);
    if (validation.length > 0) return { errors: validation };
    const operationName = request.operationName ?? undefined;
    const operation = getOperationAST(document, operationName);
    if (!operation) return { errors: [error('Unknown operation', 'BAD_USER_INPUT')] };
    if (operation.operation !== 'subscription') {
      return {
        errors: [
          error('Only subscriptions are served here; send queries and mutations over HTTP', 'BAD_REQUEST'),
        ],
      };
    }
    const variables = request.variables ?? {};
    const coerced = getVariableValues(this.#o.apiSchema, operation.variableDefinitions ?? [], variables);
    if (coerced.errors) return { errors: coerced.errors };
    const fragments: Record<string, FragmentDefinitionNode> = {};
    for (const d of document.definitions)
      if (d.kind === Kind.FRAGMENT_DEFINITION) fragments[d.name.value] = d;
    const cost = this.#o.cost.estimate(operation, fragments, variables);
    if (cost > this.#o.maxCost) return { errors: [new CostLimitError(cost, this.#o.maxCost)] };
    const authorization = this.#o.authorizer.authorize(document, operation, session.principal);
    if (authorization.removals.length > 0) {
      return { errors: [error('Not authorized to subscribe to some of these fields', 'UNAUTHORIZED')] };
    }

    if (connection.active >= settings.perConnection) {
      return {
        errors: [
          error(`At most ${settings.perConnection} subscriptions per connection`, 'SUBSCRIPTION_LIMIT', {
            limit: settings.perConnection,
          }),
        ],
      };
    }
    const quotaKey = quotaKeyOf(session.principal, connection.clientIp);
    const used = this.#perQuota.get(quotaKey) ?? 0;
    if (used >= settings.perOrganization) {
      return {
        errors: [
          error(`At most ${settings.perOrganization} subscriptions per organisation`, 'SUBSCRIPTION_LIMIT', {
            limit: settings.perOrganization,
          }),
        ],
      };
    }

    const documentHash = createHash('sha256').update(request.query).digest('base64url');
    let plan: SubscriptionPlan;
    try {
      plan = this.#planner.plan(`${documentHash}\n${operationName ?? ''}`, document, operationName);
    } catch (err) {
      return {
        errors: [err instanceof GraphQLError ? err : error((err as Error).message, 'BAD_USER_INPUT')],
      };
    }
    const key = `${documentHash}\n${operationName ?? ''}\n${JSON.stringify(variables)}\n${scopeOf(session.principal)}`;
    let stream = this.#streams.get(key);
    if (!stream) {
      stream = new SharedStream(this, key, plan, variables, session.principal);
      this.#streams.set(key, stream);
    }

    connection.active++;
    this.#perQuota.set(quotaKey, used + 1);
    return new Subscriber(this, connection, quotaKey, stream);
  }

  /** A subscriber ended: its connection's and its quota's counts go down. */
  released(connection: ClientConnection, quotaKey: string): void {
    connection.active--;
    const left = (this.#perQuota.get(quotaKey) ?? 1) - 1;
    if (left <= 0) this.#perQuota.delete(quotaKey);
    else this.#perQuota.set(quotaKey, left);
  }

  /** Ends every subscription with a clear error (shutdown) and closes the upstream connections. */
  async close(): Promise<void> {
    this.#closed = true;
    for (const stream of [...this.#streams.values()]) {
      stream.fail({ errors: [error('The router is shutting down; subscribe again', 'SHUTTING_DOWN')] });
    }
    for (const client of this.#clients.values()) await client.dispose();
    this.#clients.clear();
  }

  // ---- used by SharedStream ----

  get logger() {
    return this.#o.logger;
  }
  get settings() {
    return this.#o.settings;
  }
  get planner() {
    return this.#planner;
  }
  sourceOf(name: string): SubgraphDataSource | undefined {
    return this.#o.sources.get(name);
  }
  internalToken(audience: string, principal: Principal) {
    return this.#o.internalToken(audience, principal);
  }
  forget(stream: SharedStream): void {
    if (this.#streams.get(stream.key) === stream) this.#streams.delete(stream.key);
  }

  /** The one graphql-ws connection to a subgraph (opened when first needed, closed a moment after last use). */
  clientFor(source: SubgraphDataSource): Client {
    let client = this.#clients.get(source.subgraph);
    if (!client) {
      client = createClient({
        url: source.url.replace(/^http/, 'ws'),
        webSocketImpl: WebSocket,
        lazy: true,
        lazyCloseTimeout: 1_000,
        // Streams resubscribe themselves (with their resume point) after a lost connection.
        retryAttempts: 0,
        keepAlive: 10_000,
        connectionParams: async () => ({
          internalToken: await this.#o.internalToken(source.audience, ROUTER),
        }),
      });
      client.on('connected', () => this.#upstreamConnections++);
      client.on('closed', () => {
        this.#upstreamConnections = Math.max(0, this.#upstreamConnections - 1);
      });
      this.#clients.set(source.subgraph, client);
    }
    return client;
  }
}

/**
 * One client's subscription to a shared stream, and the async generator its
 * transport reads. A class rather than closures: at 10,000 subscribers every
 * per-subscriber closure and context is memory (docs/subscriptions.md), and the
 * queue is only allocated once the client falls behind.
 */
class Subscriber implements Listener, AsyncGenerator<Result> {
  readonly #service: SubscriptionService;
  readonly #connection: ClientConnection;
  readonly #quotaKey: string;
  readonly #stream: SharedStream;
  readonly #onSessionEnd: (reason: GraphQLError) => void;
  #queue: Result[] | undefined;
  #wake: (() => void) | undefined;
  #finished = false;
  #final: Result | undefined;

  constructor(
    service: SubscriptionService,
    connection: ClientConnection,
    quotaKey: string,
    stream: SharedStream,
  ) {
    this.#service = service;
    this.#connection = connection;
    this.#quotaKey = quotaKey;
    this.#stream = stream;
    this.#onSessionEnd = (reason) => this.end({ errors: [reason] });
    connection.session.onEnd.add(this.#onSessionEnd);
    stream.add(this);
  }

  #release(): void {
    if (this.#finished) return;
    this.#finished = true;
    this.#service.released(this.#connection, this.#quotaKey);
    this.#connection.session.onEnd.delete(this.#onSessionEnd);
    this.#stream.remove(this);
    this.#wake?.();
  }

  push(result: Result): void {
    if (this.#finished) return;
    this.#queue ??= [];
    if (this.#queue.length >= this.#service.settings.clientQueue) {
      // The client does not read fast enough: dropped (clear close code) rather than buffered without bound.
      this.#release();
      this.#connection.dropSlow();
      return;
    }
    this.#queue.push(result);
    this.#wake?.();
  }

  end(last?: Result): void {
    this.#final = last;
    this.#release();
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  async next(): Promise<IteratorResult<Result>> {
    while (true) {
      const item = this.#queue?.shift();
      if (item) {
        if (this.#queue?.length === 0) this.#queue = undefined;
        return { value: item, done: false };
      }
      if (this.#finished) {
        if (this.#final) {
          const last = this.#final;
          this.#final = undefined;
          return { value: last, done: false };
        }
        return { value: undefined, done: true };
      }
      await new Promise<void>((resolve) => {
        this.#wake = resolve;
      });
      this.#wake = undefined;
    }
  }

  async return(): Promise<IteratorResult<Result>> {
    this.#final = undefined;
    this.#release();
    return { value: undefined, done: true };
  }

  async throw(err: unknown): Promise<IteratorResult<Result>> {
    this.#release();
    throw err;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    this.#release();
  }
}

/** One upstream subscription shared by every subscriber with the same document, variables and scope. */
class SharedStream {
  readonly key: string;
  readonly listeners = new Set<Listener>();
  readonly #service: SubscriptionService;
  readonly #plan: SubscriptionPlan;
  readonly #variables: Record<string, unknown>;
  readonly #principal: Principal;
  #dispose: (() => void) | undefined;
  /** Between asking for the upstream subscription and having it (its token is being signed). */
  #starting = false;
  #last: { id: string; at: number } | undefined;
  readonly #seen: string[] = [];
  readonly #seenSet = new Set<string>();
  #chain: Promise<void> = Promise.resolve();
  #attempt = 0;
  #failingSince: number | undefined;
  #retry: NodeJS.Timeout | undefined;
  #done = false;

  constructor(
    service: SubscriptionService,
    key: string,
    plan: SubscriptionPlan,
    variables: Record<string, unknown>,
    principal: Principal,
  ) {
    this.#service = service;
    this.key = key;
    this.#plan = plan;
    this.#variables = variables;
    this.#principal = principal;
  }

  add(listener: Listener): void {
    this.listeners.add(listener);
    if (!this.#dispose && !this.#retry && !this.#starting) void this.#start();
  }

  remove(listener: Listener): void {
    this.listeners.delete(listener);
    if (this.listeners.size === 0) this.#stop();
  }

  /** Ends every subscriber with `final`. */
  fail(final: Result): void {
    this.#stop();
    for (const l of [...this.listeners]) l.end(final);
  }

  #stop(): void {
    this.#done = true;
    clearTimeout(this.#retry);
    this.#retry = undefined;
    this.#dispose?.();
    this.#dispose = undefined;
    this.#service.forget(this);
  }

  async #start(): Promise<void> {
    const primary = this.#plan.primary;
    const source = this.#service.sourceOf(primary.serviceName);
    if (!source) return this.fail({ errors: [error(`No subgraph ${primary.serviceName}`, 'INTERNAL')] });
    const variables: Record<string, unknown> = {};
    for (const name of primary.variableUsages ?? []) {
      if (this.#variables[name] !== undefined) variables[name] = this.#variables[name];
    }
    let internalToken: string;
    this.#starting = true;
    try {
      internalToken = await this.#service.internalToken(source.audience, this.#principal);
    } catch (err) {
      return this.fail({ errors: [error((err as Error).message, 'INTERNAL')] });
    } finally {
      this.#starting = false;
    }
    if (this.#done) return;
    const resume = this.#last ? { afterEventId: this.#last.id, since: this.#last.at } : undefined;
    this.#dispose = this.#service.clientFor(source).subscribe(
      {
        query: primary.operation,
        variables,
        ...(primary.operationName ? { operationName: primary.operationName } : {}),
        extensions: { internalToken, ...(resume ? { resume } : {}) },
      },
      {
        next: (result) => {
          this.#attempt = 0;
          this.#failingSince = undefined;
          this.#chain = this.#chain.then(() => this.#event(result as Result));
        },
        error: (err) => {
          this.#dispose = undefined;
          if (this.#done) return;
          if (Array.isArray(err)) {
            // The subgraph refused the subscription (GraphQL errors): final.
            this.#chain = this.#chain.then(() => this.fail({ errors: err as GraphQLError[] }));
            return;
          }
          this.#reconnect(err);
        },
        complete: () => {
          this.#dispose = undefined;
          if (this.#done) return;
          this.#chain = this.#chain.then(() => {
            this.#stop();
            for (const l of [...this.listeners]) l.end();
          });
        },
      },
    );
  }

  /** The connection to the subgraph was lost: resubscribe with backoff, resuming after the last event. */
  #reconnect(cause: unknown): void {
    const { settings, logger } = this.#service;
    this.#failingSince ??= Date.now();
    if (Date.now() - this.#failingSince > settings.upstreamRetryMs) {
      logger.warn(
        { stream: this.key.slice(0, 12) },
        'subscription upstream unavailable; ending its subscribers',
      );
      this.fail({
        errors: [
          error(`Subgraph ${this.#plan.primary.serviceName} is unavailable`, 'SUBGRAPH_UNAVAILABLE', {
            subgraph: this.#plan.primary.serviceName,
          }),
        ],
      });
      return;
    }
    const delay =
      Math.min(settings.upstreamBackoffMaxMs, 100 * 2 ** this.#attempt) * (0.5 + Math.random() / 2);
    this.#attempt++;
    logger.debug(
      { attempt: this.#attempt, delay, cause: String((cause as Error)?.message ?? cause) },
      'resubscribing',
    );
    this.#retry = setTimeout(() => {
      this.#retry = undefined;
      if (!this.#done) void this.#start();
    }, delay);
  }

  async #event(result: Result): Promise<void> {
    const live = (result.extensions as { liveEvent?: { id?: unknown; at?: unknown } } | undefined)?.liveEvent;
    if (live && typeof live.id === 'string' && typeof live.at === 'number') {
      // A resumed subscription may repeat what was delivered before the reconnect.
      if (this.#seenSet.has(live.id)) return;
      this.#seenSet.add(live.id);
      this.#seen.push(live.id);
      if (this.#seen.length > 1000) this.#seenSet.delete(this.#seen.shift()!);
      this.#last = { id: live.id, at: live.at };
    }
    if (this.listeners.size === 0) return;
    let out: Result;
    if (!result.data) {
      out = { errors: result.errors ?? [error('Empty event', 'INTERNAL')] };
    } else {
      const data = result.data as Record<string, unknown>;
      const ctx: RouterContext = {
        principal: this.#principal,
        requestId: randomUUID(),
        logger: this.#service.logger,
        operation: { type: 'subscription' },
        clientIp: '',
        protection: { rateLimits: [] },
      };
      const errors = [
        ...(result.errors ?? []),
        ...(await this.#service.planner.runRest(this.#plan, data, ctx, this.#variables)),
      ];
      const shaped = this.#plan.shaper.shape(data, this.#variables);
      out = errors.length > 0 ? { data: shaped.data, errors } : { data: shaped.data };
    }
    for (const l of this.listeners) l.push(out);
  }
}
