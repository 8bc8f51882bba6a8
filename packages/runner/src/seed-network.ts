import { graphqlRequest } from '@tradegraph/shared';
import { DEMO_CATALOGS, generateCatalog } from './demo-catalog.ts';

/**
 * Demo data for the network, through the public API: generated brand catalogs,
 * supplier offers and stock in several warehouses, retailer storefronts with
 * listings. Idempotent step by step, so a run interrupted half-way completes on the next. Steps that depend on another
 * service's projection (a supplier offering a variant it just learned of) are
 * retried until the event has arrived.
 */

type Gql = (
  query: string,
  variables?: Record<string, unknown>,
  token?: string,
) => Promise<Record<string, any>>;

export interface NetworkSessions {
  brands: { token: string; orgId: string; account: string }[];
  suppliers: { token: string; orgId: string; account: string }[];
  retailers: { token: string; orgId: string; account: string }[];
}

/** Codes that mean a previous (partial) seed run already did this step. */
const ALREADY_DONE = new Set(['ALREADY_LISTED', 'DUPLICATE_RECEIPT']);

/** A GraphQL client that throws on errors and on userErrors, except `retryCodes` which are retried. */
function client(url: string): { gql: Gql; retrying: Gql } {
  const gql: Gql = async (query, variables = {}, token) => {
    const res = await graphqlRequest(url, query, variables, token ? { token } : {});
    if (res.errors?.length)
      throw new Error(`${query.slice(0, 60)}…: ${res.errors.map((e) => e.message).join('; ')}`);
    const [payload] = Object.values(res.data ?? {}) as { userErrors?: { code: string; message: string }[] }[];
    if (payload?.userErrors?.length) {
      const err = new Error(
        `${query.slice(0, 60)}…: ${payload.userErrors.map((e) => `${e.code} ${e.message}`).join('; ')}`,
      );
      throw Object.assign(err, { userErrors: payload.userErrors });
    }
    return res.data ?? {};
  };
  const retrying: Gql = async (query, variables, token) => {
    const deadline = Date.now() + 30_000;
    for (;;) {
      try {
        return await gql(query, variables, token);
      } catch (err) {
        const codes = ((err as { userErrors?: { code: string }[] }).userErrors ?? []).map((e) => e.code);
        if (codes.length && codes.every((c) => ALREADY_DONE.has(c))) return {};
        if (!codes.length || Date.now() > deadline) throw err;
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  };
  return { gql, retrying };
}

/** Runs `fn` over `items` with at most `n` in flight. */
async function pool<T>(items: T[], n: number, fn: (item: T, i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(n, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        await fn(items[i]!, i);
      }
    }),
  );
}

interface SeedVariant {
  id: string;
  msrp: number;
}

async function allVariantIds(gql: Gql, token: string, brandId: string): Promise<SeedVariant[]> {
  const ids: SeedVariant[] = [];
  let after: string | null = null;
  do {
    const data: Record<string, any> = await gql(
      `query($b: ID!, $a: String) { products(filter: { brandId: $b, status: ACTIVE }, first: 100, after: $a) { nodes { variants { id msrp { amount } } } pageInfo { hasNextPage endCursor } } }`,
      { b: brandId, a: after },
      token,
    );
    for (const p of data.products.nodes)
      for (const v of p.variants) ids.push({ id: v.id, msrp: Number(v.msrp?.amount ?? 20) });
    after = data.products.pageInfo.hasNextPage ? data.products.pageInfo.endCursor : null;
  } while (after);
  return ids;
}

/** The brand's variants as the partner sees them, waiting until catalog has learned of the connection. */
async function visibleVariants(gql: Gql, token: string, brandId: string): Promise<SeedVariant[]> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const ids = await allVariantIds(gql, token, brandId);
    if (ids.length || Date.now() > deadline) return ids;
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Stable pseudo-random stock level from an id, so re-seeding gives the same picture. */
function stockFor(id: string, salt: number): number {
  let h = salt;
  for (const c of id) h = (h * 31 + c.charCodeAt(0)) >>> 0;
  const r = h % 10;
  return r < 2 ? 0 : 3 + (h % 60);
}

