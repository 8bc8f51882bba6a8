import { newId } from '@tradegraph/shared';
import {
  createEnvelope,
  EVENT_VERSIONS,
  type EventEnvelope,
  type EventType,
} from '@tradegraph/shared/events';
import { eventually, member, orgId } from '@tradegraph/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AUDIT,
  organizationCreated,
  type PlatformHarness,
  SUSPEND,
  staff,
  startPlatform,
} from './harness.ts';

let h: PlatformHarness;
beforeAll(async () => {
  h = await startPlatform();
});
afterAll(() => h?.stop());

/**
 * One payload that every consumer of the platform accepts without effect
 * (a platform organisation, an order with no lines, a withdrawn offer, a
 * removed listing, a status that is not CONFIRMED, a shipment only CREATED):
 * the audit trail records whatever the payload holds.
 */
function neutralPayload(org: string) {
  const at = new Date().toISOString();
  return {
    organizationId: org,
    name: 'Audited',
    kind: 'PLATFORM',
    slug: 'audited',
    createdByUserId: null,
    orderId: newId('ord'),
    groupId: newId('grp'),
    supplierId: org,
    retailerId: org,
    currencyCode: 'EUR',
    totalMinor: '0',
    lines: [],
    groups: [],
    reservations: [],
    status: 'CREATED',
    active: false,
    removed: true,
    placedAt: at,
    at,
  };
}

const auditRows = (org: string) =>
  h.sql(
    'select event_id, type, organization_id, actor_kind, actor_id, source from audit_entries where organization_id = ?',
    [org],
  );

