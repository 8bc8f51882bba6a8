import { badInput } from './errors.ts';

/**
 * Relay connections with keyset pagination. Cursors are opaque (base64url of
 * the row's sort key); page size is capped so no client can ask for everything.
 */

export const DEFAULT_PAGE_SIZE = 20;
export const MAX_PAGE_SIZE = 100;

export interface PageArgs {
  first?: number | null;
  after?: string | null;
}

export interface Page<K> {
  /** Rows to fetch: the page size plus one to learn whether there is a next page. */
  limit: number;
  size: number;
  after: K | null;
}

export function encodeCursor(key: unknown): string {
  return Buffer.from(JSON.stringify(key)).toString('base64url');
}

export function decodeCursor<K>(cursor: string): K {
  try {
    return JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as K;
  } catch {
    throw badInput('after is not a valid cursor', 'after');
  }
}

export function pageArgs<K>(args: PageArgs, opts: { max?: number; default?: number } = {}): Page<K> {
  const max = opts.max ?? MAX_PAGE_SIZE;
  const size = args.first ?? opts.default ?? DEFAULT_PAGE_SIZE;
  if (!Number.isInteger(size) || size < 0) throw badInput('first must be a non-negative integer', 'first');
  if (size > max) throw badInput(`first must be at most ${max}`, 'first');
  return { limit: size + 1, size, after: args.after ? decodeCursor<K>(args.after) : null };
}

export interface Connection<T> {
  edges: { cursor: string; node: T }[];
  nodes: T[];
  pageInfo: {
    hasNextPage: boolean;
    hasPreviousPage: boolean;
    startCursor: string | null;
    endCursor: string | null;
  };
  totalCount: number | (() => Promise<number>);
}

/** Shapes `rows` (fetched with `page.limit`) into a connection; totalCount may be lazy. */
export function toConnection<T, K>(
  rows: T[],
  page: Page<K>,
  keyOf: (row: T) => K,
  totalCount: number | (() => Promise<number>),
): Connection<T> {
  const hasNextPage = rows.length > page.size;
  const nodes = hasNextPage ? rows.slice(0, page.size) : rows;
  return connectionOf(
    nodes,
    (node) => encodeCursor(keyOf(node)),
    { hasNextPage, hasPreviousPage: page.after !== null },
    totalCount,
  );
}

/**
 * A connection over one page of nodes. Its edges (a cursor per node) are made
 * when first read: a client that selects `nodes` (a storefront page does)
 * pays for the two cursors of `pageInfo` only, not one per node.
 */
export function connectionOf<T>(
  nodes: T[],
  cursorOf: (node: T) => string,
  page: { hasNextPage: boolean; hasPreviousPage: boolean },
  totalCount: number | (() => Promise<number>),
): Connection<T> {
  let edges: Connection<T>['edges'] | undefined;
  const first = nodes[0];
  const last = nodes.at(-1);
  return {
    get edges() {
      edges ??= nodes.map((node) => ({ cursor: cursorOf(node), node }));
      return edges;
    },
    nodes,
    pageInfo: {
      hasNextPage: page.hasNextPage,
      hasPreviousPage: page.hasPreviousPage,
      startCursor: first === undefined ? null : cursorOf(first),
      endCursor: last === undefined ? null : cursorOf(last),
    },
    totalCount,
  };
}
