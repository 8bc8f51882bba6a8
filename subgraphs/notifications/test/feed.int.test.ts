import { newId, PERMISSIONS, type Principal } from '@tradegraph/shared';
import { ANONYMOUS, customer, errorCode, eventually, member } from '@tradegraph/testing';
import { type Client, createClient } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import {
  FEED,
  MARK_READ,
  type NotificationsHarness,
  orderPlaced,
  organization,
  PREFERENCES,
  SET_PREFERENCE,
  SET_THRESHOLD,
  shopper,
  startNotifications,
  startSmtp,
  TEMPLATES,
  UPDATE_TEMPLATE,
} from './harness.ts';

let smtp: Awaited<ReturnType<typeof startSmtp>>;
let h: NotificationsHarness;
const clients: Client[] = [];
beforeAll(async () => {
  smtp = await startSmtp();
  h = await startNotifications(smtp.url, { NOTIFICATIONS_APP_URL: 'https://app.example.test/' });
});
afterAll(async () => {
  for (const c of clients) await c.dispose();
  await h?.stop();
  await smtp?.close();
});

const STAFF: Principal = member(newId('org'), 'PLATFORM', [...PERMISSIONS]);

const sentOf = async (eventId: string) =>
  eventually(
    () =>
      h.sql('select channel, address, status from deliveries where event_id = ? order by channel, address', [
        eventId,
      ]),
    (rows) => rows.every((r) => r.status === 'SENT'),
  );

async function placeFor(retailerId: string, customerId: string) {
  const placed = orderPlaced(retailerId, customerId);
  const e = await h.deliver('orders.order.placed', placed, {
    aggregateId: placed.orderId,
    orgId: retailerId,
  });
  return { placed, rows: await sentOf(e.id) };
}

describe('the in-app feed', () => {
  it('pages the caller’s notifications newest first, filters unread, and marks them read', async () => {
    const retailer = await organization(h, 'RETAILER', 'Feed Shop', 0);
    const buyer = await shopper(h);
    const first = await placeFor(retailer.id, buyer.customerId);
    const second = await placeFor(retailer.id, buyer.customerId);
    const page1 = (await h.call(FEED, { first: 1 }, buyer.principal)).data.notifications;
    expect(page1.totalCount).toBe(2);
    expect(page1.nodes.map((n: { title: string }) => n.title)).toEqual([
      `Order ${second.placed.number} received`,
    ]);
    expect(page1.pageInfo.hasNextPage).toBe(true);
    const page2 = (await h.call(FEED, { first: 1, after: page1.pageInfo.endCursor }, buyer.principal)).data
      .notifications;
    expect(page2.nodes.map((n: { title: string }) => n.title)).toEqual([
      `Order ${first.placed.number} received`,
    ]);
    expect(page2.pageInfo.hasNextPage).toBe(false);

    const id = page1.nodes[0].id;
    const marked = (await h.call(MARK_READ, { ids: [id] }, buyer.principal)).data.markNotificationsRead;
    expect(marked.userErrors).toEqual([]);
    expect(marked.notifications).toMatchObject([{ id, read: true }]);
    const unread = (await h.call(FEED, { unreadOnly: true }, buyer.principal)).data.notifications;
    expect(unread.nodes.map((n: { id: string }) => n.id)).toEqual([page2.nodes[0].id]);
  });

  it('never shows or marks another person’s notifications', async () => {
    const retailer = await organization(h, 'RETAILER', 'Private Shop', 0);
    const buyer = await shopper(h);
    await placeFor(retailer.id, buyer.customerId);
    const mine = (await h.call(FEED, {}, buyer.principal)).data.notifications.nodes;
    const other = customer();
    expect((await h.call(FEED, {}, other)).data.notifications.totalCount).toBe(0);
    const res = (await h.call(MARK_READ, { ids: [mine[0].id] }, other)).data.markNotificationsRead;
    expect(res).toEqual({
      notifications: null,
      userErrors: [{ field: ['ids'], message: 'A notification was not found', code: 'NOT_FOUND' }],
    });
    expect((await h.call(FEED, { unreadOnly: true }, buyer.principal)).data.notifications.totalCount).toBe(1);
    expect(errorCode(await h.call(FEED, {}, ANONYMOUS))).toBe('UNAUTHENTICATED');
  });

  it('pushes each new notification to the recipient’s notificationReceived subscription only', async () => {
    const retailer = await organization(h, 'RETAILER', 'Live Shop', 0);
    const buyer = await shopper(h);
    const client = createClient({
      url: h.service.url.replace('http', 'ws'),
      webSocketImpl: WebSocket,
      connectionParams: async () => ({
        internalToken: await h.keys.sign('notifications', { kind: 'router' }),
      }),
      retryAttempts: 0,
      lazy: false,
    });
    clients.push(client);
    const received: Record<string, string[]> = { buyer: [], other: [] };
    for (const [who, as] of [
      ['buyer', buyer.principal],
      ['other', customer()],
    ] as const) {
      const internalToken = await h.keys.sign('notifications', as);
      client.subscribe(
        {
          query: 'subscription { notificationReceived { id title eventType read } }',
          extensions: { internalToken },
        },
        {
          next: (r) => {
            const n = (r.data as { notificationReceived?: { title: string } } | undefined)
              ?.notificationReceived;
            if (n) received[who]!.push(n.title);
          },
          error: () => {},
          complete: () => {},
        },
      );
    }
    await eventually(
      async () => h.service.services.live.subscribers,
      (n) => n >= 2,
    );
    const { placed } = await placeFor(retailer.id, buyer.customerId);
    await eventually(
      async () => received.buyer!.length,
      (n) => n === 1,
    );
    expect(received.buyer).toEqual([`Order ${placed.number} received`]);
    expect(received.other).toEqual([]);
  });
});

