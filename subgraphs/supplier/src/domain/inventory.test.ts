import { describe, expect, it } from 'vitest';
import { MAX_STOCK } from '../store/stock.ts';
import { adjustmentRefusal } from './inventory.ts';

describe('adjusting stock on hand', () => {
  const level = { onHand: 10, reserved: 4 };
  it('allows any change that keeps on hand between reserved and the limit', () => {
    expect(adjustmentRefusal(level, 5)).toBeNull();
    expect(adjustmentRefusal(level, -6)).toBeNull();
    expect(adjustmentRefusal(level, MAX_STOCK - 10)).toBeNull();
  });
  it('never below zero, below what is reserved, or above the limit', () => {
    expect(adjustmentRefusal({ onHand: 3, reserved: 0 }, -4)?.code).toBe('NEGATIVE_STOCK');
    expect(adjustmentRefusal(level, -7)?.code).toBe('BELOW_RESERVED');
    expect(adjustmentRefusal(level, -7)?.message).toBe(
      '4 of 10 on hand are reserved; at most 6 can be removed',
    );
    expect(adjustmentRefusal(level, MAX_STOCK - 9)?.code).toBe('STOCK_LIMIT');
  });
});
