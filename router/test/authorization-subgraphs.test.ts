import { createPublicKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { generateInternalKeyPair } from '@tradegraph/shared';
import { Kind, type OperationDefinitionNode, parse } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningRouter, startRouter } from '../src/router.ts';
import {
  type FakeIdentity,
  newSigningKey,
  type SigningKey,
  signAccessToken,
  startFakeIdentity,
} from './helpers.ts';

/**
 * The authorization directives of supplier, retailer, orders, payments,
 * notifications and platform, enforced by the router on the committed
 * supergraph: a denied field answers null with UNAUTHORIZED_FIELD_OR_TYPE and
 * its subgraph is never fetched; an authorised caller is served; the paths the
 * subgraphs decide themselves (storefront browsing, carts, cancelling with a
 * token) still reach them anonymously. The subgraphs are stand-ins that count
 * the root fields they are asked for and answer canned data.
 */

const SUBGRAPHS = [
  'identity',
  'catalog',
  'supplier',
  'retailer',
  'orders',
  'payments',
  'notifications',
  'platform',
];

/** What a stand-in answers for a root field it is asked for. */
const CANNED: Record<string, unknown> = {
  fulfillmentGroups: { totalCount: 3 },
  markShipmentDelivered: { userErrors: [] },
  myStorefronts: { totalCount: 2 },
  publishStorefront: { userErrors: [] },
  storefront: { name: 'Corner store' },
  createCart: { userErrors: [] },
  fulfillmentRules: { supplierPriority: [] },
  refundOrder: { userErrors: [] },
  cancelOrder: { userErrors: [] },
  ledgerBalance: { amount: '0', currencyCode: 'EUR' },
  createPayout: { userErrors: [] },
  notifications: { totalCount: 1 },
  notificationTemplates: [],
  invoices: { totalCount: 4 },
  organizationSubscription: { status: 'ACTIVE' },
  suspendOrganization: { userErrors: [] },
};

interface StandIn {
  server: Server;
  /** Root fields asked for, per subgraph. */
  asked: string[];
}

const standIns = new Map<string, StandIn>();
const keys = generateInternalKeyPair();
let identity: FakeIdentity;
let signingKey: SigningKey;
let router: RunningRouter;

async function startStandIn(name: string): Promise<string> {
  const standIn: StandIn = { server: createServer(), asked: [] };
  standIn.server.on('request', async (req, res) => {
    // Only GraphQL here (the router's entity cache asks for invalidation feeds these stand-ins do not serve).
    if (req.method !== 'POST') {
      res.writeHead(404).end();
      return;
    }
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const { query } = JSON.parse(Buffer.concat(chunks).toString()) as { query: string };
    const operation = parse(query).definitions.find(
      (d) => d.kind === Kind.OPERATION_DEFINITION,
    ) as OperationDefinitionNode;
    const data: Record<string, unknown> = {};
    for (const s of operation.selectionSet.selections) {
      if (s.kind !== Kind.FIELD) continue;
      standIn.asked.push(s.name.value);
      data[s.alias?.value ?? s.name.value] = CANNED[s.name.value] ?? null;
    }
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ data }));
  });
  await new Promise<void>((r) => standIn.server.listen(0, '127.0.0.1', r));
  standIns.set(name, standIn);
  return `http://127.0.0.1:${(standIn.server.address() as AddressInfo).port}/graphql`;
}

const asked = (subgraph: string) => [...(standIns.get(subgraph)?.asked ?? [])];

type Body = {
  data?: Record<string, unknown> | null;
  errors?: { message: string; path?: (string | number)[]; extensions?: Record<string, unknown> }[];
};