describe('preferences', () => {
  it('a person’s own setting wins over the organisation’s, which wins over the default', async () => {
    const retailer = await organization(h, 'RETAILER', 'Prefs Shop', 2);
    const [keen, quiet] = retailer.members;
    const admin = member(retailer.id, 'RETAILER');
    const orgOff = await h.call(
      SET_PREFERENCE,
      { input: { scope: 'ORGANIZATION', eventType: 'ORDER_PLACED', channel: 'EMAIL', enabled: false } },
      admin,
    );
    expect(orgOff.data.setNotificationPreference.preference).toEqual({
      scope: 'ORGANIZATION',
      eventType: 'ORDER_PLACED',
      channel: 'EMAIL',
      enabled: false,
    });
    await h.call(
      SET_PREFERENCE,
      { input: { scope: 'USER', eventType: 'ORDER_PLACED', channel: 'EMAIL', enabled: true } },
      keen!.principal,
    );
    await h.call(
      SET_PREFERENCE,
      { input: { scope: 'USER', eventType: 'ORDER_PLACED', channel: 'IN_APP', enabled: false } },
      quiet!.principal,
    );
    const buyer = await shopper(h);
    const { rows } = await placeFor(retailer.id, buyer.customerId);
    const to = (address: string) => rows.filter((r) => r.address === address).map((r) => r.channel);
    expect(to(keen!.email)).toEqual(['EMAIL']);
    expect(to(quiet!.email)).toEqual([]);
    expect(to(keen!.principal.userId)).toEqual(['IN_APP']);
    expect(to(quiet!.principal.userId)).toEqual([]);
    expect(smtp.to(quiet!.email)).toEqual([]);
    // the shopper is not a member: the organisation's setting is not theirs
    expect(to(buyer.email)).toEqual(['EMAIL']);

    const mine = (await h.call(PREFERENCES, {}, quiet!.principal)).data.notificationPreferences;
    expect(mine).toEqual([{ scope: 'USER', eventType: 'ORDER_PLACED', channel: 'IN_APP', enabled: false }]);
    const org = (await h.call(PREFERENCES, { scope: 'ORGANIZATION' }, admin)).data.notificationPreferences;
    expect(org).toEqual([
      { scope: 'ORGANIZATION', eventType: 'ORDER_PLACED', channel: 'EMAIL', enabled: false },
    ]);
  });

  it('refuses Slack per person, turning security mail off, and organisation settings without org:manage', async () => {
    const org = newId('org');
    const set = (input: Record<string, unknown>, as: Principal) =>
      h.call(SET_PREFERENCE, { input: { enabled: false, ...input } }, as);
    const slack = await set(
      { scope: 'USER', eventType: 'ORDER_PLACED', channel: 'SLACK' },
      member(org, 'RETAILER'),
    );
    expect(slack.data.setNotificationPreference.userErrors[0].code).toBe('INVALID');
    const reset = await set({ scope: 'USER', eventType: 'PASSWORD_RESET', channel: 'EMAIL' }, customer());
    expect(reset.data.setNotificationPreference.userErrors[0].code).toBe('INVALID');
    const viewer = member(org, 'RETAILER', ['org:read'], 'VIEWER');
    expect(
      errorCode(await set({ scope: 'ORGANIZATION', eventType: 'ORDER_PLACED', channel: 'EMAIL' }, viewer)),
    ).toBe('FORBIDDEN');
    expect(errorCode(await h.call(SET_THRESHOLD, { threshold: 3 }, viewer))).toBe('FORBIDDEN');
  });
});