export async function seedNetwork(
  url: string,
  s: NetworkSessions,
  log: (msg: string) => void = () => {},
): Promise<void> {
  const { gql, retrying } = client(url);

  // 1. Catalogs.
  await Promise.all(
    s.brands.map(async (brand) => {
      const def = DEMO_CATALOGS.find((c) => c.account === brand.account);
      if (!def) return;
      const existing = await gql(`{ products(first: 1) { totalCount } }`, {}, brand.token);
      if (existing.products.totalCount > 0) return;
      const products = generateCatalog(def.code, def.line, def.products, def.seed);
      await pool(products, 4, async (p) => {
        const created = await gql(
          `mutation($i: CreateProductInput!) { createProduct(input: $i) { product { id } userErrors { code message } } }`,
          { i: p },
          brand.token,
        );
        await gql(
          `mutation($i: PublishProductInput!) { publishProduct(input: $i) { product { id } userErrors { code message } } }`,
          { i: { id: created.createProduct.product.id } },
          brand.token,
        );
      });
      log(
        `catalog: ${def.code} ${products.length} products, ${products.reduce((n, p) => n + p.variants.length, 0)} variants`,
      );
    }),
  );

  // 2. Suppliers: warehouses, offers and stock for every brand they fulfil.
  await Promise.all(
    s.suppliers.map(async (sup, si) => {
      const existing = await gql(`{ warehouses(first: 10) { nodes { id } } }`, {}, sup.token);
      const warehouses: string[] = existing.warehouses.nodes.map((w: { id: string }) => w.id);
      const sites = [
        ['Central DC', si ? 'Malmö' : 'Rotterdam', si ? 'SE' : 'NL', si ? '21119' : '3011AA'],
        ['Overflow', si ? 'Gothenburg' : 'Antwerp', si ? 'SE' : 'BE', si ? '41101' : '2000'],
      ] as const;
      for (const [name, city, country, postalCode] of sites.slice(warehouses.length)) {
        const w = await gql(
          `mutation($i: CreateWarehouseInput!) { createWarehouse(input: $i) { warehouse { id } userErrors { code message } } }`,
          {
            i: {
              name,
              address: { name: `${name} ${city}`, line1: 'Industrieweg 1', city, postalCode, country },
            },
          },
          sup.token,
        );
        warehouses.push(w.createWarehouse.warehouse.id);
      }
      let offers = 0;
      for (const [bi, brand] of s.brands.entries()) {
        const variants = await visibleVariants(gql, sup.token, brand.orgId);
        await pool(variants, 6, async ({ id: variantId, msrp }, i) => {
          await retrying(
            `mutation($i: UpsertOfferInput!) { upsertOffer(input: $i) { offer { id } userErrors { code message } } }`,
            {
              i: {
                variantId,
                wholesalePrice: {
                  // 42–56 % of MSRP, a little different per supplier.
                  amount: (msrp * (0.42 + ((i * 7 + si * 3) % 15) / 100)).toFixed(2),
                  currencyCode: 'EUR',
                },
                // 1: a shopper's line below every supplier's minimum cannot be routed at checkout, and carts
                // do not know minimums yet (they would offer units checkout then refuses)
                minimumOrderQuantity: 1,
                leadTimeDays: 2 + ((i + si) % 5),
              },
            },
            sup.token,
          );
        });
        offers += variants.length;
        for (const [wi, warehouseId] of warehouses.entries()) {
          const lines = variants
            .map(({ id: variantId }) => ({ variantId, quantity: stockFor(variantId, si * 10 + wi) }))
            .filter((l) => l.quantity > 0);
          for (let k = 0; k < lines.length; k += 100) {
            await retrying(
              `mutation($i: ReceiveStockInput!) { receiveStock(input: $i) { userErrors { code message } } }`,
              {
                i: {
                  warehouseId,
                  lines: lines.slice(k, k + 100),
                  reference: `DEMO-ASN-${bi}-${wi}-${k / 100}`,
                },
              },
              sup.token,
            );
          }
        }
      }
      log(`supplier ${sup.account}: ${warehouses.length} warehouses, ${offers} offers`);
    }),
  );

  // 3. Retailers: a published storefront listing every variant of the brands they sell.
  const storefronts = [
    { name: 'Corner Store', slug: 'corner-store', markup: '45' },
    { name: 'Maple & Main', slug: 'maple-and-main', markup: '60' },
  ];
  await Promise.all(
    s.retailers.map(async (ret, ri) => {
      const sf = storefronts[ri % storefronts.length]!;
      const existing = await gql(
        `query($s: String!) { storefront(slug: $s) { id published } }`,
        { s: sf.slug },
        ret.token,
      );
      if (existing.storefront?.published) return;
      const storefrontId: string =
        existing.storefront?.id ??
        (
          await gql(
            `mutation($i: CreateStorefrontInput!) { createStorefront(input: $i) { storefront { id } userErrors { code message } } }`,
            { i: { name: sf.name, slug: sf.slug, currencyCode: 'EUR', defaultMarkupPercent: sf.markup } },
            ret.token,
          )
        ).createStorefront.storefront.id;
      let listed = 0;
      for (const brand of s.brands) {
        const variants = await visibleVariants(gql, ret.token, brand.orgId);
        await pool(variants, 6, async ({ id: variantId }, i) => {
          const pricing = i % 10 === 0 ? { markupPercent: '25', priceBasis: 'WHOLESALE' } : {};
          await retrying(
            `mutation($i: CreateListingInput!) { createListing(input: $i) { listing { id } userErrors { code message } } }`,
            { i: { storefrontId, variantId, ...pricing } },
            ret.token,
          );
        });
        listed += variants.length;
      }
      await gql(
        `mutation($i: PublishStorefrontInput!) { publishStorefront(input: $i) { storefront { id } userErrors { code message } } }`,
        { i: { id: storefrontId } },
        ret.token,
      );
      log(`retailer ${ret.account}: storefront /${sf.slug} with ${listed} listings`);
    }),
  );
}
