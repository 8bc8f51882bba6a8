import { createHash } from 'node:crypto';
import type { FetchNode } from '@apollo/query-planner';
import { counter, type Logger, type Principal } from '@tradegraph/shared/edge';
import type { GraphQLSchema } from 'graphql';
import type { Redis } from 'ioredis';
import type { Dispatcher } from 'undici';
import { createFetchPolicies, type FetchCachePolicy, readCacheHints } from './hints.ts';
import { type InvalidationFeeds, startInvalidationFeeds } from './invalidations.ts';
import { type CacheStore, createCacheStore } from './store.ts';

/**
 * The router's entity cache (docs/router.md#entity-cache): answers of fetches
 * the owning subgraph marked cacheable (`@cacheControl`, PUBLIC), shared by
 * every viewer of one class — anonymous shoppers, or signed-in customers —
 * and never used for organisations, whose views hold drafts and partner data
 * and who must read their own writes at once. Keys carry the invalidation
 * epochs (invalidations.ts), so a change reaches every router within the
 * feed's latency, and this router's next request after a mutation it ran.
 */
export interface EntityCache {
  /** The cache as one request may use it, or undefined when this principal is never served from it. */
  forPrincipal(principal: Principal): FetchCache | undefined;
  /** After a mutation: read the invalidation feeds now, so the next request sees its changes. */
  afterMutation(): Promise<void>;
  /** Resolves once each feed answered (or failed) once. */
  ready: Promise<void>;
  stop(): Promise<void>;
}

export interface FetchCache {
  /** A root fetch's key, and its cached answer; undefined when the fetch is not cached. */
  root(fetch: FetchNode, variables: Record<string, unknown>): Promise<Lookup | undefined>;
  /** Keys and cached answers for each representation of an entity fetch; undefined when not cached. */
  entities(
    fetch: FetchNode,
    representations: readonly Record<string, unknown>[],
    variables: Record<string, unknown>,
    keyOf: (representation: Record<string, unknown>) => string,
  ): Promise<{ keys: string[]; hits: (string | undefined)[]; ttlMs: number } | undefined>;
  store(key: string, value: string, ttlMs: number): void;
}

export interface Lookup {
  key: string;
  hit: string | undefined;
  ttlMs: number;
}

export interface EntityCacheOptions {
  supergraphSdl: string;
  supergraphSchema: GraphQLSchema;
  /** Subgraph name → URL of its /graphql. */
  subgraphUrls: ReadonlyMap<string, string>;
  token: (subgraph: string) => Promise<string>;
  dispatcher: Dispatcher;
  redis?: Redis | undefined;
  prefix: string;
  maxBytes: number;
  maxTtlSeconds: number;
  timeoutMs: number;
  logger: Logger;
  /** Long-poll wait of the feeds (ms); tests shorten it. */
  feedWaitMs?: number;
}

const SYNC_AFTER_MUTATION_MS = 500;

const classOf = (principal: Principal): string | undefined =>
  principal.kind === 'anonymous' ? 'a' : principal.kind === 'customer' ? 'c' : undefined;

const digest = (value: unknown): string => {
  const text = JSON.stringify(value);
  return text === '{}' ? '' : createHash('sha1').update(text).digest('base64url');
};

export function createEntityCache(opts: EntityCacheOptions): EntityCache | undefined {
  const hints = readCacheHints(opts.supergraphSdl);
  for (const reason of hints.ignored) opts.logger.warn(`entity cache: ${reason}`);
  const subgraphs = new Map([...opts.subgraphUrls].filter(([name]) => hints.subgraphs.has(name)));
  if (subgraphs.size === 0) return undefined;
  const policyOf = createFetchPolicies(hints, opts.supergraphSchema, opts.maxTtlSeconds);
  const store: CacheStore = createCacheStore({
    maxBytes: opts.maxBytes,
    redis: opts.redis,
    prefix: `${opts.prefix}ec:`,
    logger: opts.logger,
  });
  const feeds: InvalidationFeeds = startInvalidationFeeds({
    subgraphs,
    token: opts.token,
    dispatcher: opts.dispatcher,
    logger: opts.logger,
    timeoutMs: opts.timeoutMs,
    maxTtlMs: opts.maxTtlSeconds * 1000,
    ...(opts.feedWaitMs ? { waitMs: opts.feedWaitMs } : {}),
  });
  const lookups = counter('router_entity_cache_lookups_total', 'Entity cache lookups by subgraph', [
    'subgraph',
    'result',
  ]);
  opts.logger.info({ subgraphs: [...subgraphs.keys()], redis: !!opts.redis }, 'entity cache on');

  /** The policy and epochs of a fetch, when it may use the cache now. */
  const usable = (
    fetch: FetchNode,
  ): { policy: FetchCachePolicy; epochs: ReturnType<typeof feeds.epochs.get> } | undefined => {
    const policy = policyOf(fetch);
    if (!policy) return undefined;
    const epochs = feeds.epochs.get(policy.subgraph);
    if (!epochs?.ready) {
      lookups.inc({ subgraph: policy.subgraph, result: 'bypass' });
      return undefined;
    }
    return { policy, epochs };
  };
  const count = (subgraph: string, hits: number, total: number) => {
    if (hits) lookups.inc({ subgraph, result: 'hit' }, hits);
    if (total - hits) lookups.inc({ subgraph, result: 'miss' }, total - hits);
  };

  const views = new Map<string, FetchCache>();
  for (const viewer of ['a', 'c']) {
    views.set(viewer, {
      async root(fetch, variables) {
        const use = usable(fetch);
        if (!use || use.policy.entities) return undefined;
        const { policy, epochs } = use;
        const key = `${policy.id}:${viewer}:${epochs!.of(policy.types)}:${digest(variables)}`;
        const [hit] = await store.getMany([key]);
        count(policy.subgraph, hit === undefined ? 0 : 1, 1);
        return { key, hit, ttlMs: policy.maxAge * 1000 };
      },
      async entities(fetch, representations, variables, keyOf) {
        const use = usable(fetch);
        if (!use?.policy.entities) return undefined;
        const { policy, epochs } = use;
        const nested = epochs!.of(policy.types);
        const prefix = `${policy.id}:${viewer}:`;
        const vars = digest(variables);
        const keys = representations.map((r) => {
          const epoch = epochs!.ofEntity(String(r.__typename), r.id, nested);
          return `${prefix}${epoch}:${vars}:${keyOf(r)}`;
        });
        const hits = await store.getMany(keys);
        count(policy.subgraph, hits.filter((h) => h !== undefined).length, hits.length);
        return { keys, hits, ttlMs: policy.maxAge * 1000 };
      },
      store: (key, value, ttlMs) => store.set(key, value, ttlMs),
    });
  }

  return {
    forPrincipal: (principal) => {
      const viewer = classOf(principal);
      return viewer ? views.get(viewer) : undefined;
    },
    afterMutation: () => feeds.sync(SYNC_AFTER_MUTATION_MS),
    ready: feeds.ready,
    stop: () => feeds.stop(),
  };
}
