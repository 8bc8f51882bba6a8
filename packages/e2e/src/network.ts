import type { GraphQLResponse } from '@tradegraph/shared';

/**
 * A small trading network built through the router's public API, for the
 * checkout tests and benchmarks: one brand with a product, one supplier with a
 * warehouse, offers and stock, one retailer with a published storefront and
 * fixed-price listings. Works against any router URL (in-process stack or
 * real processes).
 */

export type Gql = (
  query: string,
  variables?: Record<string, unknown>,
  token?: string,
) => Promise<GraphQLResponse<Record<string, any>>>;

export interface Party {
  token: string;
  orgId: string;
  name: string;
}

/** One request that must succeed: no errors and no userErrors (throws with what came back otherwise). */
export async function must<T = Record<string, any>>(
  gql: Gql,
  query: string,
  variables: Record<string, unknown> = {},
  token?: string,
): Promise<T> {
  const res = await gql(query, variables, token);
  if (res.errors?.length) throw new Error(`${query.slice(0, 70)}…: ${JSON.stringify(res.errors)}`);
  const [payload] = Object.values(res.data ?? {}) as { userErrors?: unknown[] }[];
  if (payload?.userErrors?.length)
    throw new Error(`${query.slice(0, 70)}…: ${JSON.stringify(payload.userErrors)}`);
  return payload as T;
}

export async function signUp(gql: Gql, email: string, org: string, kind: string): Promise<Party> {
  const s = await must<{ accessToken: string; organization: { id: string; name: string } }>(
    gql,
    `mutation($i: SignUpInput!) { signUp(input: $i) { accessToken organization { id name } userErrors { code message } } }`,
    { i: { email, password: 'a long enough password', name: org, organization: { name: org, kind } } },
  );
  return { token: s.accessToken, orgId: s.organization.id, name: s.organization.name };
}

export async function login(gql: Gql, email: string, password: string): Promise<string> {
  const s = await must<{ accessToken: string }>(
    gql,
    `mutation($i: LoginInput!) { login(input: $i) { accessToken userErrors { code message } } }`,
    { i: { email, password } },
  );
  return s.accessToken;
}

export async function registerCustomer(gql: Gql, email: string): Promise<string> {
  const s = await must<{ accessToken: string }>(
    gql,
    `mutation($i: RegisterCustomerInput!) { registerCustomer(input: $i) { accessToken userErrors { code message } } }`,
    { i: { email, password: 'a long enough password', name: 'Shopper' } },
  );
  return s.accessToken;
}

export async function connect(gql: Gql, from: Party, to: Party, scopes: string[]): Promise<void> {
  const req = await must<{ connection: { id: string } }>(
    gql,
    `mutation($i: RequestConnectionInput!) { requestConnection(input: $i) { connection { id } userErrors { code message } } }`,
    { i: { partnerId: to.orgId, scopes } },
    from.token,
  );
  await must(
    gql,
    `mutation($i: RespondToConnectionInput!) { respondToConnection(input: $i) { connection { status } userErrors { code message } } }`,
    { i: { connectionId: req.connection.id, accept: true } },
    to.token,
  );
}

export interface Network {
  brand: Party;
  supplier: Party;
  retailer: Party;
  warehouseId: string;
  storefrontId: string;
  slug: string;
  /** One per variant: ids and the stock it started with. */
  items: { variantId: string; listingId: string; stock: number }[];
  /** Retail and wholesale price of one unit, minor units (the same for every item). */
  priceMinor: number;
  wholesaleMinor: number;
}

const ADDRESS = { name: 'Depot', line1: 'Kade 2', city: 'Rotterdam', postalCode: '3011AB', country: 'NL' };

/**
 * Builds the network. `stock` gives the units of each variant (its length is
 * the number of variants). Prices: retail 25.00 EUR (fixed listing price),
 * wholesale 10.00 EUR.
 */
