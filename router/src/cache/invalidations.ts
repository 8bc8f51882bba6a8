import { INTERNAL_TOKEN_HEADER, type Logger } from '@tradegraph/shared/edge';
import { type Dispatcher, request } from 'undici';

/**
 * What the router knows of each cacheable subgraph's invalidations, read from
 * the subgraph's feed (`GET /_router/cache-invalidations?since=&wait=`, router
 * only; subgraphs write a row per invalidated type or entity in the same
 * transaction as the change, docs/events.md#cache-invalidations).
 *
 * Invalidation never deletes anything: every cache key carries an *epoch*, the
 * newest feed sequence number of an invalidation that concerns the entry
 * (its types, and for an entity entry its own id). An invalidation raises the
 * epoch, so older entries are never looked up again and expire on their TTL.
 * Routers reading the same feed compute the same epochs, so they share Redis
 * entries. A subgraph whose feed is not being read (not yet, or failing) is not
 * cached at all: without its invalidations an entry could outlive a change.
 */

export interface FeedItem {
  seq: number;
  type: string;
  id: string | null;
  at: number;
}

export interface FeedPage {
  cursor: number;
  reset: boolean;
  items: FeedItem[];
}

export const CACHE_INVALIDATIONS_PATH = '/_router/cache-invalidations';

/** Epochs of one subgraph's data. */
export class SubgraphEpochs {
  /** Set on a reset (a gap in what was read): every entry before it is gone. */
  base = 0;
  cursor = -1;
  ready = false;
  /** type → newest invalidation of the type or of any entity of it. */
  readonly #any = new Map<string, { seq: number; at: number }>();
  /** type → newest invalidation of every entity of the type. */
  readonly #all = new Map<string, { seq: number; at: number }>();
  /** `type\0id` → newest invalidation of that entity. */
  readonly #ids = new Map<string, { seq: number; at: number }>();

