import { describe, expect, it } from 'vitest';
import { allocate, commandProblem, groupStatus } from './fulfillment.ts';

const line = (orderLineId: string, variantId: string, quantity: number) => ({
  orderLineId,
  variantId,
  brandId: 'org_b',
  quantity,
});
const level = (warehouseId: string, variantId: string, onHand: number, reserved = 0) => ({
  warehouseId,
  variantId,
  onHand,
  reserved,
});

describe('allocate', () => {
  it('takes each line from the warehouse with the most available', () => {
    expect(allocate([line('l1', 'v1', 3)], [level('w1', 'v1', 4), level('w2', 'v1', 9, 2)])).toEqual({
      parts: [{ orderLineId: 'l1', variantId: 'v1', warehouseId: 'w2', quantity: 3 }],
    });
  });

  it('splits a line over warehouses only when none holds it all', () => {
    expect(allocate([line('l1', 'v1', 8)], [level('w1', 'v1', 5), level('w2', 'v1', 4)])).toEqual({
      parts: [
        { orderLineId: 'l1', variantId: 'v1', warehouseId: 'w1', quantity: 5 },
        { orderLineId: 'l1', variantId: 'v1', warehouseId: 'w2', quantity: 3 },
      ],
    });
  });

  it('is all or nothing, reporting what was left for each short line', () => {
    expect(
      allocate(
        [line('l1', 'v1', 3), line('l2', 'v1', 3), line('l3', 'v2', 1)],
        [level('w1', 'v1', 5), level('w1', 'v2', 1, 1)],
      ),
    ).toEqual({
      short: [
        { orderLineId: 'l2', variantId: 'v1', requested: 3, available: 2 },
        { orderLineId: 'l3', variantId: 'v2', requested: 1, available: 0 },
      ],
    });
  });
});

describe('commandProblem', () => {
  it('refuses empty groups, repeated lines, bad quantities and variant ids', () => {
    expect(commandProblem([line('l1', 'var_ABC', 1)])).toBeNull();
    expect(commandProblem([])).toMatch(/no lines/);
    expect(commandProblem([line('l1', 'var_ABC', 1), line('l1', 'var_ABC', 2)])).toMatch(/twice/);
    expect(commandProblem([line('l1', 'var_ABC', 0)])).toMatch(/quantity/);
    expect(commandProblem([line('l1', 'var_ABC', 1.5)])).toMatch(/quantity/);
    expect(commandProblem([line('l1', 'prd_ABC', 1)])).toMatch(/variant/);
  });
});

describe('groupStatus', () => {
  const lines = [
    { quantity: 2, shippedQuantity: 0 },
    { quantity: 1, shippedQuantity: 0 },
  ];
  it('is PENDING until the order is confirmed over a standing reservation, then CONFIRMED', () => {
    expect(groupStatus({ reservationStatus: 'NONE', orderStatus: 'PENDING', lines, shipments: [] })).toBe(
      'PENDING',
    );
    expect(
      groupStatus({ reservationStatus: 'RESERVED', orderStatus: 'PAYMENT_AUTHORIZED', lines, shipments: [] }),
    ).toBe('PENDING');
    expect(
      groupStatus({ reservationStatus: 'RESERVED', orderStatus: 'CONFIRMED', lines, shipments: [] }),
    ).toBe('CONFIRMED');
    expect(groupStatus({ reservationStatus: 'RESERVED', orderStatus: null, lines, shipments: [] })).toBe(
      'PENDING',
    );
  });

  it('is CANCELLED when the reservation was refused or released, or the order failed or was cancelled', () => {
    for (const reservationStatus of ['REJECTED', 'RELEASED'] as const)
      expect(groupStatus({ reservationStatus, orderStatus: 'CONFIRMED', lines, shipments: [] })).toBe(
        'CANCELLED',
      );
    for (const orderStatus of ['FAILED', 'CANCELLED'] as const)
      expect(groupStatus({ reservationStatus: 'RESERVED', orderStatus, lines, shipments: [] })).toBe(
        'CANCELLED',
      );
  });

  it('follows the shipped units: PARTIALLY_SHIPPED, SHIPPED, DELIVERED when every sent shipment arrived', () => {
    const base = { reservationStatus: 'RESERVED', orderStatus: 'CONFIRMED' } as const;
    const some = [
      { quantity: 2, shippedQuantity: 1 },
      { quantity: 1, shippedQuantity: 0 },
    ];
    const all = [
      { quantity: 2, shippedQuantity: 2 },
      { quantity: 1, shippedQuantity: 1 },
    ];
    expect(groupStatus({ ...base, lines: some, shipments: [{ status: 'DELIVERED' }] })).toBe(
      'PARTIALLY_SHIPPED',
    );
    expect(
      groupStatus({ ...base, lines: all, shipments: [{ status: 'DELIVERED' }, { status: 'SHIPPED' }] }),
    ).toBe('SHIPPED');
    expect(
      groupStatus({ ...base, lines: all, shipments: [{ status: 'DELIVERED' }, { status: 'CREATED' }] }),
    ).toBe('DELIVERED');
  });
});
