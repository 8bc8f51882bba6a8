import type { PriceBasis, PricingMode } from '../entities/index.ts';
import type { ProjectionFacts } from '../store/projections.ts';
import { computePrice, type PricingFacts } from './pricing.ts';

/**
 * Decisions about the projections kept from other services' events and the
 * listing columns derived from them: pure rules, no database (the rows are
 * read and written in store/projections.ts and store/refresh.ts).
 */

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

/** Order of a connection's statuses, to break ties between events of the same millisecond (kernel `supersedes`). */
const STATUS_RANK: Record<string, number> = { PENDING: 0, ACTIVE: 1, DECLINED: 2, REVOKED: 2 };
export const connectionRank = (stored: string, incoming: string) => ({
  stored: STATUS_RANK[stored] ?? 0,
  incoming: STATUS_RANK[incoming] ?? 0,
});

/** A minor-unit amount from an event ("1999"), or null when absent or not a non-negative integer. */
export function minorOrNull(value: string | null | undefined): string | null {
  return typeof value === 'string' && /^\d{1,15}$/.test(value) ? value : null;
}

/** What a listing's derived columns follow from (its own pricing rule and title override). */
export interface ListingRule {
  variantId: string;
  pricingMode: PricingMode;
  priceBasis: PriceBasis | null;
  fixedPriceMinor: number | null;
  markupBp: number | null;
  currencyCode: string;
  titleOverride: string | null;
  fallbackTitle: string;
}

export interface DerivedFields {
  title: string;
  priceMinor: number | null;
  variantActive: boolean;
  available: boolean;
}

/** The derived fields of one listing from the facts (priceMinor null when it cannot be priced now). */
export function deriveListing(
  listing: ListingRule,
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
