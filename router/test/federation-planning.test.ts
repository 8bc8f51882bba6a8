/**
 * The cases of the federation-gateway-audit suite that stock @apollo/gateway
 * (query planner 2.14) gets wrong and this router gets right
 * (src/execution/planning.ts; docs/router.md, "Federation audit"), rebuilt as
 * small supergraphs with in-process subgraphs so CI guards them without the
 * suite:
 *
 * - requires-with-argument: a client's `comments(limit: 1)` next to a
 *   requirement `comments(limit: 3)` (stock answers 3 comments);
 * - requires-with-argument-conflict: `price(currency: "USD")` and
 *   `price(currency: "EUR")` required by two fields (stock sends one price for
 *   both), with a required value of 0 (a falsy value must still be sent);
 * - keys-mashup: the requiring subgraph's first key is `resolvable: false`
 *   (stock comes back with it and gets null);
 * - non-resolvable-interface-object: a root field the planner cannot fetch
 *   (stock drops it silently and answers null; ours answers an error).
 *
 * The stock gateway runs on the same supergraphs: each case asserts it still
 * fails (so the case keeps reproducing the planner's limit) and that ours does not.
 */
import { readFileSync } from 'node:fs';
import { ApolloGateway } from '@apollo/gateway';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginInlineTraceDisabled } from '@apollo/server/plugin/disabled';
import { startStandaloneServer } from '@apollo/server/standalone';
import { buildSubgraphSchema, type GraphQLResolverMap } from '@apollo/subgraph';
import { generateInternalKeyPair } from '@tradegraph/shared/edge';
import { parse } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { plannerSupergraph } from '../src/execution/planning.ts';
import { type RunningRouter, startRouter } from '../src/router.ts';
import { composeSupergraph, gql } from './helpers.ts';

const link = (version: string, imports: string[]) =>
  `extend schema @link(url: "https://specs.apollo.dev/federation/v${version}", import: ${JSON.stringify(imports)})`;

interface Subgraph {
  name: string;
  sdl: string;
  resolvers: GraphQLResolverMap<unknown>;
}

interface Stack {
  ours: RunningRouter;
  stock: { url: string; stop: () => Promise<void> };
  stop: () => Promise<void>;
}

const keys = generateInternalKeyPair();

async function stack(subgraphs: Subgraph[]): Promise<Stack> {
  const servers = await Promise.all(
    subgraphs.map(async (s) => {
      const server = new ApolloServer({
        schema: buildSubgraphSchema([{ typeDefs: parse(s.sdl), resolvers: s.resolvers }]),
        plugins: [ApolloServerPluginInlineTraceDisabled()],
      });
      const { url } = await startStandaloneServer(server, { listen: { port: 0, host: '127.0.0.1' } });
      return { name: s.name, sdl: s.sdl, url, server };
    }),
  );
  const supergraphSdl = composeSupergraph(servers);
  const ours = await startRouter({
    supergraphSdl,
    port: 0,
    host: '127.0.0.1',
    env: {
      NODE_ENV: 'test',
      LOG_LEVEL: 'silent',
      INTERNAL_TOKEN_PRIVATE_KEY: keys.privateKey,
      // Nothing listens there: no identity is needed for anonymous queries.
      IDENTITY_URL: 'http://127.0.0.1:9',
      IDENTITY_JWKS_URL: 'http://127.0.0.1:9/.well-known/jwks.json',
      REDIS_URL: undefined,
      ROUTER_RATE_LIMIT: 'false',
    },
  });
  const stockServer = new ApolloServer({ gateway: new ApolloGateway({ supergraphSdl }) });
  const { url } = await startStandaloneServer(stockServer, { listen: { port: 0, host: '127.0.0.1' } });
  const stock = { url, stop: () => stockServer.stop() };
  return {
    ours,
    stock,
    stop: async () => {
      await Promise.all([ours.stop(), stock.stop()]);
      await Promise.all(servers.map((s) => s.server.stop()));
    },
  };
}

// ---------------------------------------------------------------------------
// @requires with arguments

