import {
  badInput,
  type Connection,
  connectionOf,
  decodeCursor,
  encodeCursor,
  forkEm,
  type PageArgs,
  parseId,
  registryOf,
  toMinorUnits,
} from '@tradegraph/shared';
import type { RetailerContext } from '../services.ts';
import { listingPage, listingsByIds } from '../store/browse.ts';
import type { StorefrontView } from '../store/directory.ts';
import type { ListingView } from '../store/listings.ts';
import { isOwner } from './ownership.ts';
import { storefrontBatch } from './storefronts.ts';

/**
 * Reading listings: a storefront page (validated here, read in one statement
 * by store/browse.ts, one more only when totalCount is selected) and listings
 * by id (one statement per tenant database, batched per request).
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

/** The cursor key of a listing for each sort. */
const SORT_KEY: Record<ListingSort, (v: ListingView) => number | string> = {
  PRICE_ASC: (v) => v.priceMinor,
  PRICE_DESC: (v) => v.priceMinor,
  TITLE: (v) => v.title,
  NEWEST: (v) => v.createdAt.toISOString(),
};

function priceBound(value: string | null | undefined, currencyCode: string, field: string): number | null {
  if (value === null || value === undefined) return null;
  return Number(toMinorUnits({ amount: String(value), currencyCode }, field));
}

/** The keyset position an `after` cursor of this sort names; BAD_USER_INPUT for any other. */
function parseAfter(after: string, sort: ListingSort): { key: number | string | Date; id: string } {
  const cursor = decodeCursor<unknown>(after);
  if (!Array.isArray(cursor) || cursor.length !== 3 || cursor[0] !== sort || typeof cursor[2] !== 'string') {
    throw badInput('after is not a cursor of this sort', 'after');
  }
  const key = cursor[1];
  if (sort === 'PRICE_ASC' || sort === 'PRICE_DESC') {
    if (typeof key !== 'number' || !Number.isSafeInteger(key))
      throw badInput('after is not a valid cursor', 'after');
    return { key, id: cursor[2] };
  }
  if (typeof key !== 'string') throw badInput('after is not a valid cursor', 'after');
  if (sort === 'NEWEST') {
    const at = new Date(key);
    if (Number.isNaN(at.getTime())) throw badInput('after is not a valid cursor', 'after');
    return { key: at, id: cursor[2] };
  }
  return { key, id: cursor[2] };
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
  const sortKey = SORT_KEY[sort];
  if (!sortKey) throw badInput('unknown sort', 'sort');
  const tenant = await registryOf(ctx).byOrganization(sf.retailerId);
  if (!tenant) return emptyConnection();
  const filter = args.filter ?? {};
  const owner = isOwner(ctx.principal, sf.retailerId);
  const search = filter.search?.trim() || null;
  if (search && search.length > 100) throw badInput('search must be at most 100 characters', 'search');
  const page = await listingPage(ctx.em, {
    tenantDb: tenant.dbName,
    serviceDb: ctx.kernel.serviceDb,
    retailerId: sf.retailerId,
    storefrontId: sf.id,
    published: sf.published,
    includeHidden: owner && filter.includeHidden === true,
    search,
    brandId: filter.brandId || null,
    available: filter.available === true || filter.available === false ? filter.available : null,
    priceMinMinor: priceBound(filter.priceMin, sf.currencyCode, 'priceMin'),
    priceMaxMinor: priceBound(filter.priceMax, sf.currencyCode, 'priceMax'),
    order: sort,
    after: args.after ? parseAfter(args.after, sort) : null,
    limit: size + 1,
  });
  const views = page.listings;
  // Listing.storefront of this page is the storefront itself: no lookup.
  ctx.loaders.get<string, StorefrontView | null>('storefront-by-id', storefrontBatch(ctx)).prime(sf.id, sf);
  const hasNextPage = views.length > size;
  return connectionOf(
    hasNextPage ? views.slice(0, size) : views,
    (node) => encodeCursor([sort, sortKey(node), node.id]),
    { hasNextPage, hasPreviousPage: !!args.after },
    page.count,
  );
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
        const list = await listingsByIds(
          forkEm(ctx.kernel.orm),
          { tenantDb: tenant.dbName, serviceDb: ctx.kernel.serviceDb, retailerId: tenant.organizationId },
          keyIds,
        );
        for (const l of list) found.set(l.id, l);
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