async function post(query: string, token?: string, variables?: Record<string, unknown>): Promise<Body> {
  const res = await fetch(router.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  expect(res.status).toBe(200);
  return (await res.json()) as Body;
}

const user = (kind: string, perms: string[]) =>
  signAccessToken(
    {
      typ: 'user',
      sub: 'usr_1',
      org: `org_${kind.toLowerCase()}`,
      okd: kind,
      role: 'ADMIN',
      perms,
      sid: 'ses_1',
    },
    { key: signingKey },
  );
const customer = () => signAccessToken({ typ: 'customer', sub: 'cus_1', sid: 'ses_2' }, { key: signingKey });

const denials = (body: Body) => body.errors?.map((e) => [e.path, e.extensions?.code, e.message]);

/**
 * Asserts the query was refused at the router: the directive's error, no fetch of the subgraph. A denied
 * non-null root field nulls `data` (the error's path is then where the null lands: the root).
 */
async function expectRefused(
  subgraph: string,
  query: string,
  field: string,
  token?: string,
  nullable = false,
) {
  const before = asked(subgraph);
  const body = await post(query, token);
  const root = field.split('.')[1]!;
  expect(body.data).toEqual(nullable ? { [root]: null } : null);
  expect(denials(body)).toEqual([
    [nullable ? [root] : [], 'UNAUTHORIZED_FIELD_OR_TYPE', `Unauthorized field or type: ${field}`],
  ]);
  expect(asked(subgraph)).toEqual(before);
}

/** Asserts the query was served by the subgraph (one fetch, no error). */
async function expectServed(subgraph: string, query: string, root: string, token?: string) {
  const before = asked(subgraph);
  const body = await post(query, token);
  expect(body.errors).toBeUndefined();
  expect(body.data).toEqual({ [root]: CANNED[root] });
  expect(asked(subgraph)).toEqual([...before, root]);
}

beforeAll(async () => {
  [identity, signingKey] = await Promise.all([
    startFakeIdentity(createPublicKey(keys.publicKey)),
    newSigningKey('k1'),
  ]);
  identity.published.push(signingKey);
  const env: Record<string, string> = {
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    INTERNAL_TOKEN_PRIVATE_KEY: Buffer.from(keys.privateKey).toString('base64'),
    IDENTITY_URL: identity.url,
    IDENTITY_JWKS_URL: identity.jwksUrl,
    ROUTER_RATE_LIMIT: 'false',
    REDIS_URL: '',
  };
  for (const name of SUBGRAPHS) env[`SUBGRAPH_${name.toUpperCase()}_URL`] = await startStandIn(name);
  const supergraphSdl = readFileSync(new URL('../../schema/supergraph.graphql', import.meta.url), 'utf8');
  router = await startRouter({ supergraphSdl, port: 0, host: '127.0.0.1', env });
});

afterAll(async () => {
  await router?.stop();
  await identity?.stop();
  await Promise.all(
    [...standIns.values()].map(
      (s) =>
        new Promise<void>((r) => {
          s.server.close(() => r());
          s.server.closeAllConnections();
        }),
    ),
  );
});

describe('authorization directives of the subgraphs, on the committed supergraph', () => {
  it('supplier: fulfilment queue for a supplier with inventory:read or orders:read, shipments with orders:manage', async () => {
    const queue = '{ fulfillmentGroups(first: 1) { totalCount } }';
    await expectRefused('supplier', queue, 'Query.fulfillmentGroups');
    await expectRefused(
      'supplier',
      queue,
      'Query.fulfillmentGroups',
      await user('RETAILER', ['orders:read']),
    );
    await expectRefused(
      'supplier',
      queue,
      'Query.fulfillmentGroups',
      await user('SUPPLIER', ['catalog:read']),
    );
    await expectServed('supplier', queue, 'fulfillmentGroups', await user('SUPPLIER', ['orders:read']));
    await expectServed('supplier', queue, 'fulfillmentGroups', await user('SUPPLIER', ['inventory:read']));

    const ship = 'mutation { markShipmentDelivered(input: { shipmentId: "shp_1" }) { userErrors { code } } }';
    await expectRefused(
      'supplier',
      ship,
      'Mutation.markShipmentDelivered',
      await user('SUPPLIER', ['orders:read']),
    );
    await expectRefused(
      'supplier',
      ship,
      'Mutation.markShipmentDelivered',
      await user('BRAND', ['orders:manage']),
    );
    identity.apiKeys.set('tgk_supplier_shipping', {
      kind: 'apiKey',
      apiKeyId: 'key_ship',
      organizationId: 'org_supplier',
      organizationKind: 'SUPPLIER',
      permissions: ['orders:manage'],
    });
    await expectServed('supplier', ship, 'markShipmentDelivered', 'tgk_supplier_shipping');
  });

  it('retailer: own storefronts and storefront writes for the retailer, browsing and carts stay public', async () => {
    const mine = '{ myStorefronts(first: 1) { totalCount } }';
    await expectRefused('retailer', mine, 'Query.myStorefronts');
    await expectRefused('retailer', mine, 'Query.myStorefronts', await user('BRAND', ['storefronts:read']));
    await expectServed('retailer', mine, 'myStorefronts', await user('RETAILER', ['storefronts:read']));

    const publish = 'mutation { publishStorefront(input: { id: "sfr_1" }) { userErrors { code } } }';
    await expectRefused('retailer', publish, 'Mutation.publishStorefront', await customer());
    await expectRefused(
      'retailer',
      publish,
      'Mutation.publishStorefront',
      await user('RETAILER', ['storefronts:read']),
    );
    await expectServed(
      'retailer',
      publish,
      'publishStorefront',
      await user('RETAILER', ['storefronts:write']),
    );

    await expectServed('retailer', '{ storefront(slug: "corner-store") { name } }', 'storefront');
    await expectServed(
      'retailer',
      'mutation { createCart(input: { storefrontSlug: "corner-store" }) { userErrors { code } } }',
      'createCart',
    );
  });

  it('orders: rules and refunds for the retailer, cancelling stays with the subgraph (guests with a token)', async () => {
    const rules = '{ fulfillmentRules { supplierPriority } }';
    await expectRefused('orders', rules, 'Query.fulfillmentRules', await user('SUPPLIER', ['orders:read']));
    await expectServed('orders', rules, 'fulfillmentRules', await user('RETAILER', ['orders:read']));

    const refund =
      'mutation { refundOrder(input: { orderId: "ord_1", reason: "damaged", idempotencyKey: "k1" }) { userErrors { code } } }';
    await expectRefused('orders', refund, 'Mutation.refundOrder', await user('RETAILER', ['orders:read']));
    await expectServed('orders', refund, 'refundOrder', await user('RETAILER', ['orders:manage']));

    await expectServed(
      'orders',
      'mutation { cancelOrder(input: { orderId: "ord_1", reason: "changed my mind", accessToken: "oat_1" }) { userErrors { code } } }',
      'cancelOrder',
    );
  });

  it('payments: ledger with billing:read, payouts with billing:manage for a brand, supplier or retailer', async () => {
    const balance = '{ ledgerBalance { amount currencyCode } }';
    await expectRefused('payments', balance, 'Query.ledgerBalance');
    await expectRefused('payments', balance, 'Query.ledgerBalance', await customer());
    await expectServed('payments', balance, 'ledgerBalance', await user('SUPPLIER', ['billing:read']));

    const payout =
      'mutation { createPayout(input: { currencyCode: "EUR", idempotencyKey: "p1" }) { userErrors { code } } }';
    await expectRefused(
      'payments',
      payout,
      'Mutation.createPayout',
      await user('RETAILER', ['billing:read']),
    );
    await expectRefused(
      'payments',
      payout,
      'Mutation.createPayout',
      await user('PLATFORM', ['billing:manage']),
    );
    await expectServed('payments', payout, 'createPayout', await user('BRAND', ['billing:manage']));
  });

  it('notifications: the feed for any signed-in caller (customers too), templates for platform staff', async () => {
    const feed = '{ notifications(first: 1) { totalCount } }';
    await expectRefused('notifications', feed, 'Query.notifications');
    await expectServed('notifications', feed, 'notifications', await customer());

    const templates = '{ notificationTemplates { eventType } }';
    await expectRefused(
      'notifications',
      templates,
      'Query.notificationTemplates',
      await user('BRAND', ['platform:admin']),
    );
    await expectServed(
      'notifications',
      templates,
      'notificationTemplates',
      await user('PLATFORM', ['platform:admin']),
    );
  });

  it('platform: administration for platform staff, own invoices with billing:read', async () => {
    const suspend =
      'mutation { suspendOrganization(input: { organizationId: "org_x", reason: "fraud" }) { userErrors { code } } }';
    await expectRefused(
      'platform',
      suspend,
      'Mutation.suspendOrganization',
      await user('RETAILER', ['platform:admin', 'org:manage']),
    );
    await expectServed(
      'platform',
      suspend,
      'suspendOrganization',
      await user('PLATFORM', ['platform:admin']),
    );

    const own = '{ organizationSubscription { status } }';
    await expectRefused(
      'platform',
      own,
      'Query.organizationSubscription',
      await user('RETAILER', ['org:read']),
      true,
    );
    await expectServed('platform', own, 'organizationSubscription', await user('RETAILER', ['billing:read']));

    const invoices = '{ invoices(first: 1) { totalCount } }';
    await expectRefused('platform', invoices, 'Query.invoices', await user('RETAILER', ['orders:read']));
    await expectServed('platform', invoices, 'invoices', await user('RETAILER', ['billing:read']));
    await expectServed('platform', invoices, 'invoices', await user('PLATFORM', ['platform:admin']));
  });
});
