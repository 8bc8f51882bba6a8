import { createPublicKey } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { generateInternalKeyPair, INTERNAL_TOKEN_HEADER, verifyInternalToken } from '@tradegraph/shared';
import { execute, type GraphQLSchema, parse } from 'graphql';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readCacheHints } from '../src/cache/hints.ts';
import { type RunningRouter, startRouter } from '../src/router.ts';
import {
  composeSupergraph,
  type FakeIdentity,
  newSigningKey,
  type SigningKey,
  signAccessToken,
  startFakeIdentity,
} from './helpers.ts';

/**
 * The entity cache against two subgraphs that mark what may be cached and
 * serve the invalidation feed as the real ones do (rows appended by their
 * writes; `GET /_router/cache-invalidations?since=&wait=`, router only):
 * anonymous shoppers and customers share entries per class, organisations are
 * never served from it, a change is visible within a second (and to the
 * writer at once), errors are never cached, a subgraph whose feed is down is
 * not cached, and two routers share entries through Redis.
 */

const CACHE_SDL = `
  extend schema
    @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key", "@shareable", "@composeDirective"])
    @link(url: "https://tradegraph.dev/cache-control/v1.0", import: ["@cacheControl"])
    @composeDirective(name: "@cacheControl")
  directive @cacheControl(maxAge: Int!, scope: String = "PUBLIC") on FIELD_DEFINITION | OBJECT
`;

const SHOP_SDL = `${CACHE_SDL}
  type Query {
    storefront(slug: String!): Storefront @cacheControl(maxAge: 60)
    cart: String
  }
  type Mutation { setPrice(listing: ID!, amount: String!): Boolean }
  type Storefront @key(fields: "id") @cacheControl(maxAge: 60) {
    id: ID!
    name: String!
    listings: [Listing!]!
  }
  type Listing @key(fields: "id") @cacheControl(maxAge: 60) {
    id: ID!
    price: Money!
    variant: Variant
  }
  type Money @shareable { amount: String! currencyCode: String! }
  type Variant @key(fields: "id", resolvable: false) { id: ID! }
`;

const CATALOG_SDL = `${CACHE_SDL}
  type Variant @key(fields: "id") {
    id: ID!
    name: String @cacheControl(maxAge: 60)
    secret: String
    viewer: String @cacheControl(maxAge: 60, scope: "PRIVATE")
  }
`;

interface Row {
  seq: number;
  type: string;
  id: string | null;
  at: number;
}

interface TestSubgraph {
  url: string;
  server: Server;
  /** Operations that reached the resolvers. */
  operations: { query: string; variables: Record<string, unknown>; principal: string }[];
  feed: Row[];
  feedDown: boolean;
  invalidate(type: string, id: string | null): void;
}

const keys = generateInternalKeyPair();
const publicKey = createPublicKey(keys.publicKey);

/** A subgraph over `schema` that serves the invalidation feed from `feed` (long-poll every 10 ms). */
async function startSubgraph(name: string, schema: GraphQLSchema): Promise<TestSubgraph> {
  const sub: TestSubgraph = {
    url: '',
    server: createServer(),
    operations: [],
    feed: [],
    feedDown: false,
    invalidate(type, id) {
      sub.feed.push({ seq: (sub.feed.at(-1)?.seq ?? 0) + 1, type, id, at: Date.now() });
    },
  };
  const principalOf = async (req: IncomingMessage) => {
    const raw = req.headers[INTERNAL_TOKEN_HEADER];
    return (await verifyInternalToken(publicKey, name, Array.isArray(raw) ? raw[0] : raw)).principal;
  };
  sub.server.on('request', async (req, res) => {
    const send = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    let principal: Awaited<ReturnType<typeof principalOf>>;
    try {
      principal = await principalOf(req);
    } catch {
      return send(401, { errors: [{ message: 'no internal token' }] });
    }
    const url = new URL(req.url ?? '/', 'http://x');
    if (url.pathname === '/_router/cache-invalidations') {
      if (principal.kind !== 'router') return send(403, { error: 'router only' });
      if (sub.feedDown) return send(503, { error: 'down' });
      const since = url.searchParams.get('since');
      if (since === null) {
        return send(200, { cursor: sub.feed.at(-1)?.seq ?? 0, reset: true, items: sub.feed });
      }
      const deadline = Date.now() + Number(url.searchParams.get('wait') ?? 0);
      for (;;) {
        const items = sub.feed.filter((r) => r.seq > Number(since));
        if (items.length || Date.now() >= deadline || sub.feedDown) {
          return send(200, { cursor: items.at(-1)?.seq ?? Number(since), reset: false, items });
        }
        await new Promise((r) => setTimeout(r, 10));
      }
    }
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const { query, variables } = JSON.parse(Buffer.concat(chunks).toString());
    sub.operations.push({ query, variables, principal: principal.kind });
    const result = await execute({
      schema,
      document: parse(query),
      variableValues: variables,
      contextValue: { principal, sub },
    });
    send(200, result);
  });
  await new Promise<void>((r) => sub.server.listen(0, '127.0.0.1', r));
  sub.url = `http://127.0.0.1:${(sub.server.address() as AddressInfo).port}/graphql`;
  return sub;
}

