import { type EntityManager, placeholders, qualified, rows } from '@tradegraph/shared';
import type { PricingFacts } from './pricing.ts';

/**
 * Reads of the projections kept in the service database from other services'
 * events. Each function is one statement for any number of variants.
 */

export interface VariantProjection {
  variantId: string;
  productId: string;
  brandId: string;
  productName: string;
  sku: string;
  options: { name: string; value: string }[];
  displayName: string;
  status: string;
  msrpMinor: number | null;
  msrpCurrency: string | null;
}

interface VariantRow {
  variant_id: string;
  product_id: string;
  brand_id: string;
  product_name: string;
  sku: string;
  options: string | { name: string; value: string }[];
  display_name: string;
  status: string;
  msrp_minor: number | string | null;
  msrp_currency: string | null;
}

/**
 * `lock`: read with shared locks (the latest committed rows, held to the end
 * of the transaction). A write that derives listing columns from projections
 * first writes its own row (listing, listing_index) and then reads the facts
 * locked, while a consumer first writes its fact and then reads the listings
 * locked: whichever runs second waits for the other, so neither derives from
 * a state the other is about to change (docs/retailer.md, "Consistency").
 */
const lockClause = (lock: boolean | undefined) => (lock ? ' lock in share mode' : '');

export async function loadVariants(
  em: EntityManager,
  serviceDb: string,
  variantIds: readonly string[],
  lock?: boolean,
): Promise<Map<string, VariantProjection>> {
  const out = new Map<string, VariantProjection>();
  if (!variantIds.length) return out;
  const found = await rows<VariantRow>(
    em,
    `select variant_id, product_id, brand_id, product_name, sku, options, display_name, status, msrp_minor, msrp_currency
     from ${qualified(serviceDb, 'catalog_variants')} where variant_id in (${placeholders(variantIds.length)})${lockClause(lock)}`,
    [...variantIds],
  );
  for (const r of found) {
    out.set(r.variant_id, {
      variantId: r.variant_id,
      productId: r.product_id,
      brandId: r.brand_id,
      productName: r.product_name,
      sku: r.sku,
      options: typeof r.options === 'string' ? JSON.parse(r.options) : r.options,
      displayName: r.display_name,
      status: r.status,
      msrpMinor: r.msrp_minor === null ? null : Number(r.msrp_minor),
      msrpCurrency: r.msrp_currency,
    });
  }
  return out;
}

/** Lowest ACTIVE wholesale price per variant and currency: key `${variantId}|${currency}`. */
export async function loadLowestWholesale(
  em: EntityManager,
  serviceDb: string,
  variantIds: readonly string[],
  lock?: boolean,
): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  if (!variantIds.length) return out;
  // the active filter is applied after the scan, so that a locked read also
  // locks the rows (and gaps) of offers that may become active
  const found = await rows<{ variant_id: string; currency_code: string; lowest: number | string }>(
    em,
    `select variant_id, currency_code, min(if(active = 1, wholesale_minor, null)) as lowest
     from ${qualified(serviceDb, 'variant_offers')}
     where variant_id in (${placeholders(variantIds.length)})
     group by variant_id, currency_code${lockClause(lock)}`,
    [...variantIds],
  );
  for (const r of found) {
    if (r.lowest !== null) out.set(`${r.variant_id}|${r.currency_code}`, Number(r.lowest));
  }
  return out;
}

/**
 * Variants some supplier has available stock of while holding an ACTIVE
 * FULFILL_ORDERS connection to the variant's brand (as `availableQuantity`).
 */
export async function loadStocked(
  em: EntityManager,
  serviceDb: string,
  variantIds: readonly string[],
  lock?: boolean,
): Promise<Set<string>> {
  if (!variantIds.length) return new Set();
  // A join rather than `exists`: a locking read locks the rows of joined
  // tables, not those of a subquery. Filters on quantities and status are
  // applied after the scan for the same reason (rows that may change are locked).
  const found = await rows<{ variant_id: string; stocked: number | string }>(
    em,
    `select vs.variant_id, max(vs.total_available > 0 and sf.active = 1) as stocked
     from ${qualified(serviceDb, 'variant_stock')} vs
     join ${qualified(serviceDb, 'catalog_variants')} cv on cv.variant_id = vs.variant_id
     left join ${qualified(serviceDb, 'supplier_fulfilment')} sf
       on sf.supplier_id = vs.supplier_id and sf.brand_id = cv.brand_id
     where vs.variant_id in (${placeholders(variantIds.length)})
     group by vs.variant_id${lockClause(lock)}`,
    [...variantIds],
  );
  return new Set(found.filter((r) => Number(r.stocked) === 1).map((r) => r.variant_id));
}

/** Whether the retailer may sell the brand's products now (ACTIVE connection with SELL_PRODUCTS). */
export async function canSell(
  em: EntityManager,
  serviceDb: string,
  retailerId: string,
  brandId: string,
): Promise<boolean> {
  const [r] = await rows<{ can_sell: number }>(
    em,
    `select can_sell from ${qualified(serviceDb, 'partner_access')} where retailer_id = ? and brand_id = ?`,
    [retailerId, brandId],
  );
  return Boolean(Number(r?.can_sell ?? 0));
}

/** Everything prices and derived listing fields depend on, for a set of variants (three statements). */
export interface ProjectionFacts {
  variants: Map<string, VariantProjection>;
  wholesale: Map<string, number>;
  stocked: Set<string>;
}

export async function loadFacts(
  em: EntityManager,
  serviceDb: string,
  variantIds: readonly string[],
  lock?: boolean,
): Promise<ProjectionFacts> {
  const ids = [...new Set(variantIds)];
  const [variants, wholesale, stocked] = await Promise.all([
    loadVariants(em, serviceDb, ids, lock),
    loadLowestWholesale(em, serviceDb, ids, lock),
    loadStocked(em, serviceDb, ids, lock),
  ]);
  return { variants, wholesale, stocked };
}

export function pricingFacts(facts: ProjectionFacts, variantId: string, currencyCode: string): PricingFacts {
  const v = facts.variants.get(variantId);
  return {
    msrpMinor: v?.msrpMinor ?? null,
    msrpCurrency: v?.msrpCurrency ?? null,
    lowestWholesaleMinor: facts.wholesale.get(`${variantId}|${currencyCode}`) ?? null,
  };
}

/** "Trail Shoe — Red / 42": the product name and the variant's option values. */
export function displayNameOf(productName: string, options: { name: string; value: string }[]): string {
  const values = options.map((o) => o.value).filter(Boolean);
  const name = values.length ? `${productName} — ${values.join(' / ')}` : productName;
  return name.slice(0, 300);
}
