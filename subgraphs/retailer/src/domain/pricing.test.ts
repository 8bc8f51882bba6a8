import { UserErrors } from '@tradegraph/shared';
import { describe, expect, it } from 'vitest';
import { applyMarkup, computePrice, markupPercentOf, parseMarkupPercent } from './pricing.ts';
import { displayNameOf } from './projections.ts';

const codeOf = (fn: () => unknown) => {
  try {
    fn();
  } catch (err) {
    return err instanceof UserErrors ? err.errors[0]!.code : String(err);
  }
  return null;
};

describe('pricing rules', () => {
  it('applies markups exactly and rounds half up once', () => {
    expect(applyMarkup(1999, 2500)).toBe(2499); // 24.9875 → 24.99
    expect(applyMarkup(100, 50)).toBe(101); // 1.005 → 1.01 (exact half)
    expect(applyMarkup(100, 49)).toBe(100); // 1.0049 → 1.00
    expect(applyMarkup(1999, 1000)).toBe(2199); // ¥2198.9 → ¥2199
    expect(applyMarkup(1000, -1000)).toBe(900);
    expect(applyMarkup(1, -9999)).toBe(0);
    expect(applyMarkup(9_007_199_254_740, 100_000)).toBe(99_079_191_802_140); // BigInt: no float error
  });

  it('parses markups to basis points and back', () => {
    expect(parseMarkupPercent('25')).toBe(2500);
    expect(parseMarkupPercent('12.5')).toBe(1250);
    expect(parseMarkupPercent('-99.99')).toBe(-9999);
    expect(parseMarkupPercent('1000')).toBe(100_000);
    expect(markupPercentOf(1250)).toBe('12.50');
    expect(markupPercentOf(-5)).toBe('-0.05');
    for (const bad of ['12.345', '-100', '1000.01', 'ten', '', '1e3']) {
      expect(
        codeOf(() => parseMarkupPercent(bad)),
        bad,
      ).toBe('INVALID_MARKUP');
    }
  });

  it('computes each mode from its facts and names what is missing', () => {
    const facts = { msrpMinor: 1999, msrpCurrency: 'EUR', lowestWholesaleMinor: 1000 };
    const rule = {
      pricingMode: 'MARKUP' as const,
      priceBasis: 'MSRP' as const,
      fixedPriceMinor: null,
      markupBp: null,
      currencyCode: 'EUR',
    };
    expect(computePrice(rule, 2500, facts)).toEqual({ ok: true, priceMinor: 2499 });
    expect(computePrice({ ...rule, markupBp: 1250 }, 2500, facts)).toEqual({ ok: true, priceMinor: 2249 });
    expect(computePrice({ ...rule, priceBasis: 'WHOLESALE', markupBp: 3333 }, 0, facts)).toEqual({
      ok: true,
      priceMinor: 1333,
    });
    expect(computePrice({ ...rule, pricingMode: 'FIXED', fixedPriceMinor: 1500 }, 0, facts)).toEqual({
      ok: true,
      priceMinor: 1500,
    });
    expect(computePrice({ ...rule, currencyCode: 'USD' }, 0, facts)).toMatchObject({
      ok: false,
      code: 'CURRENCY_MISMATCH',
    });
    expect(computePrice(rule, 0, { ...facts, msrpMinor: null, msrpCurrency: null })).toMatchObject({
      ok: false,
      code: 'MSRP_UNAVAILABLE',
    });
    expect(
      computePrice({ ...rule, priceBasis: 'WHOLESALE' }, 0, { ...facts, lowestWholesaleMinor: null }),
    ).toMatchObject({
      ok: false,
      code: 'NO_WHOLESALE_PRICE',
    });
    expect(computePrice({ ...rule, markupBp: -9999 }, 0, { ...facts, msrpMinor: 1 })).toMatchObject({
      ok: false,
      code: 'INVALID_PRICE',
    });
  });

  it('titles variants from the product name and option values', () => {
    expect(
      displayNameOf('Trail Shoe', [
        { name: 'Color', value: 'Red' },
        { name: 'Size', value: '42' },
      ]),
    ).toBe('Trail Shoe — Red / 42');
    expect(displayNameOf('Cap', [])).toBe('Cap');
    expect(displayNameOf('x'.repeat(400), [])).toHaveLength(300);
  });
});