const posts = ['p1', 'p2'];
const comments = [
  { id: 'c1', postId: 'p1', authorId: 'a9' },
  { id: 'c2', postId: 'p1', authorId: 'a9' },
  { id: 'c3', postId: 'p1', authorId: 'a2' },
  { id: 'c4', postId: 'p2', authorId: 'a1' },
  { id: 'c5', postId: 'p2', authorId: 'a1' },
  { id: 'c6', postId: 'p2', authorId: 'a1' },
];
const commentsOf = (postId: string, limit: number) =>
  comments.filter((c) => c.postId === postId).slice(0, limit);

const FEED: Subgraph = {
  name: 'feed',
  sdl: `${link('2.3', ['@key'])}
    type Query { feed: [Post] }
    type Post @key(fields: "id") { id: ID! }
    type Comment @key(fields: "id") { id: ID! authorId: ID }`,
  resolvers: {
    Query: { feed: () => posts.map((id) => ({ id })) },
    Comment: { __resolveReference: ({ id }: { id: string }) => comments.find((c) => c.id === id) },
  },
};
const AUTHORS: Subgraph = {
  name: 'authors',
  sdl: `${link('2.3', ['@key', '@external', '@requires'])}
    type Post @key(fields: "id") {
      id: ID!
      comments(limit: Int!): [Comment]
      author: Author @requires(fields: "comments(limit: 3) { authorId }")
    }
    type Comment @key(fields: "id") { id: ID! authorId: ID @external }
    type Author { id: ID! }`,
  resolvers: {
    Post: {
      __resolveReference: (ref: { id: string; comments?: { authorId: string }[] }) => {
        if (ref.comments && ref.comments.length !== 3) throw new Error('expected the 3 required comments');
        return ref;
      },
      comments: ({ id }: { id: string }, { limit }: { limit: number }) =>
        commentsOf(id, limit).map((c) => ({ id: c.id })),
      // The third comment's author, so a requirement fetched with another limit shows.
      author: (post: { comments?: { authorId: string }[] }) =>
        post.comments?.[2] ? { id: post.comments[2].authorId } : null,
    },
  },
};

const products = [
  { upc: 'u1', price: 11, weight: 1, averagePrice: 11 },
  { upc: 'u2', price: 22, weight: 2, averagePrice: 22 },
  { upc: 'u3', price: 0, weight: 5, averagePrice: 0 },
];
const CATALOG: Subgraph = {
  name: 'catalog',
  sdl: `${link('2.3', ['@key'])}
    type Query { products: [Product] }
    type Product @key(fields: "upc") {
      upc: String!
      price(currency: String!): Int
      weight: Int
      category: Category
    }
    type Category { averagePrice(currency: String!): Int }`,
  resolvers: {
    Query: { products: () => products },
    Product: {
      __resolveReference: ({ upc }: { upc: string }) => products.find((p) => p.upc === upc),
      price: (p: { price: number }, { currency }: { currency: string }) =>
        currency === 'EUR' ? p.price * 2 : p.price,
      category: (p: { averagePrice: number }) => ({ averagePrice: p.averagePrice }),
    },
    Category: {
      averagePrice: (c: { averagePrice: number }, { currency }: { currency: string }) =>
        currency === 'EUR' ? c.averagePrice * 2 : c.averagePrice,
    },
  },
};
const SHIPPING: Subgraph = {
  name: 'shipping',
  sdl: `${link('2.3', ['@key', '@external', '@requires'])}
    type Product @key(fields: "upc") {
      upc: String!
      weight: Int @external
      price(currency: String!): Int @external
      category: Category @external
      shippingEstimate: Int @requires(fields: "price(currency: \\"USD\\") weight")
      shippingEstimateEUR: Int @requires(fields: "price(currency: \\"EUR\\") weight")
      isExpensiveCategory: Boolean @requires(fields: "category { averagePrice(currency: \\"USD\\") }")
    }
    type Category @external { averagePrice(currency: String!): Int }`,
  resolvers: {
    Product: {
      __resolveReference: (ref: Record<string, unknown>) => ref,
      shippingEstimate: (p: { price: number; weight: number }) => {
        if (typeof p.price !== 'number') throw new Error('price was not sent');
        return p.price * p.weight * 10;
      },
      shippingEstimateEUR: (p: { price: number; weight: number }) => {
        if (typeof p.price !== 'number') throw new Error('price was not sent');
        return p.price * p.weight * 10;
      },
      isExpensiveCategory: (p: { category: { averagePrice: number } }) => p.category.averagePrice > 11,
    },
  },
};

