import {
  badInput,
  type Connection,
  decodeCursor,
  encodeCursor,
  forkEm,
  type PageArgs,
  parseId,
  placeholders,
  qualified,
  registryOf,
  rows,
  toMinorUnits,
} from '@tradegraph/shared';
import type { RetailerContext } from '../services.ts';
import type { StorefrontView } from '../store/directory.ts';
import {
  LISTING_COLUMNS,
  type ListingRow,
  type ListingView,
  toListingView,
  VISIBLE_SQL,
} from '../store/listings.ts';
import { isOwner } from './ownership.ts';
import { storefrontBatch } from './storefronts.ts';

/**
 * Reading listings: a storefront page (the hot path: one statement for the
 * rows, one more only when totalCount is selected) and listings by id (one
 * statement per tenant database, batched per request).
 *
 * Shoppers see a listing when it is ACTIVE, its product is ACTIVE, it has a
 * price, and the retailer's connection to the brand is ACTIVE with
 * SELL_PRODUCTS — the last is checked at read time against partner_access, so
 * a revoked connection hides the brand's listings at once.
 */

export const LISTING_SORTS = ['PRICE_ASC', 'PRICE_DESC', 'TITLE', 'NEWEST'] as const;
export type ListingSort = (typeof LISTING_SORTS)[number];

export interface ListingFilter {
  search?: string | null;
  brandId?: string | null;
  available?: boolean | null;
  priceMin?: string | null;
  priceMax?: string | null;
  /** Owner only: include listings shoppers cannot see (unsellable brand, inactive product, no price). */
  includeHidden?: boolean | null;
}

const SORT_SQL: Record<
  ListingSort,
  { column: string; dir: 'asc' | 'desc'; key: (v: ListingView) => unknown }
> = {
  PRICE_ASC: { column: 'l.price_minor', dir: 'asc', key: (v) => v.priceMinor },
  PRICE_DESC: { column: 'l.price_minor', dir: 'desc', key: (v) => v.priceMinor },
  TITLE: { column: 'l.title', dir: 'asc', key: (v) => v.title },
  NEWEST: { column: 'l.created_at', dir: 'desc', key: (v) => v.createdAt.toISOString() },
};

function escapeLike(term: string): string {
  return term.replace(/[\\%_]/g, (c) => `\\${c}`);
}

function priceBound(value: string | null | undefined, currencyCode: string, field: string): number | null {
  if (value === null || value === undefined) return null;
  return Number(toMinorUnits({ amount: String(value), currencyCode }, field));
}

/**
 * A page of a storefront's listings, keyset-paginated on (sort key, id).
 * Costs one statement (two with totalCount) whatever the page size.
 */
