import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { newId, type OrganizationKind, type Principal } from '@tradegraph/shared';
import { member, startHarness } from '@tradegraph/testing';
import { SMTPServer } from 'smtp-server';
import { start } from '../src/service.ts';

/** A real SMTP server on localhost that keeps what it receives; addresses containing "bounce" are refused (550). */
export async function startSmtp() {
  const received: { from: string; to: string[]; raw: string }[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onRcptTo(address, _session, callback) {
      if (address.address.includes('bounce')) {
        return callback(Object.assign(new Error('No such user'), { responseCode: 550 }));
      }
      return callback();
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        received.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((r) => r.address),
          raw: Buffer.concat(chunks).toString('utf8'),
        });
        callback();
      });
    },
  });
  server.listen(0, '127.0.0.1');
  await once(server.server, 'listening');
  const port = (server.server.address() as AddressInfo).port;
  return {
    url: `smtp://127.0.0.1:${port}`,
    received,
    /** Mail received for `address`. */
    to: (address: string) => received.filter((m) => m.to.includes(address)),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** A local HTTP listener standing in for Slack: /ok/… answers 200, /down/… 500, /gone/… 404. */
export async function startSlack() {
  const received: { path: string; body: { text: string } }[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({ path: req.url ?? '', body: JSON.parse(Buffer.concat(chunks).toString('utf8')) });
      const status = req.url?.startsWith('/down/') ? 500 : req.url?.startsWith('/gone/') ? 404 : 200;
      res.writeHead(status, { 'content-type': 'text/plain' }).end(status === 200 ? 'ok' : 'no_service');
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    base,
    received,
    at: (path: string) => received.filter((r) => r.path === path),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** The notifications subgraph on fresh databases, mailing to `smtpUrl`, Slack allowed on localhost, quick retries. */
export const startNotifications = (smtpUrl: string, env: Record<string, string> = {}) =>
  startHarness({
    name: 'notifications',
    start,
    env: {
      SMTP_URL: smtpUrl,
      NOTIFICATIONS_SLACK_WEBHOOK_PREFIXES: 'http://127.0.0.1:',
      NOTIFICATIONS_SWEEP_INTERVAL_MS: '30',
      NOTIFICATIONS_RETRY_BASE_MS: '20',
      NOTIFICATIONS_RETRY_MAX_MS: '100',
      NOTIFICATIONS_MAX_ATTEMPTS: '3',
      NOTIFICATIONS_SEND_TIMEOUT_MS: '2000',
      ...env,
    },
  });
export type NotificationsHarness = Awaited<ReturnType<typeof startNotifications>>;

/** An organisation with `members` registered members, as identity would announce them. */
export async function organization(
  h: NotificationsHarness,
  kind: OrganizationKind,
  name: string,
  members = 1,
): Promise<{ id: string; members: { principal: Extract<Principal, { kind: 'user' }>; email: string }[] }> {
  const id = newId('org');
  await h.deliver(
    'identity.organization.created',
    { organizationId: id, name, kind, slug: id.toLowerCase(), createdByUserId: null },
    { aggregateId: id, orgId: id },
  );
  const people = [];
  for (let i = 0; i < members; i++) {
    const principal = member(id, kind);
    if (principal.kind !== 'user') throw new Error('member() gives a user');
    const email = `${principal.userId.toLowerCase()}@example.test`;
    await h.deliver(
      'identity.user.registered',
      { userId: principal.userId, email, name: `Member ${i}` },
      { aggregateId: principal.userId, orgId: null },
    );
    await h.deliver(
      'identity.membership.created',
      { membershipId: newId('mem'), organizationId: id, userId: principal.userId, role: 'OWNER' },
      { aggregateId: id, orgId: id },
    );
    people.push({ principal, email });
  }
  return { id, members: people };
}

/** A registered shopper. */
export async function shopper(h: NotificationsHarness) {
  const customerId = newId('cus');
  const email = `${customerId.toLowerCase()}@shop.test`;
  await h.deliver(
    'identity.customer.registered',
    { customerId, email, name: 'Shopper' },
    { aggregateId: customerId, orgId: null },
  );
  return { customerId, email, principal: { kind: 'customer', customerId } as const };
}

/** orders.order.placed of one line. */
export function orderPlaced(retailerId: string, customerId: string | null, total = '2450') {
  const orderId = newId('ord');
  return {
    orderId,
    number: `TG-${orderId.slice(-6)}`,
    cartId: newId('crt'),
    retailerId,
    storefrontId: newId('sf'),
    customerId,
    currencyCode: 'EUR',
    totalMinor: total,
    lines: [],
    groups: [],
    placedAt: new Date().toISOString(),
  };
}

export const FEED = `query ($unreadOnly: Boolean, $first: Int, $after: String) {
  notifications(unreadOnly: $unreadOnly, first: $first, after: $after) {
    totalCount pageInfo { hasNextPage endCursor }
    nodes { id eventType title body read readAt createdAt }
  }
}`;

export const MARK_READ = `mutation ($ids: [ID!]!) {
  markNotificationsRead(input: { ids: $ids }) { notifications { id read readAt } userErrors { field message code } }
}`;

export const SET_PREFERENCE = `mutation ($input: SetNotificationPreferenceInput!) {
  setNotificationPreference(input: $input) { preference { scope eventType channel enabled } userErrors { field message code } }
}`;

export const PREFERENCES = `query ($scope: NotificationPreferenceScope) {
  notificationPreferences(scope: $scope) { scope eventType channel enabled }
}`;

export const SET_SLACK = `mutation ($url: String) {
  setSlackWebhook(input: { url: $url }) { settings { organizationId slackWebhookConfigured lowStockThreshold } userErrors { field message code } }
}`;

export const SET_THRESHOLD = `mutation ($threshold: Int!) {
  setLowStockThreshold(input: { threshold: $threshold }) { settings { lowStockThreshold } userErrors { field message code } }
}`;

export const SET_CONTACT = `mutation ($input: SetNotificationContactInput!) {
  setNotificationContact(input: $input) { contact { phoneNumber locale } userErrors { field message code } }
}`;

export const UPDATE_TEMPLATE = `mutation ($input: UpdateNotificationTemplateInput!) {
  updateNotificationTemplate(input: $input) { template { eventType locale subject text html updatedAt } userErrors { field message code } }
}`;

export const TEMPLATES = `query ($eventType: NotificationEventType) {
  notificationTemplates(eventType: $eventType) { eventType locale subject text html updatedAt }
}`;
