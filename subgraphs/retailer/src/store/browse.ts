import { type EntityManager, placeholders, qualified, rows } from '@tradegraph/shared';
import {
  LISTING_COLUMNS,
  type ListingRow,
  type ListingView,
  toListingView,
  VISIBLE_SQL,
} from './listings.ts';

/**
 * Listing reads for shoppers and the retailer: a storefront page (the hot
 * path: one statement for the rows, one more only when totalCount is
 * selected) and listings by id (one statement per tenant database).
 */

export type ListingOrder = 'PRICE_ASC' | 'PRICE_DESC' | 'TITLE' | 'NEWEST';

const ORDER_SQL: Record<ListingOrder, { column: string; dir: 'asc' | 'desc' }> = {
  PRICE_ASC: { column: 'l.price_minor', dir: 'asc' },
  PRICE_DESC: { column: 'l.price_minor', dir: 'desc' },
  TITLE: { column: 'l.title', dir: 'asc' },
  NEWEST: { column: 'l.created_at', dir: 'desc' },
};

/** One storefront page, already validated by the domain (domain/browse.ts). */
export interface ListingPageQuery {
  tenantDb: string;
  serviceDb: string;
  retailerId: string;
  storefrontId: string;
  /** The storefront is published (visibility of each row depends on it). */
  published: boolean;
  /** Also listings shoppers cannot see (the retailer asked for them). */
  includeHidden: boolean;
  search: string | null;
  brandId: string | null;
  available: boolean | null;
  priceMinMinor: number | null;
  priceMaxMinor: number | null;
  order: ListingOrder;
  /** Keyset: the sort key and id of the last row of the previous page. */
  after: { key: number | string | Date; id: string } | null;
  /** Rows to read (page size + 1, to know whether there is a next page). */
  limit: number;
}

function escapeLike(term: string): string {
  return term.replace(/[\\%_]/g, (c) => `\\${c}`);
}

/** A page of listings in order, and how to count every listing the filter matches. */
export async function listingPage(
  em: EntityManager,
  q: ListingPageQuery,
): Promise<{ listings: ListingView[]; count: () => Promise<number> }> {
  const order = ORDER_SQL[q.order];
  const L = qualified(q.tenantDb, 'listings');
  const PA = qualified(q.serviceDb, 'partner_access');
  const where: string[] = ['l.storefront_id = ?', "l.status = 'ACTIVE'"];
  const params: unknown[] = [q.retailerId, q.storefrontId];
  if (!q.includeHidden) where.push('l.variant_active = 1', 'l.priced = 1', 'pa.can_sell = 1');
  if (q.search) {
    where.push("l.title like ? escape '\\\\'");
    params.push(`%${escapeLike(q.search)}%`);
  }
  if (q.brandId) {
    where.push('l.brand_id = ?');
    params.push(q.brandId);
  }
  if (q.available !== null) {
    where.push('l.available = ?');
    params.push(q.available ? 1 : 0);
  }
  if (q.priceMinMinor !== null) {
    where.push('l.price_minor >= ?');
    params.push(q.priceMinMinor);
  }
  if (q.priceMaxMinor !== null) {
    where.push('l.price_minor <= ?');
    params.push(q.priceMaxMinor);
  }
  const baseWhere = [...where];
  const baseParams = [...params];
  if (q.after) {
    const cmp = order.dir === 'asc' ? '>' : '<';
    where.push(`(${order.column} ${cmp} ? or (${order.column} = ? and l.id ${cmp} ?))`);
    params.push(q.after.key, q.after.key, q.after.id);
  }
  // Listings drive the join (straight_join) so the (storefront, status, sort key, id)
  // index yields rows already in order and the LIMIT stops the scan early;
  // partner_access is one primary-key lookup per row.
  const from = `from ${L} l ${q.includeHidden ? 'left join' : 'join'} ${PA} pa
    on pa.retailer_id = ? and pa.brand_id = l.brand_id`;
  const visible = VISIBLE_SQL.replace('s.published = 1', q.published ? '1 = 1' : '1 = 0');
  const found = await rows<ListingRow>(
    em,
    `select straight_join ${LISTING_COLUMNS}, ${visible} as visible ${from}
     where ${where.join(' and ')}
     order by ${order.column} ${order.dir}, l.id ${order.dir}
     limit ${Number(q.limit)}`,
    params,
  );
  return {
    listings: found.map((r) => toListingView(r, q.retailerId)),
    count: async () => {
      const [r] = await rows<{ n: number }>(
        em,
        `select count(*) as n ${from} where ${baseWhere.join(' and ')}`,
        baseParams,
      );
      return Number(r?.n ?? 0);
    },
  };
}

/** Listings of one retailer's tenant database by id, with their visibility to shoppers. */
export async function listingsByIds(
  em: EntityManager,
  opts: { tenantDb: string; serviceDb: string; retailerId: string },
  ids: readonly string[],
): Promise<ListingView[]> {
  if (!ids.length) return [];
  const L = qualified(opts.tenantDb, 'listings');
  const S = qualified(opts.tenantDb, 'storefronts');
  const PA = qualified(opts.serviceDb, 'partner_access');
  const found = await rows<ListingRow>(
    em,
    `select ${LISTING_COLUMNS}, ${VISIBLE_SQL} as visible
     from ${L} l join ${S} s on s.id = l.storefront_id
     left join ${PA} pa on pa.retailer_id = ? and pa.brand_id = l.brand_id
     where l.id in (${placeholders(ids.length)})`,
    [opts.retailerId, ...ids],
  );
  return found.map((r) => toListingView(r, opts.retailerId));
}
