import { createEnvelope } from '@tradegraph/shared/events';
import { describe, expect, it } from 'vitest';
import '@tradegraph/contracts';
import { actorOf, auditEntryOf } from './audit.ts';

describe('audit entries', () => {
  it('takes the actor from the payload: an explicit actor, a …ByUserId, a registration; else the producing service', () => {
    const status = createEnvelope({ source: 'orders' }, 'orders.order.status-changed', {
      aggregateId: 'ord_1',
      orgId: 'org_r',
      payload: {
        orderId: 'ord_1',
        number: 'TG-1',
        retailerId: 'org_r',
        customerId: 'cus_1',
        brandIds: [],
        supplierIds: [],
        previousStatus: 'PENDING',
        status: 'CANCELLED',
        reason: null,
        actor: { kind: 'CUSTOMER', id: 'cus_1' },
        at: '2026-11-01T00:00:00.000Z',
      },
    });
    expect(actorOf(status)).toEqual({ kind: 'CUSTOMER', id: 'cus_1' });
    const suspended = createEnvelope({ source: 'platform' }, 'platform.organization.suspended', {
      aggregateId: 'org_1',
      orgId: 'org_1',
      payload: {
        organizationId: 'org_1',
        reason: 'x',
        suspendedByUserId: 'usr_staff',
        suspendedAt: '2026-11-01T00:00:00.000Z',
      },
    });
    expect(actorOf(suspended)).toEqual({ kind: 'USER', id: 'usr_staff' });
    const registered = createEnvelope({ source: 'identity' }, 'identity.user.registered', {
      aggregateId: 'usr_1',
      orgId: null,
      payload: { userId: 'usr_1', email: 'a@b.c', name: 'A' },
    });
    expect(actorOf(registered)).toEqual({ kind: 'USER', id: 'usr_1' });
    const stock = createEnvelope({ source: 'supplier' }, 'supplier.offer.changed', {
      aggregateId: 'off_1',
      orgId: 'org_s',
      payload: {
        offerId: 'off_1',
        supplierId: 'org_s',
        brandId: 'org_b',
        variantId: 'var_1',
        wholesaleMinor: '100',
        currencyCode: 'EUR',
        minimumOrderQuantity: 1,
        leadTimeDays: 2,
        active: true,
      },
    });
    expect(actorOf(stock)).toEqual({ kind: 'SYSTEM', id: 'supplier' });
  });

  it('records the organisation from the envelope, else from the payload, and the payload as JSON', () => {
    const e = createEnvelope({ source: 'identity', requestId: 'req-1' }, 'identity.api-key.revoked', {
      aggregateId: 'apk_1',
      orgId: null,
      payload: { apiKeyId: 'apk_1', organizationId: 'org_9' },
    });
    expect(auditEntryOf(e)).toEqual({
      eventId: e.id,
      type: 'identity.api-key.revoked',
      aggregateId: 'apk_1',
      organizationId: 'org_9',
      actorKind: 'SYSTEM',
      actorId: 'identity',
      source: 'identity',
      requestId: 'req-1',
      occurredAt: new Date(e.occurredAt),
      payload: '{"apiKeyId":"apk_1","organizationId":"org_9"}',
    });
  });
});
