import { newId } from '@tradegraph/shared';
import { eventually, member } from '@tradegraph/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type NotificationsHarness,
  orderPlaced,
  organization,
  SET_CONTACT,
  SET_PREFERENCE,
  SET_SLACK,
  shopper,
  startNotifications,
  startSlack,
  startSmtp,
} from './harness.ts';

let smtp: Awaited<ReturnType<typeof startSmtp>>;
let slack: Awaited<ReturnType<typeof startSlack>>;
let h: NotificationsHarness;
beforeAll(async () => {
  smtp = await startSmtp();
  slack = await startSlack();
  h = await startNotifications(smtp.url);
});
afterAll(async () => {
  await h?.stop();
  await smtp?.close();
  await slack?.close();
});

const deliveries = (eventId: string) =>
  h.sql(
    'select channel, address, status, attempts from deliveries where event_id = ? order by channel, address',
    [eventId],
  );
const settled = async (eventId: string) =>
  eventually(
    () => deliveries(eventId),
    (rows) => rows.length > 0 && rows.every((r) => r.status === 'SENT' || r.status === 'FAILED'),
    { what: `deliveries of ${eventId}` },
  );

describe('an order placed reaches each party on its channels', () => {
  it('emails the shopper over SMTP, writes both feeds and posts to the retailer Slack', async () => {
    const retailer = await organization(h, 'RETAILER', 'Corner <b>Shop</b>', 1);
    const staff = retailer.members[0]!;
    expect(
      (await h.call(SET_SLACK, { url: `${slack.base}/ok/${retailer.id}` }, staff.principal)).data
        .setSlackWebhook.userErrors,
    ).toEqual([]);
    const buyer = await shopper(h);
    const placed = orderPlaced(retailer.id, buyer.customerId);
    const e = await h.deliver('orders.order.placed', placed, {
      aggregateId: placed.orderId,
      orgId: retailer.id,
    });
    const rows = await settled(e.id);
    expect(rows.map((r) => [r.channel, r.address, r.status])).toEqual(
      [
        ['EMAIL', buyer.email, 'SENT'],
        ['EMAIL', staff.email, 'SENT'],
        ['IN_APP', buyer.customerId, 'SENT'],
        ['IN_APP', staff.principal.userId, 'SENT'],
        ['SLACK', `${slack.base}/ok/${retailer.id}`, 'SENT'],
      ].sort((a, b) => `${a[0]}${a[1]}`.localeCompare(`${b[0]}${b[1]}`)),
    );
    const [mail] = smtp.to(buyer.email);
    expect(mail?.raw).toContain(`Subject: Order ${placed.number} received`);
    expect(mail?.raw).toContain('24.50 EUR');
    // the organisation's name is the event's value: escaped in the HTML part, never markup
    expect(mail?.raw).toContain('Corner &lt;b&gt;Shop&lt;/b&gt;');
    expect(mail?.raw).not.toContain('Corner <b>Shop</b> ');
    const [post] = slack.at(`/ok/${retailer.id}`);
    expect(post?.body.text).toBe(
      `*Order ${placed.number} received*\nThank you! We received order ${placed.number} for 24.50 EUR at Corner &lt;b&gt;Shop&lt;/b&gt;.\nWe will let you know when it is confirmed.`,
    );
    const feed = await h.sql('select title from notifications where recipient_id = ?', [buyer.customerId]);
    expect(feed).toEqual([{ title: `Order ${placed.number} received` }]);
  });

  it('sends SMS through the local provider to a member who set a number and turned SMS on', async () => {
    const supplier = await organization(h, 'SUPPLIER', 'Depot', 1);
    const who = supplier.members[0]!;
    await h.call(SET_CONTACT, { input: { phoneNumber: '+49 151 1234 5678' } }, who.principal);
    const on = await h.call(
      SET_PREFERENCE,
      { input: { scope: 'USER', eventType: 'LOW_STOCK', channel: 'SMS', enabled: true } },
      who.principal,
    );
    expect(on.data.setNotificationPreference.userErrors).toEqual([]);
    const variantId = newId('var');
    const e = await h.deliver(
      'supplier.stock.changed',
      {
        supplierId: supplier.id,
        brandId: newId('org'),
        variantId,
        warehouseId: newId('wh'),
        onHand: 2,
        reserved: 0,
        available: 2,
        totalAvailable: 2,
        movement: 'ADJUSTED',
      },
      { aggregateId: `${supplier.id}:${variantId}`, orgId: supplier.id },
    );
    await settled(e.id);
    const sms = await h.sql(
      'select s.phone_number, s.body from sms_messages s join deliveries d on d.id = s.delivery_id where d.event_id = ?',
      [e.id],
    );
    expect(sms).toEqual([
      { phone_number: '+4915112345678', body: `Only 2 units of ${variantId} are available (threshold 5).` },
    ]);
  });
});

