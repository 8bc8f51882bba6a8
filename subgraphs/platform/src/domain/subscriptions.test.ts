import { UserErrors } from '@tradegraph/shared';
import { describe, expect, it } from 'vitest';
import type { PlanRecord } from '../store/plans.ts';
import type { SubscriptionRecord } from '../store/subscriptions.ts';
import { canTransition, subscribe, transition } from './subscriptions.ts';

const NOW = new Date('2026-11-10T12:00:00Z');
const plan = (trialDays: number): PlanRecord => ({
  id: 'pln_x',
  code: 'x',
  name: 'X',
  monthlyFeeMinor: 1000n,
  currencyCode: 'EUR',
  transactionFeeBps: 250,
  maxStorefronts: null,
  maxApiCallsPerDay: null,
  trialDays,
  isDefault: false,
  createdAt: NOW,
});
const sub = (status: SubscriptionRecord['status']): SubscriptionRecord => ({
  organizationId: 'org_1',
  planId: 'pln_x',
  status,
  trialEndsAt: status === 'TRIALING' ? new Date('2026-12-01T00:00:00Z') : null,
  startedAt: new Date('2026-01-01T00:00:00Z'),
  cancelledAt: null,
  updatedAt: new Date('2026-01-01T00:00:00Z'),
});

describe('subscription transitions', () => {
  it('moves forward TRIALING → ACTIVE → PAST_DUE → CANCELLED, lets PAST_DUE recover, and never leaves CANCELLED', () => {
    expect(canTransition('TRIALING', 'ACTIVE')).toBe(true);
    expect(canTransition('ACTIVE', 'PAST_DUE')).toBe(true);
    expect(canTransition('PAST_DUE', 'ACTIVE')).toBe(true);
    expect(canTransition('PAST_DUE', 'CANCELLED')).toBe(true);
    expect(canTransition('ACTIVE', 'TRIALING')).toBe(false);
    expect(canTransition('ACTIVE', 'ACTIVE')).toBe(false);
    for (const to of ['TRIALING', 'ACTIVE', 'PAST_DUE', 'CANCELLED'] as const) {
      expect(canTransition('CANCELLED', to)).toBe(false);
    }
  });

  it('records the cancellation time, clears the trial end, and refuses an unreachable status as INVALID_TRANSITION', () => {
    const cancelled = transition(sub('TRIALING'), 'CANCELLED', NOW);
    expect(cancelled).toMatchObject({
      status: 'CANCELLED',
      cancelledAt: NOW,
      trialEndsAt: null,
      updatedAt: NOW,
    });
    try {
      transition(sub('CANCELLED'), 'ACTIVE', NOW);
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(UserErrors);
      expect((err as UserErrors).errors[0]?.code).toBe('INVALID_TRANSITION');
    }
  });

  it('starts a trial of the plan’s length, or ACTIVE when the plan has none; a plan change keeps the start date', () => {
    const trial = subscribe('org_1', plan(14), 'TRIALING', NOW, null);
    expect(trial).toMatchObject({
      status: 'TRIALING',
      startedAt: NOW,
      trialEndsAt: new Date('2026-11-24T12:00:00Z'),
    });
    expect(subscribe('org_1', plan(0), 'TRIALING', NOW, null)).toMatchObject({
      status: 'ACTIVE',
      trialEndsAt: null,
    });
    expect(subscribe('org_1', plan(14), 'ACTIVE', NOW, sub('PAST_DUE')).startedAt).toEqual(
      new Date('2026-01-01T00:00:00Z'),
    );
    expect(
      subscribe('org_1', plan(14), 'ACTIVE', NOW, { ...sub('CANCELLED'), status: 'CANCELLED' }).startedAt,
    ).toEqual(NOW);
  });
});