describe('@requires with arguments (requires-with-argument, requires-with-argument-conflict)', () => {
  let s: Stack;
  beforeAll(async () => {
    s = await stack([FEED, AUTHORS, CATALOG, SHIPPING]);
  });
  afterAll(() => s?.stop());

  const feedAnswer = {
    feed: [
      { author: { id: 'a2' }, comments: [{ id: 'c1' }] },
      { author: { id: 'a1' }, comments: [{ id: 'c4' }] },
    ],
  };

  it("a client's field next to the same field required with other arguments", async () => {
    const query = '{ feed { author { id } comments(limit: 1) { id } } }';
    const ours = await gql(s.ours.url, query);
    expect(ours.body).toEqual({ data: feedAnswer });
    // Stock merges both into one field and answers the required 3 comments.
    const stock = await gql(s.stock.url, query);
    expect(stock.body.data).not.toEqual(feedAnswer);
  });

  it('the same through a variable with a default and two fragments', async () => {
    const query = `query ($limit: Int = 1) { feed { author { id } ...A ...B } }
      fragment A on Post { comments(limit: $limit) { id } }
      fragment B on Post { comments(limit: $limit) { id } }`;
    expect((await gql(s.ours.url, query)).body).toEqual({ data: feedAnswer });
    expect((await gql(s.ours.url, query, { variables: { limit: 2 } })).body).toEqual({
      data: {
        feed: [
          { author: { id: 'a2' }, comments: [{ id: 'c1' }, { id: 'c2' }] },
          { author: { id: 'a1' }, comments: [{ id: 'c4' }, { id: 'c5' }] },
        ],
      },
    });
  });

  it('only the requirement, and the same arguments as the requirement', async () => {
    expect((await gql(s.ours.url, '{ feed { author { id } } }')).body).toEqual({
      data: { feed: [{ author: { id: 'a2' } }, { author: { id: 'a1' } }] },
    });
    expect((await gql(s.ours.url, '{ feed { author { id } comments(limit: 3) { id } } }')).body).toEqual({
      data: {
        feed: [
          { author: { id: 'a2' }, comments: [{ id: 'c1' }, { id: 'c2' }, { id: 'c3' }] },
          { author: { id: 'a1' }, comments: [{ id: 'c4' }, { id: 'c5' }, { id: 'c6' }] },
        ],
      },
    });
  });

  it('two fields requiring one field with different arguments, a required 0 included', async () => {
    const query =
      '{ products { upc shippingEstimate shippingEstimateEUR isExpensiveCategory price(currency: "EUR") } }';
    const expected = {
      products: [
        { upc: 'u1', shippingEstimate: 110, shippingEstimateEUR: 220, isExpensiveCategory: false, price: 22 },
        { upc: 'u2', shippingEstimate: 440, shippingEstimateEUR: 880, isExpensiveCategory: true, price: 44 },
        { upc: 'u3', shippingEstimate: 0, shippingEstimateEUR: 0, isExpensiveCategory: false, price: 0 },
      ],
    };
    expect((await gql(s.ours.url, query)).body).toEqual({ data: expected });
    // Stock sends one price for both estimates.
    expect((await gql(s.stock.url, query)).body.data).not.toEqual(expected);
  });
});

// ---------------------------------------------------------------------------
// keys-mashup