describe('retries', () => {
  it('retries a failing Slack webhook with backoff and records the permanent failure after the last attempt', async () => {
    const retailer = await organization(h, 'RETAILER', 'Flaky', 0);
    await h.call(SET_SLACK, { url: `${slack.base}/down/${retailer.id}` }, member(retailer.id, 'RETAILER'));
    const placed = orderPlaced(retailer.id, null);
    const e = await h.deliver('orders.order.placed', placed, {
      aggregateId: placed.orderId,
      orgId: retailer.id,
    });
    const [row] = await settled(e.id);
    expect(row).toMatchObject({ channel: 'SLACK', status: 'FAILED', attempts: 3 });
    const attempts = await h.sql(
      `select a.attempt, a.outcome, a.error, a.at from delivery_attempts a join deliveries d on d.id = a.delivery_id
       where d.event_id = ? order by a.attempt`,
      [e.id],
    );
    expect(attempts.map((a) => [a.attempt, a.outcome])).toEqual([
      [1, 'FAILED'],
      [2, 'FAILED'],
      [3, 'FAILED'],
    ]);
    expect(attempts[0]!.error).toContain('Slack answered 500');
    // backoff: 20 ms then 40 ms at least between attempts
    const at = attempts.map((a) => new Date(`${a.at.replace(' ', 'T')}Z`).getTime());
    expect(at[1]! - at[0]!).toBeGreaterThanOrEqual(20);
    expect(at[2]! - at[1]!).toBeGreaterThanOrEqual(40);
    expect(slack.at(`/down/${retailer.id}`)).toHaveLength(3);
    const failed = await eventually(
      () => h.outbox('notifications.delivery.failed'),
      (events) => events.some((ev) => ev.payload.eventId === e.id),
    );
    expect(failed.find((ev) => ev.payload.eventId === e.id)?.payload).toMatchObject({
      channel: 'SLACK',
      attempts: 3,
      recipientId: retailer.id,
    });
  });

  it('records a refused address (SMTP 550) as failed at once', async () => {
    const e = await h.deliver(
      'identity.password-reset.requested',
      { email: 'bounce@example.test', token: 'tok', expiresAt: '2026-12-01T00:00:00.000Z' },
      { aggregateId: newId('usr'), orgId: null },
    );
    const [row] = await settled(e.id);
    expect(row).toMatchObject({ channel: 'EMAIL', status: 'FAILED', attempts: 1 });
  });
});

describe('a redelivered event never sends twice', () => {
  it('queues and sends nothing more for the same event, even when its processed record is gone', async () => {
    const retailer = await organization(h, 'RETAILER', 'Twice', 1);
    const buyer = await shopper(h);
    const placed = orderPlaced(retailer.id, buyer.customerId);
    const e = await h.deliver('orders.order.placed', placed, {
      aggregateId: placed.orderId,
      orgId: retailer.id,
    });
    const first = await settled(e.id);
    const mailsBefore = smtp.to(buyer.email).length;
    // the same envelope again: the consumer's processed_events skips it
    await h.service.bus.producer.send([e]);
    // and once more after its record is gone: the deliveries' idempotency keys refuse it
    await h.sql('delete from processed_events where event_id = ?', [e.id]);
    await h.service.bus.producer.send([e]);
    await h.processed(e.id);
    expect(await deliveries(e.id)).toEqual(first);
    expect(smtp.to(buyer.email)).toHaveLength(mailsBefore);
    expect(
      await h.sql('select count(*) as n from notifications where recipient_id = ?', [buyer.customerId]),
    ).toEqual([{ n: 1 }]);
  });
});

describe('an email change', () => {
  it('moves later mail to the new address; an older change arriving late does not undo it', async () => {
    const org = await organization(h, 'BRAND', 'Renamed Inc');
    const person = org.members[0]!;
    const userId = person.principal.userId;
    const at = (ms: number) => new Date(Date.now() + ms);
    await h.deliver(
      'identity.user.email-changed',
      { userId, email: 'New.Address@Example.test', previousEmail: person.email },
      { aggregateId: userId, orgId: null, occurredAt: at(2_000) },
    );
    expect(await h.sql('select email from accounts where id = ?', [userId])).toEqual([
      { email: 'new.address@example.test' },
    ]);
    await h.deliver(
      'identity.user.email-changed',
      { userId, email: 'older@example.test', previousEmail: person.email },
      { aggregateId: userId, orgId: null, occurredAt: at(1_000) },
    );
    expect(await h.sql('select email from accounts where id = ?', [userId])).toEqual([
      { email: 'new.address@example.test' },
    ]);
  });
});
