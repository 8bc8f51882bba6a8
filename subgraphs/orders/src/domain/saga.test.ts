import { describe, expect, it } from 'vitest';
import { compensationDone, decide, refundStatus, type SagaState } from './saga.ts';

const NOW = new Date('2026-11-29T10:00:00.000Z');
const D = { reservationMs: 1000, paymentMs: 2000, captureMs: 3000 };
const start = (groups = 2): SagaState => ({
  status: 'PENDING',
  step: 'RESERVING',
  deadline: new Date(NOW.getTime() + 1000),
  paymentStatus: 'NONE',
  voidRequested: false,
  refundPending: false,
  groups: Array.from({ length: groups }, (_, i) => ({
    id: `g${i}`,
    supplierId: `s${i}`,
    reservationStatus: 'REQUESTED' as const,
  })),
});
const run = (s: SagaState, ...inputs: Parameters<typeof decide>[1][]) =>
  inputs.reduce((acc, i) => decide(acc, i, NOW, D).state, s);

describe('decide', () => {
  it('asks for payment once every group is reserved, with the payment deadline', () => {
    const one = decide(start(), { kind: 'reserved', groupId: 'g0' }, NOW, D);
    expect(one).toMatchObject({ applied: true, statuses: [], commands: [] });
    const all = decide(one.state, { kind: 'reserved', groupId: 'g1' }, NOW, D);
    expect(all.statuses).toEqual([{ status: 'STOCK_RESERVED', reason: null }]);
    expect(all.commands).toEqual([{ type: 'authorize' }]);
    expect(all.state).toMatchObject({
      step: 'AUTHORIZING',
      paymentStatus: 'REQUESTED',
      deadline: new Date(NOW.getTime() + 2000),
    });
  });

  it('never applies a reply twice or out of step', () => {
    const s = run(start(1), { kind: 'reserved', groupId: 'g0' });
    expect(decide(s, { kind: 'reserved', groupId: 'g0' }, NOW, D).applied).toBe(false);
    expect(decide(s, { kind: 'rejected', groupId: 'g0', reason: 'x' }, NOW, D).applied).toBe(false);
    expect(decide(s, { kind: 'captured' }, NOW, D).applied).toBe(false);
    const confirmed = run(s, { kind: 'authorized' });
    expect(confirmed).toMatchObject({
      status: 'CONFIRMED',
      step: 'CAPTURING',
      paymentStatus: 'CAPTURE_REQUESTED',
    });
    expect(decide(confirmed, { kind: 'authorized' }, NOW, D).applied).toBe(false);
    expect(decide(start(), { kind: 'reserved', groupId: 'nope' }, NOW, D).applied).toBe(false);
  });

  it('compensates a rejection: releases the other groups (not the rejected one), FAILED with the reason', () => {
    const s = run(start(3), { kind: 'reserved', groupId: 'g0' });
    const plan = decide(s, { kind: 'rejected', groupId: 'g1', reason: 'S1 has only 3 of Mug' }, NOW, D);
    expect(plan.statuses).toEqual([{ status: 'FAILED', reason: 'S1 has only 3 of Mug' }]);
    expect(plan.commands).toEqual([
      { type: 'release', groupIds: ['g0', 'g2'], reason: 'S1 has only 3 of Mug' },
    ]);
    expect(plan.state.step).toBe('COMPENSATING');
    const done = run(plan.state, { kind: 'released', groupId: 'g0' }, { kind: 'released', groupId: 'g2' });
    expect(done.step).toBe('COMPENSATED');
    expect(compensationDone(done)).toBe(true);
  });

  it('compensates a payment failure with release and void, and a payment deadline likewise', () => {
    const s = run(start(1), { kind: 'reserved', groupId: 'g0' });
    const failed = decide(s, { kind: 'payment-failed', reason: 'declined' }, NOW, D);
    expect(failed.commands.map((c) => c.type)).toEqual(['release', 'void']);
    expect(failed.state).toMatchObject({ status: 'FAILED', paymentStatus: 'FAILED', voidRequested: true });
    const late = new Date(NOW.getTime() + 5000);
    const timedOut = decide(s, { kind: 'deadline', now: late, late: [] }, NOW, D);
    expect(timedOut.statuses).toEqual([{ status: 'FAILED', reason: 'The payment timed out' }]);
    expect(timedOut.commands.map((c) => c.type)).toEqual(['release', 'void']);
    // waits for the void before it is compensated
    const released = run(timedOut.state, { kind: 'released', groupId: 'g0' });
    expect(released.step).toBe('COMPENSATING');
    expect(run(released, { kind: 'voided' }).step).toBe('COMPENSATED');
  });

  it('a reservation deadline names the suppliers that did not answer; before the deadline nothing happens', () => {
    const s = start(2);
    expect(decide(s, { kind: 'deadline', now: NOW, late: ['Supplier A'] }, NOW, D).applied).toBe(false);
    const plan = decide(
      s,
      { kind: 'deadline', now: new Date(NOW.getTime() + 1000), late: ['Supplier A'] },
      NOW,
      D,
    );
    expect(plan.statuses).toEqual([{ status: 'FAILED', reason: 'Supplier A did not answer in time' }]);
    expect(plan.commands).toEqual([
      { type: 'release', groupIds: ['g0', 'g1'], reason: 'Supplier A did not answer in time' },
    ]);
  });

  it('re-sends a capture that was not answered in time', () => {
    const s = run(start(1), { kind: 'reserved', groupId: 'g0' }, { kind: 'authorized' });
    const plan = decide(s, { kind: 'deadline', now: new Date(NOW.getTime() + 9999), late: [] }, NOW, D);
    expect(plan.commands).toEqual([{ type: 'capture' }]);
    expect(plan.statuses).toEqual([]);
  });

  it('moves fulfilment only forward and completes when delivered and captured', () => {
    const s = run(
      start(1),
      { kind: 'reserved', groupId: 'g0' },
      { kind: 'authorized' },
      { kind: 'captured' },
    );
    const part = decide(
      s,
      {
        kind: 'shipments',
        lines: [
          { quantity: 2, shipped: 1, delivered: 0 },
          { quantity: 1, shipped: 0, delivered: 0 },
        ],
      },
      NOW,
      D,
    );
    expect(part.statuses).toEqual([{ status: 'PARTIALLY_SHIPPED', reason: null }]);
    const back = decide(
      part.state,
      { kind: 'shipments', lines: [{ quantity: 2, shipped: 0, delivered: 0 }] },
      NOW,
      D,
    );
    expect(back.applied).toBe(false);
    const delivered = decide(
      part.state,
      { kind: 'shipments', lines: [{ quantity: 2, shipped: 2, delivered: 2 }] },
      NOW,
      D,
    );
    expect(delivered.state).toMatchObject({ status: 'DELIVERED', step: 'COMPLETED' });
  });

  it('cancels before shipping only: a captured payment is refunded, an authorisation voided', () => {
    const reserved = run(start(1), { kind: 'reserved', groupId: 'g0' });
    expect(decide(reserved, { kind: 'cancel', reason: 'no' }, NOW, D).commands.map((c) => c.type)).toEqual([
      'release',
      'void',
    ]);
    const captured = run(reserved, { kind: 'authorized' }, { kind: 'captured' });
    const cancel = decide(captured, { kind: 'cancel', reason: 'no' }, NOW, D);
    expect(cancel.commands.map((c) => c.type)).toEqual(['release', 'refund-all']);
    expect(cancel.state.refundPending).toBe(true);
    const shipped = run(captured, { kind: 'shipments', lines: [{ quantity: 1, shipped: 1, delivered: 0 }] });
    expect(decide(shipped, { kind: 'cancel', reason: 'no' }, NOW, D).applied).toBe(false);
    // a capture that lands after the cancellation is refunded
    const capturing = run(reserved, { kind: 'authorized' }, { kind: 'cancel', reason: 'no' });
    expect(decide(capturing, { kind: 'captured' }, NOW, D).commands).toEqual([
      { type: 'refund-all', reason: 'Order cancelled' },
    ]);
  });
});

describe('refundStatus', () => {
  it('is REFUNDED when every unit is refunded, PARTIALLY_REFUNDED for some, null for none', () => {
    expect(refundStatus([{ quantity: 2, refunded: 0 }])).toBeNull();
    expect(refundStatus([{ quantity: 2, refunded: 1 }])).toBe('PARTIALLY_REFUNDED');
    expect(
      refundStatus([
        { quantity: 2, refunded: 2 },
        { quantity: 1, refunded: 1 },
      ]),
    ).toBe('REFUNDED');
  });
});
