import {
  type EntityManager,
  type Logger,
  placeholders,
  qualified,
  rows,
  type TenantRegistry,
} from '@tradegraph/shared';
import type { PriceBasis, PricingMode } from '../entities/index.ts';
import { computePrice } from './pricing.ts';
import { loadFacts, type ProjectionFacts, pricingFacts } from './projections.ts';

/**
 * Keeps the derived columns of listings (title, price, priced, variant_active,
 * available) in step with the projections. Called in the transaction that
 * changed a projection (event handlers) or a pricing input (storefront default
 * markup), so browsing reads them from the listing row with one indexed query.
 */

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

export interface DerivedFields {
  title: string;
  priceMinor: number | null;
  variantActive: boolean;
  available: boolean;
}

/** The derived fields of one listing from the facts (priceMinor null when it cannot be priced now). */
export function deriveListing(
  listing: {
    variantId: string;
    pricingMode: PricingMode;
    priceBasis: PriceBasis | null;
    fixedPriceMinor: number | null;
    markupBp: number | null;
    currencyCode: string;
    titleOverride: string | null;
    fallbackTitle: string;
  },
  storefrontDefaultBp: number,
  facts: ProjectionFacts,
): DerivedFields {
  const variant = facts.variants.get(listing.variantId);
  const price = computePrice(
    listing,
    storefrontDefaultBp,
    pricingFacts(facts, listing.variantId, listing.currencyCode),
  );
  return {
    title: listing.titleOverride ?? variant?.displayName ?? listing.fallbackTitle,
    priceMinor: price.ok ? price.priceMinor : null,
    variantActive: variant?.status === 'ACTIVE',
    available: facts.stocked.has(listing.variantId),
  };
}

const CHUNK = 200;

/**
 * Recomputes the active listings of one tenant database matching `filter`.
 * `facts` may be given when the caller already loaded them for these variants.
 * Returns how many rows changed.
 */
export async function refreshTenantListings(
  em: EntityManager,
  serviceDb: string,
  tenantDb: string,
  filter: { variantIds: readonly string[] } | { storefrontId: string },
  given?: ProjectionFacts,
): Promise<number> {
  if ('variantIds' in filter && !filter.variantIds.length) return 0;
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
  if (!found.length) return 0;
  const facts =
    given ??
    (await loadFacts(
      em,
      serviceDb,
      found.map((r) => r.variant_id),
      true,
    ));
  const changes: {
    id: string;
    title: string;
    price: number;
    priced: number;
    active: number;
    available: number;
  }[] = [];
  for (const r of found) {
    const d = deriveListing(
      {
        variantId: r.variant_id,
        pricingMode: r.pricing_mode,
        priceBasis: r.price_basis,
        fixedPriceMinor: r.fixed_price_minor === null ? null : Number(r.fixed_price_minor),
        markupBp: r.markup_bp === null ? null : Number(r.markup_bp),
        currencyCode: r.currency_code,
        titleOverride: r.title_override,
        fallbackTitle: r.title,
      },
      Number(r.default_markup_bp),
      facts,
    );
    const next = {
      id: r.id,
      title: d.title,
      price: d.priceMinor ?? Number(r.price_minor),
      priced: d.priceMinor === null ? 0 : 1,
      active: d.variantActive ? 1 : 0,
      available: d.available ? 1 : 0,
    };
    if (
      next.title !== r.title ||
      next.price !== Number(r.price_minor) ||
      next.priced !== Number(r.priced) ||
      next.active !== Number(r.variant_active) ||
      next.available !== Number(r.available)
    ) {
      changes.push(next);
    }
  }
  for (let i = 0; i < changes.length; i += CHUNK) {
    const part = changes.slice(i, i + CHUNK);
    const cases = (col: keyof (typeof part)[number]) => ({
      sql: `case id ${part.map(() => 'when ? then ?').join(' ')} end`,
      params: part.flatMap((c) => [c.id, c[col]]),
    });
    const cols = [
      ['title', cases('title')],
      ['price_minor', cases('price')],
      ['priced', cases('priced')],
      ['variant_active', cases('active')],
      ['available', cases('available')],
    ] as const;
    await em.execute(
      `update ${L} set ${cols.map(([name, c]) => `${name} = ${c.sql}`).join(', ')}
       where id in (${placeholders(part.length)})`,
      [...cols.flatMap(([, c]) => c.params), ...part.map((c) => c.id)],
    );
  }
  return changes.length;
}

/**
 * After projections of `variantIds` changed: refreshes the listings of those
 * variants in every retailer database that lists them (found through the
 * service database's listing index; projections are loaded once).
 */
export async function refreshVariantListings(
  em: EntityManager,
  deps: { serviceDb: string; registry: TenantRegistry; logger: Logger },
  variantIds: readonly string[],
): Promise<number> {
  const ids = [...new Set(variantIds)];
  if (!ids.length) return 0;
  const retailers = await rows<{ retailer_id: string }>(
    em,
    // Locked: a listing being created for one of these variants is waited for,
    // then seen (see loadFacts: writers of listings read the facts locked).
    `select distinct retailer_id from ${qualified(deps.serviceDb, 'listing_index')}
     where variant_id in (${placeholders(ids.length)}) and active = 1 lock in share mode`,
    ids,
  );
  if (!retailers.length) return 0;
  const facts = await loadFacts(em, deps.serviceDb, ids, true);
  let changed = 0;
  for (const { retailer_id } of retailers) {
    const tenant = await deps.registry.byOrganization(retailer_id);
    if (!tenant) {
      deps.logger.warn(
        { retailerId: retailer_id },
        'listing index names a retailer without a tenant database',
      );
      continue;
    }
    changed += await refreshTenantListings(em, deps.serviceDb, tenant.dbName, { variantIds: ids }, facts);
  }
  return changed;
}

const BRAND_CHUNK = 500;

/**
 * After a supplier's fulfilment access to `brandId` changed: refreshes every
 * active listing of the brand's variants in every retailer database (found
 * through `listing_index`, in chunks of variants).
 */
export async function refreshBrandListings(
  em: EntityManager,
  deps: { serviceDb: string; registry: TenantRegistry; logger: Logger },
  brandId: string,
): Promise<number> {
  const found = await rows<{ variant_id: string }>(
    em,
    `select distinct variant_id from ${qualified(deps.serviceDb, 'listing_index')}
     where brand_id = ? and active = 1 order by variant_id lock in share mode`,
    [brandId],
  );
  const ids = found.map((r) => r.variant_id);
  let changed = 0;
  for (let i = 0; i < ids.length; i += BRAND_CHUNK) {
    changed += await refreshVariantListings(em, deps, ids.slice(i, i + BRAND_CHUNK));
  }
  return changed;
}