const things = { '1': { id: '1', code: 'k1', part: { one: 'o1', two: 't1' }, name: 'thing 1' } };
const THINGS: Subgraph = {
  name: 'things',
  sdl: `${link('2.5', ['@key'])}
    type Thing @key(fields: "id") @key(fields: "code", resolvable: false) @key(fields: "part { one two }", resolvable: false) {
      id: ID!
      code: ID!
      part: Part!
      name: String!
    }
    type Part { one: ID! two: ID! }`,
  resolvers: {
    Thing: { __resolveReference: ({ id }: { id: string }) => things[id as '1'] ?? null },
  },
};
const SHELF: Subgraph = {
  name: 'shelf',
  sdl: `${link('2.5', ['@key', '@external', '@requires'])}
    type Query { shelf: [Thing!]! }
    type Thing @key(fields: "part { one }", resolvable: false) @key(fields: "id part { two }") {
      id: ID!
      part: Part!
      name: String! @external
      label: String! @requires(fields: "name")
    }
    type Part { one: ID! two: ID! }`,
  resolvers: {
    Query: { shelf: () => [{ id: '1', part: things['1'].part }] },
    Thing: {
      // Resolvable only by its resolvable key: without `id` there is nothing to find.
      __resolveReference: (ref: { id?: string; name?: string }) =>
        ref.id ? { ...things[ref.id as '1'], name: ref.name } : null,
      label: (t: { name?: string }) => {
        if (!t.name) throw new Error('name was not provided');
        return `label of ${t.name}`;
      },
    },
  },
};

describe('a requiring subgraph whose first key is not resolvable (keys-mashup)', () => {
  let s: Stack;
  beforeAll(async () => {
    s = await stack([THINGS, SHELF]);
  });
  afterAll(() => s?.stop());

  it('comes back to the requiring subgraph by its resolvable key', async () => {
    const query = '{ shelf { id name label } }';
    const expected = { shelf: [{ id: '1', name: 'thing 1', label: 'label of thing 1' }] };
    expect((await gql(s.ours.url, query)).body).toEqual({ data: expected });
    expect((await gql(s.stock.url, query)).body.data).not.toEqual(expected);
  });
});

// ---------------------------------------------------------------------------
// non-resolvable-interface-object

const NODES: Subgraph = {
  name: 'nodes',
  sdl: `${link('2.3', ['@key'])}
    interface Node @key(fields: "id") { id: ID! }
    type Query { a: Node }`,
  resolvers: {
    Query: { a: () => ({ __typename: 'Node', id: 'n1' }) },
    Node: { __resolveReference: () => null },
  },
};
const DETAILS: Subgraph = {
  name: 'details',
  sdl: `${link('2.3', ['@key', '@interfaceObject'])}
    type Node @key(fields: "id", resolvable: false) @interfaceObject { id: ID! field: String }
    type Query { b: Node }`,
  resolvers: {
    Query: { b: () => ({ id: 'n1' }) },
    Node: { field: () => 'foo' },
  },
};

describe('a root field the planner cannot fetch (non-resolvable-interface-object)', () => {
  let s: Stack;
  beforeAll(async () => {
    s = await stack([NODES, DETAILS]);
  });
  afterAll(() => s?.stop());

  it('is an error, not a silent null', async () => {
    const ours = await gql(s.ours.url, '{ a { field } }');
    expect(ours.body.data ?? null).toBeNull();
    expect(ours.body.errors?.[0]?.message).toBe(
      'Cannot plan the operation: no subgraph can resolve the selections of "a"',
    );
    // Stock's plan is empty: it answers null and no error.
    expect((await gql(s.stock.url, '{ a { field } }')).body).toEqual({ data: { a: null } });
  });

  it('root fields the plan fetches, skipped ones and __typename are answered as before', async () => {
    for (const query of ['{ b { id field } }', '{ a @skip(if: true) { field } }', '{ __typename }']) {
      const [ours, stock] = await Promise.all([gql(s.ours.url, query), gql(s.stock.url, query)]);
      expect(ours.body).toEqual(stock.body);
      expect(ours.body.errors).toBeUndefined();
    }
    expect((await gql(s.ours.url, '{ b { id field } }')).body).toEqual({
      data: { b: { id: 'n1', field: 'foo' } },
    });
  });
});

// ---------------------------------------------------------------------------
// Supergraphs without these patterns are planned as they are.

describe('plannerSupergraph', () => {
  it("leaves this project's supergraph untouched", () => {
    const sdl = readFileSync(new URL('../../schema/supergraph.graphql', import.meta.url), 'utf8');
    expect(plannerSupergraph(sdl).sdl).toBe(sdl);
  });
});
