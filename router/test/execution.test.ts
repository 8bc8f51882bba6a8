/**
 * The router's plan executor against the stock @apollo/gateway executor: the
 * same supergraph, the same subgraphs and data sources, and every response
 * compared byte for byte — partial results, subgraph errors inside entities
 * (paths), non-null violations and invalid values found by the router,
 * abstract types, aliases, @skip/@include with defaults, duplicated entities
 * (sent once by our executor), variables errors, an unreachable subgraph,
 * introspection (handed to the stock executor) and the benchmark's TestQuery.
 */
import { generateKeyPairSync } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApolloGateway } from '@apollo/gateway';
import { ApolloServer } from '@apollo/server';
import { buildSubgraphSchema, type GraphQLResolverMap } from '@apollo/subgraph';
import { createInternalTokenSigner, createLogger } from '@tradegraph/shared';
import { execute, GraphQLError, parse } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBenchSubgraphHandler } from '../bench/subgraphs.ts';
import { BENCH_SUBGRAPHS, TEST_QUERY } from '../bench/workload.ts';
import type { RouterContext } from '../src/context.ts';
import { SubgraphDataSource } from '../src/datasource.ts';
import { routerGateway } from '../src/execution/executor.ts';
import { createSubgraphAgent, createSubgraphPost } from '../src/fetcher.ts';
import { composeSupergraph } from './helpers.ts';

const logger = createLogger('test', 'silent');
const SHOP_SDL = `
  extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key", "@shareable"])
  type Query { products: [Product!]! product(id: ID!): Product search: [Result!]! nodes: [Node] }
  interface Node { id: ID! }
  union Result = Product | Brand
  type Product implements Node @key(fields: "id") { id: ID! name: String! brand: Brand }
  type Brand implements Node @key(fields: "id") { id: ID! name: String }
`;
const REVIEWS_SDL = `
  extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key"])
  type Product @key(fields: "id") { id: ID! reviews: [Review!]! rating: Float }
  type Review { body: String! score: Int! }
`;
// Answered by hand: values a well-behaved subgraph would never send.
const STOCK_SDL = `
  extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key"])
  type Product @key(fields: "id") { id: ID! stock: Int! label: String }
`;
const DOWN_SDL = `
  extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key"])
  type Product @key(fields: "id") { id: ID! eta: Int }
`;

const products = [
  { id: 'p1', name: 'Tee', brand: { id: 'b1' } },
  { id: 'p2', name: 'Cap', brand: null },
  { id: 'p3', name: 'Mug', brand: { id: 'b1' } },
  { id: 'p1', name: 'Tee', brand: { id: 'b1' } },
  { id: 'p2', name: 'Cap', brand: null },
];
const shopResolvers: GraphQLResolverMap<unknown> = {
  Query: {
    products: () => products,
    product: (_: unknown, { id }: { id: string }) => products.find((p) => p.id === id) ?? null,
    search: () => [{ __typename: 'Brand', id: 'b1', name: 'Acme' }, products[0], products[2]],
    nodes: () => [products[1], { __typename: 'Brand', id: 'b2', name: null }, null],
  },
  Product: { __resolveReference: ({ id }: { id: string }) => products.find((p) => p.id === id) },
  Brand: { name: ({ id }: { id: string }) => (id === 'b1' ? 'Acme' : null) },
  Node: { __resolveType: (o: { name?: unknown; brand?: unknown }) => ('brand' in o ? 'Product' : 'Brand') },
  Result: { __resolveType: (o: { brand?: unknown }) => ('brand' in o ? 'Product' : 'Brand') },
};
const reviewsResolvers: GraphQLResolverMap<unknown> = {
  Product: {
    __resolveReference: ({ id }: { id: string }) => ({ id }),
    reviews: ({ id }: { id: string }) => {
      if (id === 'p2')
        throw new GraphQLError('reviews are down for p2', { extensions: { code: 'NOT_FOUND' } });
      if (id === 'p3') return [{ body: null, score: 1 }];
      return [
        { body: 'good', score: 4 },
        { body: 'fine', score: 3 },
      ];
    },
    rating: ({ id }: { id: string }) => (id === 'p1' ? 4.5 : null),
  },
};

/** Representations per entity request seen by the reviews subgraph. */
const reviewsRepresentations: number[] = [];

