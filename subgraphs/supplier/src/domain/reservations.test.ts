import { UserErrors } from '@tradegraph/shared';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { levelAfter, nextStatus, type ReservationStep, stockDelta, ttlSeconds } from './reservations.ts';

const NOW = new Date('2026-11-29T10:00:00.000Z');
const later = new Date(NOW.getTime() + 1000);
const earlier = new Date(NOW.getTime() - 1000);

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    if (err instanceof UserErrors) return err.errors[0]?.code;
    throw err;
  }
  return undefined;
}

describe('reservation arithmetic', () => {
  it('reserving holds, releasing gives back, committing ships', () => {
    const level = { onHand: 10, reserved: 2 };
    expect(levelAfter(level, stockDelta('RESERVE', 3))).toEqual({ onHand: 10, reserved: 5 });
    expect(levelAfter(level, stockDelta('RELEASE', 2))).toEqual({ onHand: 10, reserved: 0 });
    expect(levelAfter(level, stockDelta('COMMIT', 2))).toEqual({ onHand: 8, reserved: 0 });
    expect(stockDelta('RESERVE', 3)).toMatchObject({ movement: 'RESERVED', movementQuantity: 3 });
    expect(stockDelta('RELEASE', 3)).toMatchObject({ movement: 'RELEASED', movementQuantity: -3 });
    expect(stockDelta('COMMIT', 3)).toMatchObject({ movement: 'SHIPPED', movementQuantity: -3 });
  });

  it('never reserves more than is available, nor releases or ships more than is reserved', () => {
    expect(levelAfter({ onHand: 10, reserved: 8 }, stockDelta('RESERVE', 3))).toBeNull();
    expect(levelAfter({ onHand: 10, reserved: 8 }, stockDelta('RESERVE', 2))).toEqual({
      onHand: 10,
      reserved: 10,
    });
    expect(levelAfter({ onHand: 10, reserved: 1 }, stockDelta('RELEASE', 2))).toBeNull();
    expect(levelAfter({ onHand: 10, reserved: 1 }, stockDelta('COMMIT', 2))).toBeNull();
  });

  it('keeps on hand ≥ reserved ≥ 0 and the available stock exact for any sequence of steps', () => {
    const step = fc.tuple(
      fc.constantFrom('RESERVE', 'RELEASE', 'COMMIT' as const),
      fc.integer({ min: 1, max: 20 }),
    );
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 50 }), fc.array(step, { maxLength: 30 }), (onHand, steps) => {
        let level = { onHand, reserved: 0 };
        let held = 0;
        let shipped = 0;
        for (const [kind, q] of steps) {
          const after = levelAfter(level, stockDelta(kind, q));
          if (!after) continue;
          if (kind === 'RESERVE') held += q;
          else held -= q;
          if (kind === 'COMMIT') shipped += q;
          level = after;
          expect(level.reserved).toBeGreaterThanOrEqual(0);
          expect(level.onHand).toBeGreaterThanOrEqual(level.reserved);
        }
        expect(level.reserved).toBe(held);
        expect(level.onHand).toBe(onHand - shipped);
      }),
    );
  });
});

describe('reservation state transitions', () => {
  const active = { status: 'ACTIVE' as const, expiresAt: later };
  const overdue = { status: 'ACTIVE' as const, expiresAt: earlier };

  it('moves an ACTIVE reservation before its expiry', () => {
    expect(nextStatus(active, 'RELEASE', NOW)).toEqual({ status: 'RELEASED' });
    expect(nextStatus(active, 'COMMIT', NOW)).toEqual({ status: 'COMMITTED' });
    expect(nextStatus(active, 'EXTEND', NOW)).toEqual({ status: 'ACTIVE' });
    expect(nextStatus(active, 'EXPIRE', NOW)).toEqual({ refused: 'NOT_DUE' });
  });

  it('past its expiry: released or expired, never committed or extended', () => {
    expect(nextStatus(overdue, 'RELEASE', NOW)).toEqual({ status: 'RELEASED' });
    expect(nextStatus(overdue, 'EXPIRE', NOW)).toEqual({ status: 'EXPIRED' });
    expect(nextStatus(overdue, 'COMMIT', NOW)).toEqual({ refused: 'RESERVATION_EXPIRED' });
    expect(nextStatus(overdue, 'EXTEND', NOW)).toEqual({ refused: 'RESERVATION_EXPIRED' });
    // due exactly now counts as expired
    expect(nextStatus({ status: 'ACTIVE', expiresAt: NOW }, 'COMMIT', NOW)).toEqual({
      refused: 'RESERVATION_EXPIRED',
    });
  });

  it('a closed reservation never moves again', () => {
    for (const status of ['RELEASED', 'COMMITTED', 'EXPIRED'] as const)
      for (const step of ['RELEASE', 'COMMIT', 'EXTEND', 'EXPIRE'] as ReservationStep[])
        expect(nextStatus({ status, expiresAt: later }, step, NOW)).toEqual({
          refused: 'RESERVATION_NOT_ACTIVE',
        });
  });
});

describe('reservation life (ttlSeconds)', () => {
  const config = { RESERVATION_DEFAULT_TTL_SECONDS: 900, RESERVATION_MAX_TTL_SECONDS: 604_800 };
  it('defaults, and accepts 1 … the maximum', () => {
    expect(ttlSeconds(config, undefined)).toBe(900);
    expect(ttlSeconds(config, null)).toBe(900);
    expect(ttlSeconds(config, 1)).toBe(1);
    expect(ttlSeconds(config, 604_800)).toBe(604_800);
  });
  it('refuses anything else with INVALID_TTL', () => {
    for (const bad of [0, -1, 604_801, 1.5])
      expect(
        codeOf(() => ttlSeconds(config, bad)),
        String(bad),
      ).toBe('INVALID_TTL');
  });
});
