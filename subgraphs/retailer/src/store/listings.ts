import { LockMode, type RequiredEntityData } from '@mikro-orm/core';
import { type EntityManager, placeholders, qualified, rows, utcDate } from '@tradegraph/shared';
import type { ListingRule } from '../domain/projections.ts';
import {
  Listing,
  type ListingStatus,
  type PriceBasis,
  type PricingMode,
  Storefront,
} from '../entities/index.ts';
import type { ListingEventFacts } from '../events/publish.ts';

/**
 * Listing rows (tenant database) and the listing index (service database):
 * SQL and ORM only, rows parsed into typed values here.
 */

/** The storefront row, if the tenant database holds it. */
export async function storefrontExists(em: EntityManager, id: string): Promise<boolean> {
  return (await em.count(Storefront, { id })) > 0;
}

/** The storefront, read with a shared lock (a concurrent default-markup change is waited for). */
export function lockStorefrontShared(em: EntityManager, id: string): Promise<Storefront | null> {
  return em.findOne(Storefront, { id }, { lockMode: LockMode.PESSIMISTIC_READ });
}

export function findStorefront(em: EntityManager, id: string): Promise<Storefront | null> {
  return em.findOne(Storefront, { id });
}

/** Whether an active listing already holds this storefront|variant key. */
export async function activeKeyTaken(em: EntityManager, activeKey: string): Promise<boolean> {
  return (await em.count(Listing, { activeKey })) > 0;
}

/** A new listing, flushed with the unit of work. */
export function insertListing(em: EntityManager, data: RequiredEntityData<Listing>): Listing {
  return em.create(Listing, data);
}

/** The listing, locked for update. */
export function lockListing(em: EntityManager, id: string): Promise<Listing | null> {
  return em.findOne(Listing, { id }, { lockMode: LockMode.PESSIMISTIC_WRITE });
}

/** The service database's index row of a listing (fans projection changes out to retailers). */
export async function writeIndex(
  em: EntityManager,
  serviceDb: string,
  l: Pick<Listing, 'id' | 'storefrontId' | 'variantId' | 'brandId'>,
  retailerId: string,
  active: boolean,
): Promise<void> {
  await em.execute(
    `insert into ${qualified(serviceDb, 'listing_index')}
     (listing_id, retailer_id, storefront_id, variant_id, brand_id, active) values (?, ?, ?, ?, ?, ?)
     on duplicate key update active = values(active)`,
    [l.id, retailerId, l.storefrontId, l.variantId, l.brandId, active ? 1 : 0],
  );
}

/**
 * Retailers with an active listing of one of `variantIds`, locked: a listing
 * being created for one of these variants is waited for, then seen (writers
 * of listings read the facts locked, see store/projections.ts).
 */
export async function retailersListing(
  em: EntityManager,
  serviceDb: string,
  variantIds: readonly string[],
): Promise<string[]> {
  const found = await rows<{ retailer_id: string }>(
    em,
    `select distinct retailer_id from ${qualified(serviceDb, 'listing_index')}
     where variant_id in (${placeholders(variantIds.length)}) and active = 1 lock in share mode`,
    [...variantIds],
  );
  return found.map((r) => r.retailer_id);
}

/** Variants of the brand some retailer lists (active), locked as above. */
export async function listedVariantsOfBrand(
  em: EntityManager,
  serviceDb: string,
  brandId: string,
): Promise<string[]> {
  const found = await rows<{ variant_id: string }>(
    em,
    `select distinct variant_id from ${qualified(serviceDb, 'listing_index')}
     where brand_id = ? and active = 1 order by variant_id lock in share mode`,
    [brandId],
  );
  return found.map((r) => r.variant_id);
}

interface RefreshRow {
  id: string;
  variant_id: string;
  pricing_mode: PricingMode;
  price_basis: PriceBasis | null;
  fixed_price_minor: number | string | null;
  markup_bp: number | null;
  currency_code: string;
  title_override: string | null;
  title: string;
  price_minor: number | string;
  priced: number;
  variant_active: number;
  available: number;
  default_markup_bp: number;
}

/** The derived columns of a listing row, as stored. */
export interface DerivedColumns {
  title: string;
  priceMinor: number;
  priced: boolean;
  variantActive: boolean;
  available: boolean;
}

/** An active listing to recompute: its rule, its storefront's default markup, its stored derived columns. */
export interface ListingToRefresh {
  id: string;
  rule: ListingRule;
  defaultMarkupBp: number;
  stored: DerivedColumns;
}