describe('low stock', () => {
  it('tells the supplier once when a variant crosses its threshold, and again only after it recovered', async () => {
    const supplier = await organization(h, 'SUPPLIER', 'Stocky', 1);
    const admin = member(supplier.id, 'SUPPLIER');
    expect((await h.call(SET_THRESHOLD, { threshold: 3 }, admin)).data.setLowStockThreshold.settings).toEqual(
      {
        lowStockThreshold: 3,
      },
    );
    const variantId = newId('var');
    const lows: number[] = [];
    for (const total of [10, 3, 2, 8, 1]) {
      const e = await h.deliver(
        'supplier.stock.changed',
        {
          supplierId: supplier.id,
          brandId: newId('org'),
          variantId,
          warehouseId: newId('wh'),
          onHand: total,
          reserved: 0,
          available: total,
          totalAvailable: total,
          movement: 'ADJUSTED',
        },
        { aggregateId: `${supplier.id}:${variantId}`, orgId: supplier.id },
      );
      const n = await h.sql(
        "select count(*) as n from deliveries where event_id = ? and event_type = 'LOW_STOCK'",
        [e.id],
      );
      if (Number(n[0]!.n) > 0) lows.push(total);
    }
    expect(lows).toEqual([3, 1]);
  });
});

describe('templates', () => {
  it('platform staff edit a template; new notifications use it, values escaped in HTML', async () => {
    const retailer = await organization(h, 'RETAILER', '<img src=x onerror=alert(1)>', 0);
    const updated = await h.call(
      UPDATE_TEMPLATE,
      {
        input: {
          eventType: 'ORDER_CONFIRMED',
          locale: 'en',
          subject: 'Confirmed: {{order.number}}',
          text: 'Your order {{order.number}} from {{retailer.name}} is confirmed.',
          html: '<p>Your order <b>{{order.number}}</b> from {{retailer.name}} is confirmed.</p>',
        },
      },
      STAFF,
    );
    expect(updated.data.updateNotificationTemplate.userErrors).toEqual([]);
    const buyer = await shopper(h);
    const placed = orderPlaced(retailer.id, buyer.customerId);
    await h.deliver('orders.order.placed', placed, { aggregateId: placed.orderId, orgId: retailer.id });
    const e = await h.deliver(
      'orders.order.status-changed',
      {
        orderId: placed.orderId,
        number: placed.number,
        retailerId: retailer.id,
        customerId: buyer.customerId,
        brandIds: [],
        supplierIds: [],
        previousStatus: 'PAYMENT_AUTHORIZED',
        status: 'CONFIRMED',
        reason: null,
        actor: { kind: 'SYSTEM', id: null },
        at: new Date().toISOString(),
      },
      { aggregateId: placed.orderId, orgId: retailer.id },
    );
    await sentOf(e.id);
    const mail = smtp.to(buyer.email).find((m) => m.raw.includes(`Subject: Confirmed: ${placed.number}`));
    expect(mail).toBeDefined();
    const html = await h.sql("select html_body from deliveries where event_id = ? and channel = 'EMAIL'", [
      e.id,
    ]);
    expect(html[0]!.html_body).toBe(
      `<p>Your order <b>${placed.number}</b> from &lt;img src=x onerror=alert(1)&gt; is confirmed.</p>`,
    );
    const listed = (await h.call(TEMPLATES, { eventType: 'ORDER_CONFIRMED' }, STAFF)).data
      .notificationTemplates;
    expect(listed.find((t: { locale: string }) => t.locale === 'en')).toMatchObject({
      subject: 'Confirmed: {{order.number}}',
    });
  });

  it('refuses template code and prototype paths, and anyone but platform staff', async () => {
    const input = { eventType: 'ORDER_SHIPPED', locale: 'en', subject: 'x', text: 'y' };
    for (const [field, value] of [
      ['subject', '{{#each order}}x{{/each}}'],
      ['text', "{{ order.constructor.constructor('return process')() }}"],
      ['text', '{{__proto__.polluted}}'],
      ['html', '{{order.number}'],
    ] as const) {
      const res = await h.call(UPDATE_TEMPLATE, { input: { ...input, [field]: value } }, STAFF);
      expect(res.data.updateNotificationTemplate.userErrors).toMatchObject([
        { code: 'INVALID', field: [field] },
      ]);
    }
    const owner = member(newId('org'), 'RETAILER');
    expect(errorCode(await h.call(UPDATE_TEMPLATE, { input }, owner))).toBe('FORBIDDEN');
    expect(errorCode(await h.call(TEMPLATES, {}, owner))).toBe('FORBIDDEN');
  });
});

