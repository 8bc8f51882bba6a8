import type { SubscriptionChangedPayload } from '@tradegraph/contracts';
import { describe, expect, it } from 'vitest';
import { platformFeeUpdate } from './platform-fees.ts';

const changed = (transactionFeeBps: number): SubscriptionChangedPayload => ({
  organizationId: 'org_r',
  planId: 'pln_x',
  planCode: 'x',
  status: 'ACTIVE',
  transactionFeeBps,
  monthlyFeeMinor: '4900',
  currencyCode: 'EUR',
  trialEndsAt: null,
  changedAt: '2026-11-02T10:00:00.000Z',
});

describe('platform fee projection (apply only if newer)', () => {
  it('takes the first event and a newer one, ignores an older one', () => {
    const first = platformFeeUpdate(null, changed(250), '2026-11-02T10:00:00.000Z');
    expect(first).toEqual({
      organizationId: 'org_r',
      feeBps: 250,
      eventAt: new Date('2026-11-02T10:00:00.000Z'),
    });
    expect(platformFeeUpdate(first, changed(150), '2026-11-02T10:00:00.001Z')?.feeBps).toBe(150);
    expect(platformFeeUpdate(first, changed(900), '2026-11-02T09:59:59.999Z')).toBeNull();
  });

  it('ignores a fee that is not whole basis points between 0 and 10 000', () => {
    for (const bad of [-1, 10_001, 2.5, Number.NaN]) {
      expect(platformFeeUpdate(null, changed(bad), '2026-11-02T10:00:00.000Z')).toBeNull();
    }
    expect(platformFeeUpdate(null, changed(0), '2026-11-02T10:00:00.000Z')?.feeBps).toBe(0);
  });
});