export async function storefrontListings(
  ctx: RetailerContext,
  sf: StorefrontView,
  args: PageArgs & { filter?: ListingFilter | null; sort?: ListingSort | null },
): Promise<Connection<ListingView>> {
  const size = args.first ?? 20;
  if (!Number.isInteger(size) || size < 0 || size > 100) {
    throw badInput('first must be between 0 and 100', 'first');
  }
  const sort: ListingSort = args.sort ?? 'NEWEST';
  const order = SORT_SQL[sort];
  if (!order) throw badInput('unknown sort', 'sort');
  const tenant = await registryOf(ctx).byOrganization(sf.retailerId);
  if (!tenant) return emptyConnection();
  const filter = args.filter ?? {};
  const owner = isOwner(ctx.principal, sf.retailerId);
  const hidden = owner && filter.includeHidden === true;

  const L = qualified(tenant.dbName, 'listings');
  const PA = qualified(ctx.kernel.serviceDb, 'partner_access');
  const where: string[] = ['l.storefront_id = ?', "l.status = 'ACTIVE'"];
  const params: unknown[] = [sf.retailerId, sf.id];
  if (!hidden) where.push('l.variant_active = 1', 'l.priced = 1', 'pa.can_sell = 1');
  if (filter.search?.trim()) {
    const term = filter.search.trim();
    if (term.length > 100) throw badInput('search must be at most 100 characters', 'search');
    where.push("l.title like ? escape '\\\\'");
    params.push(`%${escapeLike(term)}%`);
  }
  if (filter.brandId) {
    where.push('l.brand_id = ?');
    params.push(filter.brandId);
  }
  if (filter.available === true || filter.available === false) {
    where.push('l.available = ?');
    params.push(filter.available ? 1 : 0);
  }
  const min = priceBound(filter.priceMin, sf.currencyCode, 'priceMin');
  const max = priceBound(filter.priceMax, sf.currencyCode, 'priceMax');
  if (min !== null) {
    where.push('l.price_minor >= ?');
    params.push(min);
  }
  if (max !== null) {
    where.push('l.price_minor <= ?');
    params.push(max);
  }
  const baseWhere = [...where];
  const baseParams = [...params];

  if (args.after) {
    const cursor = decodeCursor<unknown>(args.after);
    if (
      !Array.isArray(cursor) ||
      cursor.length !== 3 ||
      cursor[0] !== sort ||
      typeof cursor[2] !== 'string'
    ) {
      throw badInput('after is not a cursor of this sort', 'after');
    }
    let key = cursor[1];
    if (sort === 'PRICE_ASC' || sort === 'PRICE_DESC') {
      if (typeof key !== 'number' || !Number.isSafeInteger(key))
        throw badInput('after is not a valid cursor', 'after');
    } else if (typeof key !== 'string') {
      throw badInput('after is not a valid cursor', 'after');
    } else if (sort === 'NEWEST') {
      const at = new Date(key);
      if (Number.isNaN(at.getTime())) throw badInput('after is not a valid cursor', 'after');
      key = at;
    }
    const cmp = order.dir === 'asc' ? '>' : '<';
    where.push(`(${order.column} ${cmp} ? or (${order.column} = ? and l.id ${cmp} ?))`);
    params.push(key, key, cursor[2]);
  }

  // Listings drive the join (straight_join) so the (storefront, status, sort key, id)
  // index yields rows already in order and the LIMIT stops the scan early;
  // partner_access is one primary-key lookup per row.
  const from = `from ${L} l ${hidden ? 'left join' : 'join'} ${PA} pa
    on pa.retailer_id = ? and pa.brand_id = l.brand_id`;
  const visible = VISIBLE_SQL.replace('s.published = 1', sf.published ? '1 = 1' : '1 = 0');
  const found = await rows<ListingRow>(
    ctx.em,
    `select straight_join ${LISTING_COLUMNS}, ${visible} as visible ${from}
     where ${where.join(' and ')}
     order by ${order.column} ${order.dir}, l.id ${order.dir}
     limit ${size + 1}`,
    params,
  );
  const views = found.map((r) => toListingView(r, sf.retailerId));
  // Listing.storefront of this page is the storefront itself: no lookup.
  ctx.loaders.get<string, StorefrontView | null>('storefront-by-id', storefrontBatch(ctx)).prime(sf.id, sf);
  const hasNextPage = views.length > size;
  const nodes = hasNextPage ? views.slice(0, size) : views;
  const edges = nodes.map((node) => ({ cursor: encodeCursor([sort, order.key(node), node.id]), node }));
  return {
    edges,
    nodes,
    pageInfo: {
      hasNextPage,
      hasPreviousPage: !!args.after,
      startCursor: edges[0]?.cursor ?? null,
      endCursor: edges.at(-1)?.cursor ?? null,
    },
    totalCount: async () => {
      const [r] = await rows<{ n: number }>(
        ctx.em,
        `select count(*) as n ${from} where ${baseWhere.join(' and ')}`,
        baseParams,
      );
      return Number(r?.n ?? 0);
    },
  };
}

function emptyConnection(): Connection<ListingView> {
  return {
    edges: [],
    nodes: [],
    pageInfo: { hasNextPage: false, hasPreviousPage: false, startCursor: null, endCursor: null },
    totalCount: 0,
  };
}

/**
 * Listings by id, whatever their visibility (callers apply it): ids are
 * grouped by the tenant key they carry, one statement per tenant database;
 * malformed ids and unknown tenants resolve to null without a query.
 */
export function listingLoader(ctx: RetailerContext) {
  return ctx.loaders.get<string, ListingView | null>('listing-by-id', async (ids) => {
    const byKey = new Map<string, string[]>();
    for (const id of ids) {
      const parsed = parseId(id, 'lst');
      if (!parsed?.tenantKey) continue;
      const list = byKey.get(parsed.tenantKey) ?? [];
      list.push(id);
      byKey.set(parsed.tenantKey, list);
    }
    const tenants = await registryOf(ctx).byKeys([...byKey.keys()]);
    const found = new Map<string, ListingView>();
    await Promise.all(
      [...byKey].map(async ([key, keyIds]) => {
        const tenant = tenants.get(key);
        if (!tenant) return;
        const L = qualified(tenant.dbName, 'listings');
        const S = qualified(tenant.dbName, 'storefronts');
        const PA = qualified(ctx.kernel.serviceDb, 'partner_access');
        const list = await rows<ListingRow>(
          forkEm(ctx.kernel.orm),
          `select ${LISTING_COLUMNS}, ${VISIBLE_SQL} as visible
           from ${L} l join ${S} s on s.id = l.storefront_id
           left join ${PA} pa on pa.retailer_id = ? and pa.brand_id = l.brand_id
           where l.id in (${placeholders(keyIds.length)})`,
          [tenant.organizationId, ...keyIds],
        );
        for (const r of list) found.set(r.id, toListingView(r, tenant.organizationId));
      }),
    );
    return ids.map((id) => found.get(id) ?? null);
  });
}

/** A listing the principal may see (the retailer: any of its own; others: visible ones), or null. */
export async function visibleListing(ctx: RetailerContext, id: unknown): Promise<ListingView | null> {
  if (typeof id !== 'string') return null;
  const view = await listingLoader(ctx).load(id);
  if (!view) return null;
  return view.visible || isOwner(ctx.principal, view.retailerId) ? view : null;
}