function graphqlServer(sdl: string, resolvers: GraphQLResolverMap<unknown>) {
  const schema = buildSubgraphSchema([{ typeDefs: parse(sdl), resolvers }]);
  return async (body: { query: string; variables?: { representations?: unknown[] } }) => {
    if (sdl === REVIEWS_SDL) reviewsRepresentations.push(body.variables?.representations?.length ?? 0);
    return execute({ schema, document: parse(body.query), variableValues: body.variables ?? null });
  };
}

function stockAnswer(body: { variables?: { representations?: { id: string }[] } }) {
  const entities = (body.variables?.representations ?? []).map(({ id }) => {
    if (id === 'p1') return { __typename: 'Product', stock: 5, label: 'in stock' };
    if (id === 'p2') return { __typename: 'Product', stock: null, label: 'none' }; // non-null violation
    if (id === 'p3') return { __typename: 'Product', stock: 'many', label: 7 }; // invalid values
    return { __typename: 'Mystery', stock: 1 }; // unknown __typename
  });
  return { data: { _entities: entities } };
}

async function listen(
  handler: (req: IncomingMessage, res: ServerResponse) => void,
): Promise<{ server: Server; url: string }> {
  const server = createServer(handler);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

function jsonHandler(answer: (body: never) => unknown) {
  return (req: IncomingMessage, res: ServerResponse) => {
    let raw = '';
    req.on('data', (c) => {
      raw += c;
    });
    req.on('end', async () => {
      const result = await answer(JSON.parse(raw) as never);
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(result));
    });
  };
}

interface Pair {
  ours: ApolloServer<RouterContext>;
  stock: ApolloServer<RouterContext>;
}

async function pair(supergraphSdl: string, urls: Record<string, string>): Promise<Pair> {
  const { privateKey } = generateKeyPairSync('ed25519');
  const post = createSubgraphPost(createSubgraphAgent({ connectionsPerOrigin: 8, timeoutMs: 5000 }), 5000);
  const sources = new Map(
    Object.entries(urls).map(([name, url]) => [
      name,
      new SubgraphDataSource({
        name,
        url,
        post,
        internalToken: createInternalTokenSigner(privateKey),
        logger,
      }),
    ]),
  );
  const ours = new ApolloServer<RouterContext>({
    gateway: routerGateway({ supergraphSdl, sources, logger, queryPlanCacheMiB: 1 }),
    logger,
  });
  const stock = new ApolloServer<RouterContext>({
    gateway: new ApolloGateway({ supergraphSdl, logger, buildService: ({ name }) => sources.get(name)! }),
    logger,
  });
  await Promise.all([ours.start(), stock.start()]);
  return { ours, stock };
}

async function both(p: Pair, query: string, variables?: Record<string, unknown>) {
  const run = async (server: ApolloServer<RouterContext>) => {
    const contextValue: RouterContext = {
      principal: { kind: 'anonymous' },
      requestId: 'req-1',
      logger,
      operation: {},
      clientIp: '127.0.0.1',
      protection: { rateLimits: [] },
    };
    const res = await server.executeOperation(
      { query, ...(variables ? { variables } : {}) },
      { contextValue },
    );
    if (res.body.kind !== 'single') throw new Error('expected a single result');
    return JSON.stringify(res.body.singleResult);
  };
  // Twice: the second run is served from the prepared-operation cache.
  const ours = [await run(p.ours), await run(p.ours)];
  return { ours, stock: await run(p.stock) };
}