  apply(page: FeedPage): void {
    if (page.reset && this.cursor >= 0) {
      // Invalidations may have been missed: everything cached before is dropped.
      this.base = Math.max(this.base, page.cursor, this.cursor) + 1;
    }
    for (const item of page.items) {
      raise(this.#any, item.type, item);
      if (item.id === null) raise(this.#all, item.type, item);
      else raise(this.#ids, `${item.type}\0${item.id}`, item);
    }
    this.cursor = Math.max(this.cursor, page.cursor);
  }

  /** Epoch of an entry holding these types (a root field's answer). */
  of(types: readonly string[]): number {
    let epoch = this.base;
    for (const type of types) epoch = Math.max(epoch, this.#any.get(type)?.seq ?? 0);
    return epoch;
  }

  /** Epoch of one entity's entry: its own id and type-wide invalidations, and the types below it. */
  ofEntity(type: string, id: unknown, nested: number): number {
    let epoch = Math.max(nested, this.#all.get(type)?.seq ?? 0);
    if (typeof id === 'string' || typeof id === 'number') {
      epoch = Math.max(epoch, this.#ids.get(`${type}\0${id}`)?.seq ?? 0);
    } else {
      epoch = Math.max(epoch, this.#any.get(type)?.seq ?? 0);
    }
    return epoch;
  }

  /** Forgets invalidations older than any entry can live (their entries have expired). */
  prune(olderThan: number): void {
    for (const map of [this.#any, this.#all, this.#ids]) {
      for (const [key, value] of map) if (value.at < olderThan) map.delete(key);
    }
  }
}

function raise(map: Map<string, { seq: number; at: number }>, key: string, item: FeedItem) {
  const current = map.get(key);
  if (!current || current.seq < item.seq) map.set(key, { seq: item.seq, at: item.at });
}

export function parseFeedPage(body: unknown): FeedPage | null {
  const b = body as Partial<FeedPage> | null;
  if (!b || typeof b.cursor !== 'number' || typeof b.reset !== 'boolean' || !Array.isArray(b.items))
    return null;
  for (const i of b.items as Partial<FeedItem>[]) {
    if (
      !i ||
      typeof i.seq !== 'number' ||
      typeof i.type !== 'string' ||
      (i.id !== null && typeof i.id !== 'string') ||
      typeof i.at !== 'number'
    ) {
      return null;
    }
  }
  return b as FeedPage;
}

export interface InvalidationFeedsOptions {
  /** Subgraph name → its base URL (origin of its /graphql). */
  subgraphs: ReadonlyMap<string, string>;
  /** The router's internal token for a subgraph (audience: its name, lower-cased). */
  token: (subgraph: string) => Promise<string>;
  dispatcher: Dispatcher;
  logger: Logger;
  /** Long-poll wait (ms, default 20 s). */
  waitMs?: number;
  timeoutMs: number;
  /** Entries never live longer than this (ms): older invalidations are pruned. */
  maxTtlMs: number;
}

export interface InvalidationFeeds {
  epochs: ReadonlyMap<string, SubgraphEpochs>;
  /** Resolves once every feed answered once, or failed (and was logged). */
  ready: Promise<void>;
  /** Reads every feed now (after a mutation, so this router's next read sees it); bounded by `timeoutMs`. */
  sync(timeoutMs: number): Promise<void>;
  stop(): Promise<void>;
}

const RETRY_MS = 1000;
const FIRST_READ_WAIT_MS = 2000;

/** Long-polls every cacheable subgraph's invalidation feed. */
export function startInvalidationFeeds(opts: InvalidationFeedsOptions): InvalidationFeeds {
  const abort = new AbortController();
  const epochs = new Map<string, SubgraphEpochs>();
  const waitMs = opts.waitMs ?? 20_000;
  const loops: Promise<void>[] = [];
  const firsts: Promise<void>[] = [];

  const read = async (subgraph: string, base: string, state: SubgraphEpochs, wait: number) => {
    const url = new URL(CACHE_INVALIDATIONS_PATH, base);
    if (state.cursor >= 0) url.searchParams.set('since', String(state.cursor));
    url.searchParams.set('wait', String(wait));
    const res = await request(url, {
      method: 'GET',
      headers: { [INTERNAL_TOKEN_HEADER]: await opts.token(subgraph) },
      dispatcher: opts.dispatcher,
      signal: AbortSignal.any([abort.signal, AbortSignal.timeout(wait + opts.timeoutMs)]),
    });
    const text = await res.body.text();
    if (res.statusCode !== 200) throw new Error(`HTTP ${res.statusCode}: ${text.slice(0, 200)}`);
    const page = parseFeedPage(JSON.parse(text));
    if (!page) throw new Error('not an invalidation feed page');
    state.apply(page);
    state.prune(Date.now() - opts.maxTtlMs - 60_000);
  };

  for (const [subgraph, base] of opts.subgraphs) {
    const state = new SubgraphEpochs();
    epochs.set(subgraph, state);
    let first!: () => void;
    firsts.push(new Promise<void>((resolve) => (first = resolve)));
    loops.push(
      (async () => {
        let failing = false;
        while (!abort.signal.aborted) {
          try {
            await read(subgraph, base, state, state.ready ? waitMs : 0);
            if (failing || !state.ready)
              opts.logger.info({ subgraph }, 'entity cache: invalidation feed read');
            failing = false;
            state.ready = true;
          } catch (err) {
            if (abort.signal.aborted) break;
            // Invalidations could be missed meanwhile: stop caching this subgraph until the feed answers.
            state.ready = false;
            if (!failing) {
              opts.logger.warn(
                { subgraph, err: (err as Error).message },
                'entity cache: invalidation feed unavailable; not caching this subgraph',
              );
            }
            failing = true;
            await sleep(RETRY_MS, abort.signal);
          } finally {
            first();
          }
        }
      })(),
    );
  }

  return {
    epochs,
    // A router does not wait long for a slow feed at start: that subgraph is just not cached until it answers.
    ready: Promise.race([Promise.all(firsts).then(() => undefined), sleep(FIRST_READ_WAIT_MS, abort.signal)]),
    async sync(timeoutMs) {
      const reads = [...opts.subgraphs].map(async ([subgraph, base]) => {
        const state = epochs.get(subgraph)!;
        if (!state.ready) return;
        await read(subgraph, base, state, 0).catch((err) => {
          state.ready = false;
          opts.logger.warn(
            { subgraph, err: (err as Error).message },
            'entity cache: feed read after a mutation failed',
          );
        });
      });
      await Promise.race([Promise.all(reads), sleep(timeoutMs)]);
    },
    async stop() {
      abort.abort();
      await Promise.allSettled(loops);
    },
  };
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        resolve();
      },
      { once: true },
    );
  });
}
