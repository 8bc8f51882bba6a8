import { UserErrors } from '@tradegraph/shared';
import { describe, expect, it } from 'vitest';
import { validatePlan } from './plans.ts';

const NOW = new Date('2026-11-01T00:00:00Z');
const base = {
  code: 'pro',
  name: 'Pro',
  monthlyFee: { amount: '10.00', currencyCode: 'EUR' },
  transactionFeeBps: 100,
};
const codeOf = (input: Parameters<typeof validatePlan>[0]) => {
  try {
    validatePlan(input, 'pln_1', NOW);
  } catch (err) {
    if (err instanceof UserErrors) return [err.errors[0]?.code, err.errors[0]?.field];
    throw err;
  }
  return null;
};

describe('validatePlan', () => {
  it('keeps valid terms in minor units, with unlimited limits and no trial by default', () => {
    expect(validatePlan(base, 'pln_1', NOW)).toEqual({
      id: 'pln_1',
      code: 'pro',
      name: 'Pro',
      monthlyFeeMinor: 1000n,
      currencyCode: 'EUR',
      transactionFeeBps: 100,
      maxStorefronts: null,
      maxApiCallsPerDay: null,
      trialDays: 0,
      isDefault: false,
      createdAt: NOW,
    });
  });

  it('names the field at fault', () => {
    expect(codeOf({ ...base, code: 'Pro!' })).toEqual(['INVALID', ['code']]);
    expect(codeOf({ ...base, name: ' ' })).toEqual(['REQUIRED', ['name']]);
    expect(codeOf({ ...base, name: 'x'.repeat(121) })).toEqual(['TOO_LONG', ['name']]);
    expect(codeOf({ ...base, monthlyFee: { amount: '-1.00', currencyCode: 'EUR' } })).toEqual([
      'INVALID_MONEY',
      ['monthlyFee', 'amount'],
    ]);
    expect(codeOf({ ...base, monthlyFee: { amount: 'ten', currencyCode: 'EUR' } })).toEqual([
      'INVALID_MONEY',
      ['monthlyFee', 'amount'],
    ]);
    expect(codeOf({ ...base, transactionFeeBps: -1 })).toEqual(['INVALID', ['transactionFeeBps']]);
    expect(codeOf({ ...base, transactionFeeBps: 10_000 })).toBeNull();
    expect(codeOf({ ...base, trialDays: 366 })).toEqual(['INVALID', ['trialDays']]);
    expect(codeOf({ ...base, limits: { maxStorefronts: -2 } })).toEqual([
      'INVALID',
      ['limits', 'maxStorefronts'],
    ]);
  });
});
