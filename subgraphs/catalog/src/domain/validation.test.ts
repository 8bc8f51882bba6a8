import { describe, expect, it } from 'vitest';
import { Problems } from './errors.ts';
import {
  isValidGtin,
  matchVariantOptions,
  slugOf,
  sortKeyOf,
  validateAttributes,
  validateMedia,
  validateMoney,
  validateOptions,
  validateSku,
} from './validation.ts';

/** The pure input rules of products and categories. */

const codes = (p: Problems) => p.errors.map((e) => e.code);

describe('GTIN', () => {
  it('accepts GTIN-8/12/13/14 with a valid GS1 check digit and nothing else', () => {
    expect(['96385074', '036000291452', '4006381333931', '10012345678902'].map(isValidGtin)).toEqual([
      true,
      true,
      true,
      true,
    ]);
    expect(['4006381333932', '400638133393', 'abcdefgh', ''].map(isValidGtin)).toEqual([
      false,
      false,
      false,
      false,
    ]);
  });
});

describe('SKU', () => {
  it('trims, and refuses blanks, bad characters and over-long SKUs', () => {
    const p = new Problems();
    expect(validateSku(p, '  TEE-1/S ', ['sku'])).toBe('TEE-1/S');
    expect(validateSku(p, ' ', ['a'])).toBeNull();
    expect(validateSku(p, '-lead', ['b'])).toBeNull();
    expect(validateSku(p, 'x'.repeat(65), ['c'])).toBeNull();
    expect(codes(p)).toEqual(['REQUIRED', 'INVALID_SKU', 'INVALID_SKU']);
  });
});

describe('options and variant options', () => {
  it('refuses duplicate names and values (case- and accent-insensitive) and empty options', () => {
    const p = new Problems();
    validateOptions(p, [
      { name: 'Size', values: ['S', 's'] },
      { name: 'size', values: ['M'] },
      { name: 'Colour', values: [] },
    ]);
    expect(codes(p)).toEqual(['DUPLICATE_OPTION_VALUE', 'DUPLICATE_OPTION', 'OPTION_VALUES_REQUIRED']);
  });

  it('matches a variant to the product options in their order and spelling, with one combination key', () => {
    const options = [
      { name: 'Size', values: ['S', 'M'] },
      { name: 'Colour', values: ['Red', 'Blue'] },
    ];
    const p = new Problems();
    const m = matchVariantOptions(
      p,
      options,
      [
        { name: 'colour', value: 'red' },
        { name: 'SIZE', value: 'm' },
      ],
      ['variants', 0],
    );
    expect(m?.options).toEqual([
      { name: 'Size', value: 'M' },
      { name: 'Colour', value: 'Red' },
    ]);
    expect(m?.key).toBe('m\u001fred');
    expect(p.any).toBe(false);
  });

  it('names every option a variant gets wrong', () => {
    const options = [{ name: 'Size', values: ['S'] }];
    const p = new Problems();
    expect(matchVariantOptions(p, options, [{ name: 'Fit', value: 'x' }], ['v'])).toBeNull();
    expect(matchVariantOptions(p, options, [{ name: 'Size', value: 'XL' }], ['v'])).toBeNull();
    expect(matchVariantOptions(p, options, [], ['v'])).toBeNull();
    expect(codes(p)).toEqual(['UNKNOWN_OPTION', 'INVALID_OPTION_VALUE', 'MISSING_OPTION']);
  });
});

describe('money, attributes, media, slugs', () => {
  it('MSRP: minor units with the currency’s decimals, never negative', () => {
    const p = new Problems();
    expect(validateMoney(p, { amount: '19.9', currencyCode: 'EUR' }, ['msrp'])).toEqual({
      minor: '1990',
      currency: 'EUR',
    });
    expect(validateMoney(p, { amount: '-1', currencyCode: 'EUR' }, ['a'])).toBeUndefined();
    expect(validateMoney(p, { amount: '1.5', currencyCode: 'JPY' }, ['b'])).toBeUndefined();
    expect(codes(p)).toEqual(['INVALID_MONEY', 'INVALID_MONEY']);
  });

  it('stores attribute values canonically and refuses values of the wrong type', () => {
    const p = new Problems();
    expect(
      validateAttributes(p, [
        { name: 'Weight', type: 'NUMBER', value: '007.500' },
        { name: 'Organic', type: 'BOOLEAN', value: 'TRUE' },
        { name: 'Fit', type: 'NUMBER', value: 'slim' },
      ]),
    ).toEqual([
      { name: 'Weight', type: 'NUMBER', value: '7.5' },
      { name: 'Organic', type: 'BOOLEAN', value: 'true' },
    ]);
    expect(codes(p)).toEqual(['INVALID_ATTRIBUTE_VALUE']);
  });

  it('orders media by position then input order, renumbered from 0; only http(s) URLs', () => {
    const p = new Problems();
    const media = validateMedia(p, [
      { url: 'https://cdn.example/b.jpg', position: 5 },
      { url: 'https://cdn.example/a.jpg', position: 1 },
      { url: 'ftp://cdn.example/c.jpg' },
    ]);
    expect(media.map((m) => [m.url, m.position])).toEqual([
      ['https://cdn.example/a.jpg', 0],
      ['https://cdn.example/b.jpg', 1],
    ]);
    expect(codes(p)).toEqual(['INVALID_URL']);
  });

  it('derives a slug from the name, and checks a given one', () => {
    const p = new Problems();
    expect(slugOf(p, null, 'Crème  Brûlée & Co')).toBe('creme-brulee-co');
    expect(slugOf(p, 'Not A Slug', 'x')).toBeNull();
    expect(codes(p)).toEqual(['INVALID_SLUG']);
    expect(sortKeyOf('  Big   Tee ')).toBe(' big tee ');
  });
});
