import { AppError, badInput, fromMinorUnits, type Money, toMinorUnits } from '@tradegraph/shared';
import type { PriceBasis, PricingMode } from '../entities/index.ts';
import type { RetailerErrorCode } from '../generated/resolvers.ts';
import { fail } from './errors.ts';

/**
 * Listing prices, in integer minor units of the storefront currency.
 *
 * - FIXED: the price the retailer typed (must be in the storefront currency).
 * - MARKUP over MSRP: the variant's MSRP (from catalog.product.changed), which
 *   must be in the storefront currency.
 * - MARKUP over WHOLESALE: the lowest ACTIVE supplier offer for the variant in
 *   the storefront currency (from supplier.offer.changed).
 *
 * A markup is stored in basis points (hundredths of a percent: 12.5 % = 1250)
 * and applied as base × (10000 + bp) / 10000, rounded half up to the
 * currency's minor unit (0.5 of a cent rounds to the next cent; JPY rounds to
 * whole yen). Bases and markups are integers, so the arithmetic is exact
 * (BigInt) and the only rounding is that final one. A listing without its own
 * markup follows the storefront's default markup over MSRP (or over wholesale
 * when its basis is WHOLESALE).
 */

export const MIN_MARKUP_BP = -9_999;
export const MAX_MARKUP_BP = 100_000;
/** 10^13 minor units: far above any real price, well inside 2^53. */
export const MAX_PRICE_MINOR = 10_000_000_000_000;

export function applyMarkup(baseMinor: number, markupBp: number): number {
  const scaled = BigInt(baseMinor) * BigInt(10_000 + markupBp);
  const rounded = (scaled + 5_000n) / 10_000n; // half up (all operands are >= 0)
  return Number(rounded);
}

/** "12.5" → 1250 basis points; at most two decimals, between -99.99 % and 1000 %. */
export function parseMarkupPercent(value: unknown, field = 'markupPercent'): number {
  const text = typeof value === 'number' ? String(value) : typeof value === 'string' ? value.trim() : '';
  const m = /^(-?)(\d{1,4})(?:\.(\d{1,2}))?$/.exec(text);
  if (!m) {
    return fail(
      'INVALID_MARKUP',
      'markupPercent must be a decimal with at most two decimal places, e.g. "25" or "12.5"',
      field,
    );
  }
  const bp = (Number(m[2]) * 100 + Number((m[3] ?? '').padEnd(2, '0'))) * (m[1] ? -1 : 1);
  if (bp < MIN_MARKUP_BP || bp > MAX_MARKUP_BP) {
    fail('INVALID_MARKUP', 'markupPercent must be between -99.99 and 1000', field);
  }
  return bp;
}

/** 1250 → "12.50". */
export function markupPercentOf(bp: number): string {
  const sign = bp < 0 ? '-' : '';
  const abs = Math.abs(bp);
  return `${sign}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, '0')}`;
}

/** A positive price in `currencyCode` → minor units; userErrors for another currency or a bad amount. */
export function parseFixedPrice(price: Money, currencyCode: string, field = 'price'): number {
  if (!price || typeof price.amount !== 'string' || typeof price.currencyCode !== 'string') {
    throw badInput('price needs amount and currencyCode', field);
  }
  if (price.currencyCode !== currencyCode) {
    fail(
      'CURRENCY_MISMATCH',
      `The price must be in the storefront currency ${currencyCode}, not ${price.currencyCode}`,
      field,
    );
  }
  let minor: bigint;
  try {
    minor = toMinorUnits(price, field);
  } catch (err) {
    // toMinorUnits refuses a malformed amount or too many decimals with BAD_USER_INPUT
    if (!(err instanceof AppError)) throw err;
    return fail('INVALID_MONEY', err.message, field);
  }
  if (minor <= 0n) fail('INVALID_PRICE', 'The price must be greater than zero', field);
  if (minor > BigInt(MAX_PRICE_MINOR)) fail('INVALID_PRICE', 'The price is too large', field);
  return Number(minor);
}

export function money(minor: number, currencyCode: string): Money {
  return fromMinorUnits(minor, currencyCode);
}

/** What a listing's price is computed from (its pricing columns). */
export interface PricingRule {
  pricingMode: PricingMode;
  priceBasis: PriceBasis | null;
  fixedPriceMinor: number | null;
  markupBp: number | null;
  currencyCode: string;
}

/** The projected facts a price depends on. */
export interface PricingFacts {
  msrpMinor: number | null;
  msrpCurrency: string | null;
  /** Lowest active wholesale price in the listing's currency, or null. */
  lowestWholesaleMinor: number | null;
}

export type PriceResult =
  | { ok: true; priceMinor: number }
  | { ok: false; code: RetailerErrorCode; message: string };

export function computePrice(
  rule: PricingRule,
  storefrontDefaultBp: number,
  facts: PricingFacts,
): PriceResult {
  if (rule.pricingMode === 'FIXED') {
    if (rule.fixedPriceMinor === null) return { ok: false, code: 'INVALID_PRICE', message: 'No fixed price' };
    return { ok: true, priceMinor: rule.fixedPriceMinor };
  }
  const bp = rule.markupBp ?? storefrontDefaultBp;
  let base: number;
  if (rule.priceBasis === 'WHOLESALE') {
    if (facts.lowestWholesaleMinor === null) {
      return {
        ok: false,
        code: 'NO_WHOLESALE_PRICE',
        message: `No supplier offers this variant in ${rule.currencyCode}`,
      };
    }
    base = facts.lowestWholesaleMinor;
  } else {
    if (facts.msrpMinor === null || facts.msrpCurrency === null) {
      return { ok: false, code: 'MSRP_UNAVAILABLE', message: 'The brand has set no MSRP for this variant' };
    }
    if (facts.msrpCurrency !== rule.currencyCode) {
      return {
        ok: false,
        code: 'CURRENCY_MISMATCH',
        message: `The MSRP is in ${facts.msrpCurrency}, the storefront sells in ${rule.currencyCode}`,
      };
    }
    base = facts.msrpMinor;
  }
  const priceMinor = applyMarkup(base, bp);
  if (priceMinor <= 0) return { ok: false, code: 'INVALID_PRICE', message: 'The computed price is zero' };
  if (priceMinor > MAX_PRICE_MINOR)
    return { ok: false, code: 'INVALID_PRICE', message: 'The price is too large' };
  return { ok: true, priceMinor };
}