const prices = new Map([
  ['l1', '10.00'],
  ['l2', '20.00'],
]);
const variants = new Map<string, { name: string; published: boolean; failing?: boolean }>([
  ['v1', { name: 'Tee', published: true }],
  ['v2', { name: 'Mug', published: true }],
]);
type Ctx = { principal: { kind: string }; sub: TestSubgraph };

let shop: TestSubgraph;
let catalog: TestSubgraph;
let identity: FakeIdentity;
let signingKey: SigningKey;
let router: RunningRouter;
let routerB: RunningRouter | undefined;
const redisPrefix = `tg_test_ec_${process.pid}_${Date.now()}:`;

beforeAll(async () => {
  shop = await startSubgraph(
    'shop',
    buildSubgraphSchema([
      {
        typeDefs: parse(SHOP_SDL),
        resolvers: {
          Query: {
            storefront: (_: unknown, { slug }: { slug: string }, ctx: Ctx) => ({
              id: 's1',
              // What an organisation sees differs from what shoppers see (a draft name).
              name: ctx.principal.kind === 'user' ? `${slug} (draft)` : slug,
              listings: [...prices.keys()].map((id) => ({ id })),
            }),
            cart: () => 'cart',
          },
          Mutation: {
            setPrice: (_: unknown, { listing, amount }: { listing: string; amount: string }, ctx: Ctx) => {
              prices.set(listing, amount);
              ctx.sub.invalidate('Listing', listing); // in the write's transaction, as the real ones do
              return true;
            },
          },
          Listing: {
            price: ({ id }: { id: string }) => ({ amount: prices.get(id), currencyCode: 'EUR' }),
            variant: ({ id }: { id: string }) => ({ id: id === 'l1' ? 'v1' : 'v2' }),
          },
        },
      },
    ]),
  );
  catalog = await startSubgraph(
    'catalog',
    buildSubgraphSchema([
      {
        typeDefs: parse(CATALOG_SDL),
        resolvers: {
          Variant: {
            __resolveReference: ({ id }: { id: string }) => {
              const v = variants.get(id);
              if (v?.failing) throw new Error('catalog is having a bad day');
              return v?.published ? { id, ...v } : null;
            },
            secret: () => 's3cret',
            viewer: (_: unknown, __: unknown, ctx: Ctx) => ctx.principal.kind,
          },
        },
      },
    ]),
  );
  [identity, signingKey] = await Promise.all([startFakeIdentity(publicKey), newSigningKey('k1')]);
  identity.published.push(signingKey);
  router = await startTestRouter({});
});

function routerEnv(extra: Record<string, string>): Record<string, string> {
  return {
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    INTERNAL_TOKEN_PRIVATE_KEY: Buffer.from(keys.privateKey).toString('base64'),
    IDENTITY_URL: identity.url,
    IDENTITY_JWKS_URL: identity.jwksUrl,
    ROUTER_RATE_LIMIT: 'false',
    REDIS_URL: '',
    SUBGRAPH_SHOP_URL: shop.url,
    SUBGRAPH_CATALOG_URL: catalog.url,
    ...extra,
  };
}

function startTestRouter(extra: Record<string, string>): Promise<RunningRouter> {
  const supergraphSdl = composeSupergraph([
    { name: 'shop', sdl: SHOP_SDL, url: shop.url },
    { name: 'catalog', sdl: CATALOG_SDL, url: catalog.url },
  ]);
  return startRouter({ supergraphSdl, port: 0, host: '127.0.0.1', env: routerEnv(extra) });
}