/** Active listings of one tenant database matching `filter`, locked for update. */
export async function lockListingsToRefresh(
  em: EntityManager,
  tenantDb: string,
  filter: { variantIds: readonly string[] } | { storefrontId: string },
): Promise<ListingToRefresh[]> {
  const L = qualified(tenantDb, 'listings');
  const S = qualified(tenantDb, 'storefronts');
  const where =
    'variantIds' in filter
      ? `l.variant_id in (${placeholders(filter.variantIds.length)})`
      : 'l.storefront_id = ?';
  const params = 'variantIds' in filter ? [...filter.variantIds] : [filter.storefrontId];
  const found = await rows<RefreshRow>(
    em,
    `select l.id, l.variant_id, l.pricing_mode, l.price_basis, l.fixed_price_minor, l.markup_bp, l.currency_code,
            l.title_override, l.title, l.price_minor, l.priced, l.variant_active, l.available, s.default_markup_bp
     from ${L} l join ${S} s on s.id = l.storefront_id
     where ${where} and l.status = 'ACTIVE'
     for update`,
    params,
  );
  return found.map((r) => ({
    id: r.id,
    rule: {
      variantId: r.variant_id,
      pricingMode: r.pricing_mode,
      priceBasis: r.price_basis,
      fixedPriceMinor: r.fixed_price_minor === null ? null : Number(r.fixed_price_minor),
      markupBp: r.markup_bp === null ? null : Number(r.markup_bp),
      currencyCode: r.currency_code,
      titleOverride: r.title_override,
      fallbackTitle: r.title,
    },
    defaultMarkupBp: Number(r.default_markup_bp),
    stored: {
      title: r.title,
      priceMinor: Number(r.price_minor),
      priced: Number(r.priced) === 1,
      variantActive: Number(r.variant_active) === 1,
      available: Number(r.available) === 1,
    },
  }));
}

const CHUNK = 200;

/** Writes new derived columns, CHUNK listings per statement. */
export async function updateDerivedColumns(
  em: EntityManager,
  tenantDb: string,
  changes: readonly ({ id: string } & DerivedColumns)[],
): Promise<void> {
  const L = qualified(tenantDb, 'listings');
  for (let i = 0; i < changes.length; i += CHUNK) {
    const part = changes.slice(i, i + CHUNK);
    const cases = (value: (c: (typeof part)[number]) => string | number) => ({
      sql: `case id ${part.map(() => 'when ? then ?').join(' ')} end`,
      params: part.flatMap((c) => [c.id, value(c)]),
    });
    const cols = [
      ['title', cases((c) => c.title)],
      ['price_minor', cases((c) => c.priceMinor)],
      ['priced', cases((c) => (c.priced ? 1 : 0))],
      ['variant_active', cases((c) => (c.variantActive ? 1 : 0))],
      ['available', cases((c) => (c.available ? 1 : 0))],
    ] as const;
    await em.execute(
      `update ${L} set ${cols.map(([name, c]) => `${name} = ${c.sql}`).join(', ')}
       where id in (${placeholders(part.length)})`,
      [...cols.flatMap(([, c]) => c.params), ...part.map((c) => c.id)],
    );
  }
}

/**
 * What retailer.listing.changed says of every active listing selected by
 * `where` in a tenant database, with visibility from the storefront's
 * published flag and the retailer's partner access (one statement).
 */
export async function activeListingEvents(
  em: EntityManager,
  opts: {
    serviceDb: string;
    tenantDb: string;
    retailerId: string;
    where: { storefrontId: string } | { brandId: string } | { listingIds: readonly string[] };
  },
): Promise<ListingEventFacts[]> {
  const L = qualified(opts.tenantDb, 'listings');
  const S = qualified(opts.tenantDb, 'storefronts');
  const PA = qualified(opts.serviceDb, 'partner_access');
  const w = opts.where;
  if ('listingIds' in w && !w.listingIds.length) return [];
  const [cond, params] =
    'storefrontId' in w
      ? ['l.storefront_id = ?', [w.storefrontId]]
      : 'brandId' in w
        ? ['l.brand_id = ?', [w.brandId]]
        : [`l.id in (${placeholders(w.listingIds.length)})`, [...w.listingIds]];
  const found = await rows<{
    id: string;
    storefront_id: string;
    variant_id: string;
    brand_id: string;
    price_minor: number | string;
    currency_code: string;
    title: string;
    published: number;
    can_sell: number | null;
  }>(
    em,
    `select l.id, l.storefront_id, l.variant_id, l.brand_id, l.price_minor, l.currency_code, l.title,
            s.published, pa.can_sell
     from ${L} l join ${S} s on s.id = l.storefront_id
     left join ${PA} pa on pa.retailer_id = ? and pa.brand_id = l.brand_id
     where l.status = 'ACTIVE' and ${cond}
     order by l.id`,
    [opts.retailerId, ...params],
  );
  return found.map((r) => ({
    listingId: r.id,
    retailerId: opts.retailerId,
    storefrontId: r.storefront_id,
    variantId: r.variant_id,
    brandId: r.brand_id,
    visible: Boolean(Number(r.published)) && Boolean(Number(r.can_sell ?? 0)),
    removed: false,
    priceMinor: Number(r.price_minor),
    currencyCode: r.currency_code,
    title: r.title,
  }));
}