describe('audit trail', () => {
  it('records every registered event type once, with who, what, when and which organisation', async () => {
    const org = orgId();
    const types = Object.keys(EVENT_VERSIONS).sort() as EventType[];
    expect(types).toContain('platform.organization.suspended');
    expect(types.length).toBeGreaterThan(40);
    const sent: EventEnvelope[] = types.map((type) =>
      createEnvelope({ source: type.split('.')[0]!, requestId: `req-${type}` }, type, {
        aggregateId: `agg-${type}`,
        orgId: org,
        // the bus carries any payload; this test is about the trail, not the payloads' shapes
        payload: neutralPayload(org) as never,
      }),
    );
    await h.service.bus.producer.send(sent);
    // a redelivery of every event adds nothing
    await h.service.bus.producer.send(sent);
    const rows = await eventually(
      () => auditRows(org),
      (r) => r.length >= types.length,
      { what: 'every event audited' },
    );
    await new Promise((r) => setTimeout(r, 300));
    expect((await auditRows(org)).length).toBe(types.length);
    expect(rows.map((r) => r.type).sort()).toEqual(types);
    for (const e of sent) {
      expect(rows.find((r) => r.event_id === e.id)).toMatchObject({
        type: e.type,
        organization_id: org,
        source: e.source,
      });
    }

    const page = await h.call(
      AUDIT,
      { filter: { organizationId: org, type: 'orders.order.placed' } },
      staff(),
    );
    expect(page.errors).toBeUndefined();
    const placed = sent.find((e) => e.type === 'orders.order.placed')!;
    expect(page.data.auditTrail).toMatchObject({ totalCount: 1 });
    expect(page.data.auditTrail.nodes[0]).toMatchObject({
      eventId: placed.id,
      type: 'orders.order.placed',
      aggregateId: 'agg-orders.order.placed',
      organizationId: org,
      actorKind: 'SYSTEM',
      actorId: 'orders',
      source: 'orders',
      requestId: 'req-orders.order.placed',
      occurredAt: placed.occurredAt,
    });
    expect(JSON.parse(page.data.auditTrail.nodes[0].payload)).toEqual(placed.payload);
  });

  it('names the acting user of a staff action and of an order status change', async () => {
    const admin = staff();
    const target = await organizationCreated(h, 'RETAILER');
    await h.call(SUSPEND, { input: { organizationId: target, reason: 'Audit me' } }, admin);
    const userId = admin.kind === 'user' ? admin.userId : '';
    const [suspended] = await eventually(
      () =>
        h.sql(
          "select actor_kind, actor_id from audit_entries where organization_id = ? and type = 'platform.organization.suspended'",
          [target],
        ),
      (r) => r.length === 1,
      { what: 'the suspension audited' },
    );
    expect(suspended).toEqual({ actor_kind: 'USER', actor_id: userId });

    const order = newId('ord');
    await h.emit(
      'orders.order.status-changed',
      {
        orderId: order,
        number: 'TG-1',
        retailerId: target,
        customerId: null,
        brandIds: [],
        supplierIds: [],
        previousStatus: 'CONFIRMED',
        status: 'CANCELLED',
        reason: 'asked',
        actor: { kind: 'API_KEY', id: 'apk_1' },
        at: new Date().toISOString(),
      },
      { aggregateId: order, orgId: target },
    );
    const [changed] = await eventually(
      () => h.sql('select actor_kind, actor_id from audit_entries where aggregate_id = ?', [order]),
      (r) => r.length === 1,
    );
    expect(changed).toEqual({ actor_kind: 'API_KEY', actor_id: 'apk_1' });
  });

  it('is append-only: the database refuses to change or delete an entry', async () => {
    const org = await organizationCreated(h, 'BRAND');
    await eventually(
      () => auditRows(org),
      (r) => r.length > 0,
    );
    await expect(
      h.sql("update audit_entries set type = 'forged' where organization_id = ?", [org]),
    ).rejects.toThrow(/append-only/);
    await expect(h.sql('delete from audit_entries where organization_id = ?', [org])).rejects.toThrow(
      /append-only/,
    );
    expect((await auditRows(org))[0]?.type).toBe('identity.organization.created');
  });

  it('filters by type and time and pages newest first', async () => {
    const org = orgId();
    const admin = staff();
    const base = Date.parse('2026-03-01T00:00:00Z');
    for (let i = 0; i < 3; i++) {
      await h.emit(
        'identity.api-key.revoked',
        { apiKeyId: `apk_${i}`, organizationId: org },
        { aggregateId: `apk_${i}`, orgId: org, occurredAt: new Date(base + i * 60_000) },
      );
    }
    await eventually(
      () => auditRows(org),
      (r) => r.length === 3,
    );
    const first = await h.call(AUDIT, { filter: { organizationId: org }, first: 2 }, admin);
    expect(first.data.auditTrail.nodes.map((n: { aggregateId: string }) => n.aggregateId)).toEqual([
      'apk_2',
      'apk_1',
    ]);
    const rest = await h.call(
      AUDIT,
      { filter: { organizationId: org }, first: 2, after: first.data.auditTrail.pageInfo.endCursor },
      admin,
    );
    expect(rest.data.auditTrail.nodes.map((n: { aggregateId: string }) => n.aggregateId)).toEqual(['apk_0']);
    const window = await h.call(
      AUDIT,
      {
        filter: {
          organizationId: org,
          from: new Date(base + 30_000).toISOString(),
          to: new Date(base + 90_000).toISOString(),
        },
      },
      admin,
    );
    expect(window.data.auditTrail.nodes.map((n: { aggregateId: string }) => n.aggregateId)).toEqual([
      'apk_1',
    ]);
    const other = await h.call(
      AUDIT,
      { filter: { organizationId: org, type: 'identity.api-key.created' } },
      admin,
    );
    expect(other.data.auditTrail.totalCount).toBe(0);
    // the trail is the platform's: an organisation cannot read even its own
    expect(
      (await h.call(AUDIT, { filter: { organizationId: org } }, member(org, 'BRAND'))).errors?.[0]?.extensions
        ?.code,
    ).toBe('FORBIDDEN');
  });
});
