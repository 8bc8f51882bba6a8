import { UserErrors } from '@tradegraph/shared';
import { describe, expect, it } from 'vitest';
import { parseWholesalePrice } from './offers.ts';

function errorOf(fn: () => unknown) {
  try {
    fn();
  } catch (err) {
    if (err instanceof UserErrors) return err.errors[0];
    throw err;
  }
  return undefined;
}

describe('wholesale price', () => {
  it('is minor units of a well-formed positive amount', () => {
    expect(parseWholesalePrice({ amount: '12.50', currencyCode: 'EUR' })).toBe(1250n);
    expect(parseWholesalePrice({ amount: '7', currencyCode: 'JPY' })).toBe(7n);
  });
  it('malformed money is INVALID_MONEY on the field at fault', () => {
    expect(errorOf(() => parseWholesalePrice({ amount: '12.505', currencyCode: 'EUR' }))).toMatchObject({
      code: 'INVALID_MONEY',
      field: ['wholesalePrice', 'amount'],
    });
    expect(errorOf(() => parseWholesalePrice({ amount: '1', currencyCode: 'euro' }))).toMatchObject({
      code: 'INVALID_MONEY',
      field: ['wholesalePrice', 'currencyCode'],
    });
  });
  it('zero, negative and absurd prices are INVALID_PRICE', () => {
    for (const amount of ['0', '-3', '2000000000000.00'])
      expect(errorOf(() => parseWholesalePrice({ amount, currencyCode: 'EUR' }))?.code, amount).toBe(
        'INVALID_PRICE',
      );
  });
});