describe('plan executor equals the stock gateway executor', () => {
  const servers: Server[] = [];
  let shop: Pair;
  let bench: Pair;

  beforeAll(async () => {
    const shopHttp = await listen(jsonHandler(graphqlServer(SHOP_SDL, shopResolvers)));
    const reviewsHttp = await listen(jsonHandler(graphqlServer(REVIEWS_SDL, reviewsResolvers)));
    const stockHttp = await listen(jsonHandler(stockAnswer));
    const downHttp = await listen(() => {});
    downHttp.server.close(); // nothing listens there any more: the subgraph is unreachable
    servers.push(shopHttp.server, reviewsHttp.server, stockHttp.server);
    const urls = { shop: shopHttp.url, reviews: reviewsHttp.url, stock: stockHttp.url, down: downHttp.url };
    const sdl = composeSupergraph([
      { name: 'shop', sdl: SHOP_SDL, url: urls.shop },
      { name: 'reviews', sdl: REVIEWS_SDL, url: urls.reviews },
      { name: 'stock', sdl: STOCK_SDL, url: urls.stock },
      { name: 'down', sdl: DOWN_SDL, url: urls.down },
    ]);
    shop = await pair(sdl, urls);

    const benchHttp = await listen(createBenchSubgraphHandler().handler);
    servers.push(benchHttp.server);
    const benchUrls = Object.fromEntries(BENCH_SUBGRAPHS.map((s) => [s.name, `${benchHttp.url}/${s.name}`]));
    bench = await pair(
      composeSupergraph(BENCH_SUBGRAPHS.map((s) => ({ name: s.name, sdl: s.sdl, url: benchUrls[s.name]! }))),
      benchUrls,
    );
  });

  afterAll(async () => {
    await Promise.all([shop?.ours.stop(), shop?.stock.stop(), bench?.ours.stop(), bench?.stock.stop()]);
    for (const s of servers) s.close();
  });

  const cases: [string, string, Record<string, unknown>?][] = [
    ['plain fields and nested entities', '{ products { id name brand { id name } } }'],
    [
      'subgraph errors inside duplicated entities, router-side non-null and leaf errors',
      '{ products { id name reviews { body score } rating stock label } }',
    ],
    ['only router-found value errors (valueCompletion)', '{ products { id stock } }'],
    ['invalid leaf values without non-null', '{ products { id label } }'],
    ['an unreachable subgraph: partial result', '{ products { id name eta } }'],
    [
      'aliases, __typename and fragments on a union and an interface',
      `{ search { __typename ... on Product { id n: name reviews { s: score } } ... on Brand { name t: __typename } }
         nodes { id __typename ... on Product { name rating } ... on Brand { name } } }`,
    ],
    [
      '@skip/@include with variables and defaults',
      `query Q($withReviews: Boolean = true, $noName: Boolean!) {
         products { id name @skip(if: $noName) reviews @include(if: $withReviews) { score } brand @include(if: false) { id } } }`,
      { noName: true },
    ],
    [
      '@skip/@include, other values',
      `query Q($withReviews: Boolean = true, $noName: Boolean!) {
         products { id name @skip(if: $noName) reviews @include(if: $withReviews) { score } } }`,
      { noName: false, withReviews: false },
    ],
    ['a missing required variable', 'query Q($id: ID!) { product(id: $id) { name } }', {}],
    ['an argument and a null root', 'query Q($id: ID!) { product(id: $id) { name rating } }', { id: 'nope' }],
    ['introspection (handed to the stock executor)', '{ __schema { queryType { name } } products { id } }'],
  ];

  for (const [name, query, variables] of cases) {
    it(name, async () => {
      const { ours, stock } = await both(shop, query, variables);
      expect(ours[0]).toBe(stock);
      expect(ours[1]).toBe(stock);
    });
  }

  it('the cases above do reach errors and partial data (they test something)', async () => {
    const errors = JSON.parse((await both(shop, cases[1]![1])).stock);
    const codes = errors.errors.map((e: { extensions: { code: string } }) => e.extensions.code);
    expect(codes).toEqual(['NOT_FOUND', 'DOWNSTREAM_SERVICE_ERROR', 'NOT_FOUND']);
    const partial = JSON.parse((await both(shop, cases[4]![1])).stock);
    expect(partial.errors[0].extensions.code).toBe('SUBGRAPH_UNAVAILABLE');
    expect(partial.data.products).toHaveLength(5);
    const completion = JSON.parse((await both(shop, cases[2]![1])).stock);
    expect(completion.extensions.valueCompletion.length).toBeGreaterThan(0);
  });

  it('runs on the plan executor, which sends duplicated representations once', async () => {
    const ask = (server: ApolloServer<RouterContext>) =>
      server.executeOperation(
        { query: '{ products { id rating } }' },
        {
          contextValue: {
            principal: { kind: 'anonymous' },
            requestId: 'r',
            logger,
            operation: {},
            clientIp: '127.0.0.1',
            protection: { rateLimits: [] },
          },
        },
      );
    reviewsRepresentations.length = 0;
    await ask(shop.ours);
    expect(reviewsRepresentations).toEqual([3]); // p1, p2, p3
    reviewsRepresentations.length = 0;
    await ask(shop.stock);
    expect(reviewsRepresentations).toEqual([5]);
  });

  it("the benchmark's TestQuery", async () => {
    const { ours, stock } = await both(bench, TEST_QUERY);
    expect(stock.length).toBeGreaterThan(80_000);
    expect(ours[0]).toBe(stock);
    expect(ours[1]).toBe(stock);
  });
});