export async function buildNetwork(gql: Gql, tag: string, stock: number[]): Promise<Network> {
  const brand = await signUp(gql, `bea@${tag}-brand.test`, `${tag} Brand`, 'BRAND');
  const supplier = await signUp(gql, `sam@${tag}-supply.test`, `${tag} Supply Co.`, 'SUPPLIER');
  const retailer = await signUp(gql, `rita@${tag}-retail.test`, `${tag} Retail`, 'RETAILER');
  await connect(gql, retailer, brand, ['CATALOG_READ', 'SELL_PRODUCTS']);
  await connect(gql, supplier, brand, ['CATALOG_READ', 'FULFILL_ORDERS']);
  const warehouseId = await createWarehouse(gql, supplier, tag);
  const slug = `${tag}-store`.toLowerCase();
  const sf = await must<{ storefront: { id: string } }>(
    gql,
    `mutation($i: CreateStorefrontInput!) { createStorefront(input: $i) { storefront { id } userErrors { code message } } }`,
    { i: { name: `${tag} Store`, slug, currencyCode: 'EUR', defaultMarkupPercent: '40' } },
    retailer.token,
  );
  const items = await stockAndList(
    gql,
    { brand, supplier, retailer, warehouseId, storefrontId: sf.storefront.id },
    tag,
    stock,
  );
  await must(
    gql,
    `mutation($i: PublishStorefrontInput!) { publishStorefront(input: $i) { storefront { id } userErrors { code message } } }`,
    { i: { id: sf.storefront.id } },
    retailer.token,
  );
  return {
    brand,
    supplier,
    retailer,
    warehouseId,
    storefrontId: sf.storefront.id,
    slug,
    items,
    priceMinor: 2500,
    wholesaleMinor: 1000,
  };
}

/**
 * A second brand and supplier selling through the same storefront (a product
 * with `stock.length` variants): orders mixing both split into two groups.
 */
export async function addPartners(
  gql: Gql,
  net: Network,
  tag: string,
  stock: number[],
): Promise<{ brand: Party; supplier: Party; warehouseId: string; items: Network['items'] }> {
  const brand = await signUp(gql, `bea@${tag}-brand.test`, `${tag} Brand`, 'BRAND');
  const supplier = await signUp(gql, `sam@${tag}-supply.test`, `${tag} Supply Co.`, 'SUPPLIER');
  await connect(gql, net.retailer, brand, ['CATALOG_READ', 'SELL_PRODUCTS']);
  await connect(gql, supplier, brand, ['CATALOG_READ', 'FULFILL_ORDERS']);
  const warehouseId = await createWarehouse(gql, supplier, tag);
  const items = await stockAndList(gql, { ...net, brand, supplier, warehouseId }, tag, stock);
  return { brand, supplier, warehouseId, items };
}

async function createWarehouse(gql: Gql, supplier: Party, tag: string): Promise<string> {
  const wh = await must<{ warehouse: { id: string } }>(
    gql,
    `mutation($i: CreateWarehouseInput!) { createWarehouse(input: $i) { warehouse { id } userErrors { code message } } }`,
    { i: { name: `${tag} DC`, address: ADDRESS } },
    supplier.token,
  );
  return wh.warehouse.id;
}