afterAll(async () => {
  await routerB?.stop();
  await router?.stop();
  await identity?.stop();
  for (const s of [shop, catalog]) {
    s?.server.closeAllConnections();
    s?.server.close();
  }
  const redis = new Redis(process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379');
  const leftover = await redis.keys(`${redisPrefix}*`);
  if (leftover.length) await redis.del(...leftover);
  redis.disconnect();
});

const PAGE = `query Page($slug: String!) {
  storefront(slug: $slug) { name listings { id price { amount } variant { id name } } }
}`;

type Body = { data?: Record<string, unknown> | null; errors?: { message: string }[] };

async function post(
  query: string,
  variables: Record<string, unknown> = {},
  token?: string,
  at: RunningRouter = router,
): Promise<Body> {
  const res = await fetch(at.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  return (await res.json()) as Body;
}

type Page = {
  name: string;
  listings: { id: string; price: { amount: string }; variant: { id: string; name: string | null } }[];
};
const storefrontOf = (body: Body): Page => {
  const storefront = body.data?.storefront;
  if (!storefront) throw new Error(`no storefront in ${JSON.stringify(body)}`);
  return storefront as Page;
};
const page = (slug: string, token?: string, at?: RunningRouter) => post(PAGE, { slug }, token, at);
const calls = () => ({ shop: shop.operations.length, catalog: catalog.operations.length });
const member = () =>
  signAccessToken(
    { typ: 'user', sub: 'usr_1', org: 'org_r', okd: 'RETAILER', role: 'ADMIN', perms: [], sid: 'ses_1' },
    { key: signingKey },
  );
const customer = () => signAccessToken({ typ: 'customer', sub: 'cus_1', sid: 'ses_2' }, { key: signingKey });

/** Polls `check` until it passes; returns the milliseconds it took. */
async function within(ms: number, check: () => Promise<boolean>): Promise<number> {
  const started = performance.now();
  while (!(await check())) {
    if (performance.now() - started > ms) throw new Error(`not within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 10));
  }
  return performance.now() - started;
}

describe('entity cache', () => {
  it('serves an anonymous shopper’s repeated page from the cache, identical to the subgraphs’ answer', async () => {
    const first = await page('corner');
    expect(first.errors).toBeUndefined();
    expect(first.data).toEqual({
      storefront: {
        name: 'corner',
        listings: [
          { id: 'l1', price: { amount: '10.00' }, variant: { id: 'v1', name: 'Tee' } },
          { id: 'l2', price: { amount: '20.00' }, variant: { id: 'v2', name: 'Mug' } },
        ],
      },
    });
    const before = calls();
    const again = await page('corner');
    expect(again).toEqual(first);
    expect(calls()).toEqual(before);
    // Another slug is another entry (variables are part of the key); its entities are already cached.
    await page('other');
    expect(calls()).toEqual({ shop: before.shop + 1, catalog: before.catalog });
  });

  it('keeps customers’ entries apart from anonymous ones, and never serves or stores organisations’ reads', async () => {
    await page('corner');
    let before = calls();
    const asCustomer = await page('corner', await customer());
    expect(asCustomer.data).toEqual((await page('corner')).data);
    expect(calls().shop).toBe(before.shop + 1);
    await page('corner', await customer());
    expect(calls().shop).toBe(before.shop + 1);

    const token = await member();
    before = calls();
    const asMember = await page('corner', token);
    expect(storefrontOf(asMember).name).toBe('corner (draft)');
    await page('corner', token);
    expect(calls()).toEqual({ shop: before.shop + 2, catalog: before.catalog + 2 });
    // …and the shopper's entry was not overwritten by the organisation's view.
    expect(storefrontOf(await page('corner')).name).toBe('corner');
  });

  it('does not cache a fetch with an unmarked or PRIVATE field', async () => {
    await post('{ storefront(slug: "corner") { listings { variant { secret } } } }');
    const before = calls().catalog;
    await post('{ storefront(slug: "corner") { listings { variant { secret } } } }');
    await post('{ storefront(slug: "corner") { listings { variant { viewer } } } }');
    await post('{ storefront(slug: "corner") { listings { variant { viewer } } } }');
    expect(calls().catalog).toBe(before + 3);
  });

  it('shows a price change made outside the router within a second', async () => {
    await page('corner');
    prices.set('l2', '21.00');
    shop.invalidate('Listing', 'l2');
    const ms = await within(
      1000,
      async () => storefrontOf(await page('corner')).listings[1]!.price.amount === '21.00',
    );
    expect(ms).toBeLessThan(1000);
  });

  it('shows a mutation’s change in the very next request, whoever asks', async () => {
    await page('corner');
    const done = await post('mutation { setPrice(listing: "l1", amount: "11.00") }', {}, await member());
    expect(done.errors).toBeUndefined();
    const next = await page('corner');
    expect(storefrontOf(next).listings[0]!.price.amount).toBe('11.00');
  });

  it('refetches only the entity that changed, and hides an unpublished one within a second', async () => {
    await page('corner');
    variants.get('v2')!.published = false;
    catalog.invalidate('Variant', 'v2');
    const before = catalog.operations.length;
    // The catalog answers null for the entity: the reference's fields come back null.
    await within(1000, async () => storefrontOf(await page('corner')).listings[1]!.variant.name === null);
    const sent = catalog.operations.slice(before).map((o) => o.variables.representations);
    expect(sent.at(-1)).toEqual([{ __typename: 'Variant', id: 'v2' }]);
    variants.get('v2')!.published = true;
    catalog.invalidate('Variant', 'v2');
    await within(1000, async () => storefrontOf(await page('corner')).listings[1]!.variant.name === 'Mug');
  });

  it('never caches an answer with errors', async () => {
    variants.get('v1')!.failing = true;
    catalog.invalidate('Variant', 'v1');
    await within(1000, async () => ((await page('corner')).errors?.length ?? 0) > 0);
    const before = catalog.operations.length;
    const failed = await page('corner');
    expect(failed.errors?.[0]?.message).toBe('catalog is having a bad day');
    expect(catalog.operations.length).toBe(before + 1);
    variants.get('v1')!.failing = false;
    const healed = await page('corner');
    expect(healed.errors).toBeUndefined();
    expect(catalog.operations.length).toBe(before + 2);
  });

  it('stops caching a subgraph whose invalidation feed is down, and resumes when it is back', async () => {
    await page('corner');
    catalog.feedDown = true;
    catalog.invalidate('Variant', 'v1'); // wakes the long poll, which now fails
    await new Promise((r) => setTimeout(r, 100));
    const before = calls();
    await page('corner');
    await page('corner');
    expect(calls().catalog).toBe(before.catalog + 2);
    catalog.feedDown = false;
    await within(3000, async () => {
      const b = catalog.operations.length;
      await page('corner');
      await page('corner');
      return catalog.operations.length - b <= 1;
    });
  });

  it('shares entries between routers through Redis, and both see an invalidation', async () => {
    const redisUrl = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
    await router.stop();
    router = await startTestRouter({ REDIS_URL: redisUrl, REDIS_KEY_PREFIX: redisPrefix });
    routerB = await startTestRouter({ REDIS_URL: redisUrl, REDIS_KEY_PREFIX: redisPrefix });
    const first = await page('shared');
    const before = calls();
    expect(await page('shared', undefined, routerB)).toEqual(first);
    expect(calls()).toEqual(before);
    prices.set('l1', '12.00');
    shop.invalidate('Listing', 'l1');
    for (const at of [router, routerB]) {
      await within(
        1000,
        async () => storefrontOf(await page('shared', undefined, at)).listings[0]!.price.amount === '12.00',
      );
    }
  });
});

describe('cache hints', () => {
  const supergraphSdl = composeSupergraph([
    { name: 'shop', sdl: SHOP_SDL, url: 'http://127.0.0.1:1/graphql' },
    {
      name: 'catalog',
      sdl: CATALOG_SDL.replace(
        'type Variant @key(fields: "id") {',
        'type Variant @key(fields: "id") @cacheControl(maxAge: 5) {',
      ),
      url: 'http://127.0.0.1:2/graphql',
    },
    {
      name: 'reviews',
      sdl: `extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key"])
        type Variant @key(fields: "id") { id: ID! stars: Int }`,
      url: 'http://127.0.0.1:3/graphql',
    },
  ]);

  it('ignores a type-level hint on a type two subgraphs share, and reads field hints', () => {
    const hints = readCacheHints(supergraphSdl);
    expect(hints.types.has('Storefront')).toBe(true);
    expect(hints.types.has('Variant')).toBe(false);
    expect(hints.ignored.join('\n')).toMatch(
      /^Variant: a type-level @cacheControl on a type 2 subgraphs resolve/m,
    );
    expect(hints.fields.get('Variant.name')).toEqual({ maxAge: 60, scope: 'PUBLIC' });
    expect(hints.fields.get('Variant.viewer')).toEqual({ maxAge: 60, scope: 'PRIVATE' });
    expect([...hints.subgraphs].sort()).toEqual(['catalog', 'shop']);
  });
});
