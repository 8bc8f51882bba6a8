import { ANONYMOUS, errorCode, member, orgId, waitFor } from '@tradegraph/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CREATE_NOTE, NOTE, type NotificationsHarness, startNotifications } from './harness.ts';

let h: NotificationsHarness;
beforeAll(async () => {
  h = await startNotifications();
});
afterAll(() => h?.stop());

describe('createNotificationsNote', () => {
  it('creates a note, records notifications.note.created in the outbox, and reads it back', async () => {
    const org = orgId();
    const as = member(org, 'BRAND');
    const res = await h.call(CREATE_NOTE, { input: { title: '  First  ', body: 'Hello' } }, as);
    expect(res.errors).toBeUndefined();
    const created = res.data.createNotificationsNote;
    expect(created.userErrors).toEqual([]);
    expect(created.note).toMatchObject({ title: 'First', body: 'Hello', organizationId: org });

    const [event] = await h.outbox('notifications.note.created', created.note.id);
    expect(event?.orgId).toBe(org);
    expect(event?.payload).toEqual({
      noteId: created.note.id,
      organizationId: org,
      title: 'First',
      createdAt: created.note.createdAt,
    });

    const read = await h.call(NOTE, { id: created.note.id }, member(org, 'BRAND'));
    expect(read.data.notificationsNote).toEqual(created.note);
  });

  it('answers REQUIRED for a blank title and writes nothing', async () => {
    const org = orgId();
    const res = await h.call(CREATE_NOTE, { input: { title: '   ' } }, member(org, 'BRAND'));
    expect(res.data.createNotificationsNote).toEqual({
      note: null,
      userErrors: [{ field: ['title'], message: 'A note needs a title', code: 'REQUIRED' }],
    });
    expect(await h.sql('select id from notes where organization_id = ?', [org])).toEqual([]);
  });

  it('refuses callers without a signed-in organisation or without the permission', async () => {
    const input = { title: 'x' };
    expect(errorCode(await h.call(CREATE_NOTE, { input }, ANONYMOUS))).toBe('UNAUTHENTICATED');
    expect(errorCode(await h.call(CREATE_NOTE, { input }, member(orgId(), 'BRAND', ['org:read'])))).toBe(
      'FORBIDDEN',
    );
  });
});

describe('notificationsNote', () => {
  it("never shows another organisation's note", async () => {
    const owner = orgId();
    const res = await h.call(CREATE_NOTE, { input: { title: 'Private' } }, member(owner, 'RETAILER'));
    const id = res.data.createNotificationsNote.note.id;
    const other = await h.call(NOTE, { id }, member(orgId(), 'RETAILER'));
    expect(other.errors).toBeUndefined();
    expect(other.data.notificationsNote).toBeNull();
    expect(
      (await h.call(NOTE, { id: 'note_forged' }, member(owner, 'RETAILER'))).data.notificationsNote,
    ).toBeNull();
  });
});

describe('organisation projection (consumer of identity.organization.*)', () => {
  it("names a note's organisation once identity's event arrived, and keeps the newest name", async () => {
    const org = orgId();
    const as = member(org, 'SUPPLIER');
    const res = await h.call(CREATE_NOTE, { input: { title: 'Named' } }, as);
    const id = res.data.createNotificationsNote.note.id;
    expect(res.data.createNotificationsNote.note.organizationName).toBeNull();

    const at = Date.now();
    await h.deliver(
      'identity.organization.updated',
      { organizationId: org, name: 'New name', kind: 'SUPPLIER', status: 'ACTIVE' },
      { aggregateId: org, orgId: org, occurredAt: new Date(at) },
    );
    // an older event delivered later (a replay) must not undo the newer one
    await h.deliver(
      'identity.organization.created',
      { organizationId: org, name: 'Old name', kind: 'SUPPLIER', slug: 'old', createdByUserId: null },
      { aggregateId: org, orgId: org, occurredAt: new Date(at - 1000) },
    );
    const read = await h.call(NOTE, { id }, as);
    expect(read.data.notificationsNote.organizationName).toBe('New name');
  });
});

describe('operations', () => {
  it('serves /health, /ready and /metrics', async () => {
    const origin = new URL(h.service.url).origin;
    expect((await fetch(`${origin}/health`)).status).toBe(200);
    await waitFor(async () => (await fetch(`${origin}/ready`)).status === 200, '/ready');
    const metrics = await fetch(`${origin}/metrics`);
    expect(metrics.status).toBe(200);
    expect(await metrics.text()).toContain('graphql_sql_statements_per_request');
  });
});
