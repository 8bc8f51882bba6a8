import { supersedes } from '@tradegraph/shared';
import { describe, expect, it } from 'vitest';
import type { ProjectionFacts, VariantProjection } from '../store/projections.ts';
import { connectionRank, deriveListing, type ListingRule, minorOrNull, pricingFacts } from './projections.ts';

const variant = (over: Partial<VariantProjection> = {}): VariantProjection => ({
  variantId: 'var_1',
  productId: 'prd_1',
  brandId: 'org_brand',
  productName: 'Trail Shoe',
  sku: 'TS-1',
  options: [{ name: 'Size', value: '42' }],
  displayName: 'Trail Shoe — 42',
  status: 'ACTIVE',
  msrpMinor: 10_000,
  msrpCurrency: 'EUR',
  ...over,
});

const facts = (over: Partial<ProjectionFacts> = {}): ProjectionFacts => ({
  variants: new Map([['var_1', variant()]]),
  wholesale: new Map([['var_1|EUR', 6_000]]),
  stocked: new Set(['var_1']),
  ...over,
});

const rule = (over: Partial<ListingRule> = {}): ListingRule => ({
  variantId: 'var_1',
  pricingMode: 'MARKUP',
  priceBasis: 'MSRP',
  fixedPriceMinor: null,
  markupBp: null,
  currencyCode: 'EUR',
  titleOverride: null,
  fallbackTitle: 'Old title',
  ...over,
});

describe('derived listing columns', () => {
  it('follow the storefront default markup over MSRP, the variant title, status and stock', () => {
    expect(deriveListing(rule(), 1_000, facts())).toEqual({
      title: 'Trail Shoe — 42',
      priceMinor: 11_000,
      variantActive: true,
      available: true,
    });
  });

  it('a markup over the lowest wholesale offer in the listing currency', () => {
    expect(deriveListing(rule({ priceBasis: 'WHOLESALE', markupBp: 5_000 }), 0, facts()).priceMinor).toBe(
      9_000,
    );
    const noEur = facts({ wholesale: new Map([['var_1|USD', 6_000]]) });
    expect(deriveListing(rule({ priceBasis: 'WHOLESALE' }), 0, noEur).priceMinor).toBeNull();
  });

  it('cannot be priced (null) when the MSRP is in another currency or gone; the override title wins', () => {
    const usd = facts({ variants: new Map([['var_1', variant({ msrpCurrency: 'USD' })]]) });
    expect(deriveListing(rule({ titleOverride: 'Mine' }), 0, usd)).toMatchObject({
      title: 'Mine',
      priceMinor: null,
    });
  });

  it('a variant the projection does not know: inactive, unavailable, the stored title kept', () => {
    const none = facts({ variants: new Map(), stocked: new Set() });
    expect(deriveListing(rule({ pricingMode: 'FIXED', fixedPriceMinor: 2_500 }), 0, none)).toEqual({
      title: 'Old title',
      priceMinor: 2_500,
      variantActive: false,
      available: false,
    });
  });

  it('pricing facts pick the wholesale price of the listing currency', () => {
    expect(pricingFacts(facts(), 'var_1', 'EUR')).toEqual({
      msrpMinor: 10_000,
      msrpCurrency: 'EUR',
      lowestWholesaleMinor: 6_000,
    });
    expect(pricingFacts(facts(), 'var_1', 'USD').lowestWholesaleMinor).toBeNull();
  });
});

describe('connection events on the projections', () => {
  const at = '2026-01-01T00:00:00.000Z';
  it('at the same millisecond a close wins over ACTIVE, and ACTIVE over PENDING', () => {
    const revoked = { eventAt: at, status: 'REVOKED' };
    expect(supersedes(revoked, at, connectionRank(revoked.status, 'ACTIVE'))).toBe(false);
    const active = { eventAt: at, status: 'ACTIVE' };
    expect(supersedes(active, at, connectionRank(active.status, 'REVOKED'))).toBe(true);
    expect(supersedes(active, at, connectionRank(active.status, 'PENDING'))).toBe(false);
  });

  it('an older event never applies, whatever its status', () => {
    const revoked = { eventAt: at, status: 'REVOKED' };
    expect(supersedes(revoked, '2025-12-31T23:59:59.999Z', connectionRank('REVOKED', 'ACTIVE'))).toBe(false);
  });
});

describe('minor amounts from events', () => {
  it('keeps non-negative integers up to 15 digits, nothing else', () => {
    expect(minorOrNull('1999')).toBe('1999');
    expect(minorOrNull('0')).toBe('0');
    for (const bad of ['-1', '1.5', '', '1e3', '1234567890123456', null, undefined]) {
      expect(minorOrNull(bad)).toBeNull();
    }
  });
});