export interface ListingView {
  id: string;
  retailerId: string;
  storefrontId: string;
  variantId: string;
  productId: string;
  brandId: string;
  status: ListingStatus;
  title: string;
  titleOverride: string | null;
  description: string | null;
  priceMinor: number;
  currencyCode: string;
  priced: boolean;
  available: boolean;
  variantActive: boolean;
  /** Shoppers can see and buy it now. */
  visible: boolean;
  pricingMode: PricingMode;
  priceBasis: PriceBasis | null;
  markupBp: number | null;
  fixedPriceMinor: number | null;
  createdAt: Date;
  updatedAt: Date;
}

export const LISTING_COLUMNS = `l.id, l.storefront_id, l.variant_id, l.product_id, l.brand_id, l.status, l.title,
  l.title_override, l.description, l.price_minor, l.currency_code, l.priced, l.available, l.variant_active,
  l.pricing_mode, l.price_basis, l.markup_bp, l.fixed_price_minor, l.created_at, l.updated_at`;

export interface ListingRow {
  id: string;
  storefront_id: string;
  variant_id: string;
  product_id: string;
  brand_id: string;
  status: ListingStatus;
  title: string;
  title_override: string | null;
  description: string | null;
  price_minor: number | string;
  currency_code: string;
  priced: number;
  available: number;
  variant_active: number;
  pricing_mode: PricingMode;
  price_basis: PriceBasis | null;
  markup_bp: number | null;
  fixed_price_minor: number | string | null;
  created_at: Date | string;
  updated_at: Date | string;
  visible: number | string;
}

export function toListingView(r: ListingRow, retailerId: string): ListingView {
  return {
    id: r.id,
    retailerId,
    storefrontId: r.storefront_id,
    variantId: r.variant_id,
    productId: r.product_id,
    brandId: r.brand_id,
    status: r.status,
    title: r.title,
    titleOverride: r.title_override,
    description: r.description,
    priceMinor: Number(r.price_minor),
    currencyCode: r.currency_code,
    priced: Boolean(Number(r.priced)),
    available: Boolean(Number(r.available)),
    variantActive: Boolean(Number(r.variant_active)),
    visible: Boolean(Number(r.visible)),
    pricingMode: r.pricing_mode,
    priceBasis: r.price_basis,
    markupBp: r.markup_bp === null ? null : Number(r.markup_bp),
    fixedPriceMinor: r.fixed_price_minor === null ? null : Number(r.fixed_price_minor),
    createdAt: utcDate(r.created_at),
    updatedAt: utcDate(r.updated_at),
  };
}

/** SQL expression: the listing is visible to shoppers (storefront published, brand sellable, priced, product active). */
export const VISIBLE_SQL = `(s.published = 1 and l.status = 'ACTIVE' and l.variant_active = 1 and l.priced = 1
  and coalesce(pa.can_sell, 0) = 1)`;

/** A listing entity as the view resolvers and events read. */
export function listingViewOf(l: Listing, retailerId: string, visible: boolean): ListingView {
  return {
    id: l.id,
    retailerId,
    storefrontId: l.storefrontId,
    variantId: l.variantId,
    productId: l.productId,
    brandId: l.brandId,
    status: l.status,
    title: l.title,
    titleOverride: l.titleOverride ?? null,
    description: l.description ?? null,
    priceMinor: Number(l.priceMinor),
    currencyCode: l.currencyCode,
    priced: l.priced,
    available: l.available,
    variantActive: l.variantActive,
    visible,
    pricingMode: l.pricingMode,
    priceBasis: l.priceBasis ?? null,
    markupBp: l.markupBp ?? null,
    fixedPriceMinor:
      l.fixedPriceMinor === null || l.fixedPriceMinor === undefined ? null : Number(l.fixedPriceMinor),
    createdAt: l.createdAt,
    updatedAt: l.updatedAt,
  };
}