/** The brand's product with one variant per `stock` entry, offered and stocked by the supplier, listed at 25.00. */
async function stockAndList(
  gql: Gql,
  p: { brand: Party; supplier: Party; retailer: Party; warehouseId: string; storefrontId: string },
  tag: string,
  stock: number[],
): Promise<Network['items']> {
  const sizes = stock.map((_, i) => `V${i}`);
  const created = await must<{ product: { id: string; variants: { id: string; sku: string }[] } }>(
    gql,
    `mutation($i: CreateProductInput!) { createProduct(input: $i) { product { id variants { id sku } } userErrors { code message field } } }`,
    {
      i: {
        name: `${tag} Mug`,
        options: [{ name: 'Size', values: sizes }],
        variants: sizes.map((size) => ({
          sku: `${tag}-${size}`.toUpperCase(),
          options: [{ name: 'Size', value: size }],
          msrp: { amount: '25.00', currencyCode: 'EUR' },
        })),
      },
    },
    p.brand.token,
  );
  await must(
    gql,
    `mutation($i: PublishProductInput!) { publishProduct(input: $i) { product { status } userErrors { code message } } }`,
    { i: { id: created.product.id } },
    p.brand.token,
  );
  const bySku = new Map(created.product.variants.map((v) => [v.sku, v.id]));
  const items: Network['items'] = [];
  for (const [i, size] of sizes.entries()) {
    const variantId = bySku.get(`${tag}-${size}`.toUpperCase())!;
    await must(
      gql,
      `mutation($i: UpsertOfferInput!) { upsertOffer(input: $i) { offer { id } userErrors { code message } } }`,
      {
        i: {
          variantId,
          wholesalePrice: { amount: '10.00', currencyCode: 'EUR' },
          minimumOrderQuantity: 1,
          leadTimeDays: 2,
        },
      },
      p.supplier.token,
    );
    if (stock[i]! > 0)
      await must(
        gql,
        `mutation($i: AdjustInventoryInput!) { adjustInventory(input: $i) { level { available } userErrors { code message } } }`,
        { i: { warehouseId: p.warehouseId, variantId, delta: stock[i], reason: 'initial stock' } },
        p.supplier.token,
      );
    const listed = await must<{ listing: { id: string } }>(
      gql,
      `mutation($i: CreateListingInput!) { createListing(input: $i) { listing { id } userErrors { code message } } }`,
      { i: { storefrontId: p.storefrontId, variantId, price: { amount: '25.00', currencyCode: 'EUR' } } },
      p.retailer.token,
    );
    items.push({ variantId, listingId: listed.listing.id, stock: stock[i]! });
  }
  return items;
}

/** A cart of the storefront with `lines` (listing id, quantity); as `token` (a customer) or anonymous. */
export async function cartWith(
  gql: Gql,
  slug: string,
  lines: { listingId: string; quantity: number }[],
  token?: string,
): Promise<string> {
  const cart = await must<{ cart: { id: string } }>(
    gql,
    `mutation($i: CreateCartInput!) { createCart(input: $i) { cart { id } userErrors { code message } } }`,
    { i: { storefrontSlug: slug } },
    token,
  );
  for (const l of lines)
    await must(
      gql,
      `mutation($i: AddCartLineInput!) { addCartLine(input: $i) { cart { id } userErrors { code message } } }`,
      { i: { cartId: cart.cart.id, ...l } },
      token,
    );
  return cart.cart.id;
}

export const CHECKOUT = `mutation($i: CheckoutInput!) {
  checkout(input: $i) {
    order { id number status total { amount currencyCode } }
    orderAccessToken
    userErrors { code message field }
  }
}`;

export interface CheckoutResult {
  order: {
    id: string;
    number: string;
    status: string;
    total: { amount: string; currencyCode: string };
  } | null;
  orderAccessToken: string | null;
  userErrors: { code: string; message: string; field: string[] | null }[];
}

/** checkout; answers the payload (userErrors included) or throws on GraphQL errors. */
export async function checkout(
  gql: Gql,
  cartId: string,
  opts: { paymentToken?: string; idempotencyKey?: string; token?: string; email?: string } = {},
): Promise<CheckoutResult> {
  const res = await gql(
    CHECKOUT,
    {
      i: {
        cartId,
        email: opts.email ?? 'shopper@example.test',
        shippingAddress: {
          name: 'Sasha Shopper',
          line1: 'Main St 1',
          city: 'Utrecht',
          postalCode: '3511AA',
          country: 'NL',
        },
        paymentToken: opts.paymentToken ?? 'tok_visa',
        idempotencyKey: opts.idempotencyKey ?? `key-${cartId}`,
      },
    },
    opts.token,
  );
  if (res.errors?.length) throw new Error(`checkout: ${JSON.stringify(res.errors)}`);
  return res.data!.checkout as CheckoutResult;
}

export const ORDER_STATUS = `query($id: ID!, $t: String) { order(id: $id, accessToken: $t) { id status statusReason } }`;

/**
 * Environment the test networks need: accounts made by signUp accept partner
 * connections at once (identity otherwise waits for the emailed verification link).
 */
export const NETWORK_ENV = { IDENTITY_AUTO_VERIFY_EMAILS: 'true' };
/** The same for an identity process of its own, which refuses the setting when NODE_ENV is production. */
export const NETWORK_IDENTITY_ENV = { IDENTITY_AUTO_VERIFY_EMAILS: 'true', NODE_ENV: 'development' };