describe('security mail', () => {
  it('emails the verification link to the address being verified, even when the user turned email off', async () => {
    const retailer = await organization(h, 'RETAILER', 'Verify', 1);
    const who = retailer.members[0]!;
    const e = await h.deliver(
      'identity.email-verification.requested',
      {
        userId: who.principal.userId,
        email: 'new-address@example.test',
        token: 'v+1/2',
        expiresAt: '2026-12-01T00:00:00.000Z',
      },
      { aggregateId: who.principal.userId, orgId: null },
    );
    expect(await sentOf(e.id)).toEqual([
      { channel: 'EMAIL', address: 'new-address@example.test', status: 'SENT' },
    ]);
    const [mail] = smtp.to('new-address@example.test');
    expect(mail?.raw).toContain('Subject: Confirm your email address');
    const [row] = await h.sql('select text_body from deliveries where event_id = ?', [e.id]);
    expect(row!.text_body).toContain(
      'https://app.example.test/verify-email?token=v%2B1%2F2 before 2026-12-01',
    );
  });

  it('emails the reset link in the account’s locale', async () => {
    const buyer = await shopper(h);
    await h.call(
      'mutation { setNotificationContact(input: { locale: "de-AT" }) { contact { locale } } }',
      {},
      buyer.principal,
    );
    const e = await h.deliver(
      'identity.password-reset.requested',
      { email: buyer.email, token: 'reset-token', expiresAt: '2026-12-01T00:00:00.000Z' },
      { aggregateId: buyer.customerId, orgId: null },
    );
    await sentOf(e.id);
    const [mail] = smtp.to(buyer.email);
    expect(mail?.raw).toContain('Subject: =?UTF-8?');
    const [row] = await h.sql('select subject, text_body from deliveries where event_id = ?', [e.id]);
    expect(row).toEqual({
      subject: 'Passwort zurücksetzen',
      text_body: `Öffnen Sie https://app.example.test/reset-password?token=reset-token vor 2026-12-01T00:00:00.000Z, um ein neues Passwort für ${buyer.email} zu wählen.`,
    });
  });
});
