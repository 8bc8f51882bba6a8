import { graphqlOk, graphqlRequest } from '@tradegraph/shared';
import { seedNetwork } from './seed-network.ts';
import { seedOrders } from './seed-orders.ts';

/**
 * Demo data, created through the public API (so it exercises what users use).
 * Idempotent: an account that can already sign in is reused.
 */

export const DEMO_PASSWORD = 'tradegraph-demo-1';

export const DEMO_ACCOUNTS = [
  { email: 'brand@demo.tradegraph.dev', name: 'Bea Brand', org: 'Northwind Outfitters', kind: 'BRAND' },
  { email: 'brand2@demo.tradegraph.dev', name: 'Bo Brand', org: 'Alpine Goods', kind: 'BRAND' },
  { email: 'brand3@demo.tradegraph.dev', name: 'Lu Brand', org: 'Lumen Home', kind: 'BRAND' },
  { email: 'supplier@demo.tradegraph.dev', name: 'Sam Supplier', org: 'Harbor Supply Co.', kind: 'SUPPLIER' },
  {
    email: 'supplier2@demo.tradegraph.dev',
    name: 'Sol Supplier',
    org: 'Nordic Fulfilment',
    kind: 'SUPPLIER',
  },
  { email: 'retailer@demo.tradegraph.dev', name: 'Rita Retailer', org: 'Corner Store', kind: 'RETAILER' },
  { email: 'retailer2@demo.tradegraph.dev', name: 'Max Retailer', org: 'Maple & Main', kind: 'RETAILER' },
] as const;

export const DEMO_PLATFORM_ADMIN = {
  email: 'admin@demo.tradegraph.dev',
  name: 'Ada Admin',
  org: 'Tradegraph Platform',
};
export const DEMO_CUSTOMER = { email: 'shopper@demo.tradegraph.dev', name: 'Sasha Shopper' };

const SESSION = 'accessToken organization { id name kind }';

async function signInOrUp(url: string, a: (typeof DEMO_ACCOUNTS)[number]) {
  const login = await graphqlRequest(
    url,
    `mutation($i: LoginInput!) { login(input: $i) { ${SESSION} userErrors { code } } }`,
    {
      i: { email: a.email, password: DEMO_PASSWORD },
    },
  );
  if (login.data?.login?.accessToken)
    return login.data.login as { accessToken: string; organization: { id: string } };
  const data = await graphqlOk(
    url,
    `mutation($i: SignUpInput!) { signUp(input: $i) { ${SESSION} userErrors { code message } } }`,
    {
      i: {
        email: a.email,
        password: DEMO_PASSWORD,
        name: a.name,
        organization: { name: a.org, kind: a.kind },
      },
    },
  );
  return data.signUp as { accessToken: string; organization: { id: string } };
}

async function ensureConnection(
  url: string,
  from: { accessToken: string },
  to: { accessToken: string; organization: { id: string } },
  scopes: string[],
) {
  const existing = await graphqlOk(
    url,
    `{ connections(filter: { status: ACTIVE }, first: 100) { nodes { requester { id } partner { id } } } }`,
    {},
    { token: from.accessToken },
  );
  const nodes = existing.connections.nodes as { requester: { id: string }; partner: { id: string } }[];
  if (nodes.some((c) => c.partner.id === to.organization.id || c.requester.id === to.organization.id)) return;
  const req = await graphqlOk(
    url,
    `mutation($i: RequestConnectionInput!) { requestConnection(input: $i) { connection { id } userErrors { code message } } }`,
    { i: { partnerId: to.organization.id, scopes } },
    { token: from.accessToken },
  );
  await graphqlOk(
    url,
    `mutation($i: RespondToConnectionInput!) { respondToConnection(input: $i) { connection { status } userErrors { code message } } }`,
    { i: { connectionId: req.requestConnection.connection.id, accept: true } },
    { token: to.accessToken },
  );
}

/**
 * Accounts and connections always; the network (catalogs, stock, storefronts)
 * when the catalog, supplier and retailer subgraphs are part of the graph.
 * Retailers and suppliers are connected to every brand, and retailers to suppliers.
 */
export async function seedDemo(
  url: string,
  withNetwork: boolean,
  log: (msg: string) => void = () => {},
): Promise<void> {
  const sessions = await Promise.all(DEMO_ACCOUNTS.map((a) => signInOrUp(url, a)));
  const of = (kind: string) =>
    DEMO_ACCOUNTS.map((a, i) => ({ a, s: sessions[i]! })).filter((x) => x.a.kind === kind);
  const brands = of('BRAND');
  const suppliers = of('SUPPLIER');
  const retailers = of('RETAILER');
  for (const b of brands) {
    for (const r of retailers) await ensureConnection(url, r.s, b.s, ['CATALOG_READ', 'SELL_PRODUCTS']);
    for (const sp of suppliers) await ensureConnection(url, sp.s, b.s, ['CATALOG_READ', 'FULFILL_ORDERS']);
  }
  for (const r of retailers)
    for (const sp of suppliers) await ensureConnection(url, r.s, sp.s, ['FULFILL_ORDERS']);
  const shopper = await graphqlRequest(
    url,
    `mutation($i: LoginInput!) { login(input: $i) { accessToken } }`,
    {
      i: { email: DEMO_CUSTOMER.email, password: DEMO_PASSWORD },
    },
  );
  let customerToken: string | null = shopper.data?.login?.accessToken ?? null;
  if (!customerToken) {
    const registered = await graphqlOk(
      url,
      `mutation($i: RegisterCustomerInput!) { registerCustomer(input: $i) { accessToken userErrors { code message } } }`,
      {
        i: { email: DEMO_CUSTOMER.email, password: DEMO_PASSWORD, name: DEMO_CUSTOMER.name },
      },
    );
    customerToken = registered.registerCustomer.accessToken ?? null;
  }
  if (!withNetwork) return;
  const session = (x: {
    a: (typeof DEMO_ACCOUNTS)[number];
    s: { accessToken: string; organization: { id: string } };
  }) => ({
    token: x.s.accessToken,
    orgId: x.s.organization.id,
    account: x.a.email,
  });
  await seedNetwork(
    url,
    { brands: brands.map(session), suppliers: suppliers.map(session), retailers: retailers.map(session) },
    log,
  );
  // Orders in several states on the first retailer's storefront (seed-network.ts: corner-store).
  await seedOrders(
    url,
    {
      retailer: { token: retailers[0]!.s.accessToken },
      suppliers: suppliers.map((x) => ({ token: x.s.accessToken, orgId: x.s.organization.id })),
      customerToken,
      storefrontSlug: 'corner-store',
    },
    log,
  );
}
