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
  const edges = nodes.map((node) => ({ cursor: encodeCursor(keyOf(node)), node }));
  return {
    edges,
    nodes,
    pageInfo: {
      hasNextPage,
      hasPreviousPage: page.after !== null,
      startCursor: edges[0]?.cursor ?? null,
      endCursor: edges.at(-1)?.cursor ?? null,
    },
    totalCount,
  };
}
