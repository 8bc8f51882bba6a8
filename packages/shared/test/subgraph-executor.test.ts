import { ApolloServer, HeaderMap } from '@apollo/server';
import {
  ApolloServerPluginCacheControlDisabled,
  ApolloServerPluginInlineTraceDisabled,
} from '@apollo/server/plugin/disabled';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { GraphQLError, parse } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  generateInternalKeyPair,
  INTERNAL_TOKEN_HEADER,
  loadInternalPrivateKey,
  loadInternalPublicKey,
  signInternalToken,
} from '../src/auth/internal-token.ts';
import { createSubgraphExecutor, jitSafe } from '../src/http/subgraph-executor.ts';
import { type RunningServer, startSubgraphServer } from '../src/http/subgraph-server.ts';
import { createLogger } from '../src/logger.ts';
import { metricsRegistry } from '../src/metrics.ts';

/**
 * The subgraph executor answers what stock Apollo Server (graphql-js) answers,
 * byte for byte: the same schema and resolvers run through both and every
 * response is compared, including the status and content type.
 */

const typeDefs = parse(`
  extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key"])
  scalar Stamp
  enum Colour { RED GREEN }
  interface Named { name: String! }
  type Variant @key(fields: "id") {
    id: ID!
    sku: String!
    options: [Option!]!
    product: Product!
    colour: Colour
    stamp: Stamp
    computed: Option
    label: String
    broken: String
    required: String!
  }
  type Option { name: String! value: String! }
  type Product implements Named @key(fields: "id") { id: ID! name: String! brand: Brand! }
  type Brand implements Named @key(fields: "id") { id: ID! name: String! }
  union Thing = Product | Brand
  type Query {
    variant(id: ID!): Variant
    things: [Thing!]!
    named: [Named!]!
    count(n: Int!): Int!
  }
  type Mutation { rename(id: ID!, name: String!): Product! }
`);

function makeSchema() {
  return buildSubgraphSchema([{ typeDefs, resolvers: makeResolvers() as never }]);
}

function makeResolvers() {
  const products = new Map([
    ['p1', { id: 'p1', name: 'Jacket', brandId: 'b1' }],
    ['p2', { id: 'p2', name: 'Boots', brandId: 'b2' }],
  ]);
  const brand = (id: string) => ({ id, name: `Brand ${id}` });
  const variant = (id: string) =>
    id.startsWith('missing')
      ? null
      : {
          id,
          sku: `SKU-${id}`,
          options: [
            { name: 'Size', value: 'M' },
            { name: 'Colour', value: id.length % 2 ? 'Red' : 'Blue' },
          ],
          productId: id.endsWith('2') ? 'p2' : 'p1',
          colour: id.endsWith('1') ? 'RED' : null,
          stamp: new Date(Date.UTC(2026, 0, 2, 3, 4, 5)),
          // function-valued properties: graphql-js' default resolver calls them
          computed: () => ({ name: 'computed', value: id }),
          label: (_args: unknown, ctx: { prefix: string }) => `${ctx.prefix}:${id}`,
          required: id.startsWith('null') ? null : 'here',
        };
  return {
    Stamp: {
      __serialize: (v: unknown) => (v instanceof Date ? v.toISOString() : String(v)),
    } as never,
    Query: {
      variant: (_: unknown, { id }: { id: string }) => Promise.resolve(variant(id)),
      things: () => [
        { __typename: 'Product', ...products.get('p1') },
        { __typename: 'Brand', ...brand('b9') },
      ],
      named: () => [
        { __typename: 'Brand', ...brand('b1') },
        { __typename: 'Product', ...products.get('p2') },
      ],
      count: (_: unknown, { n }: { n: number }) => n,
    },
    Mutation: {
      rename: (_: unknown, { id, name }: { id: string; name: string }) => {
        const p = products.get(id)!;
        p.name = name;
        return p;
      },
    },
    Variant: {
      __resolveReference: (ref: { id: string }) => Promise.resolve(variant(ref.id)),
      product: (v: { productId: string }) => Promise.resolve(products.get(v.productId)),
      broken: (v: { id: string }) => {
        if (v.id.startsWith('bad'))
          throw new GraphQLError('broken field', { extensions: { code: 'BROKEN' } });
        return 'fine';
      },
    },
    Product: {
      __resolveReference: (ref: { id: string }) => products.get(ref.id) ?? null,
      brand: (p: { brandId: string }) => brand(p.brandId),
    },
  };
}

function servers() {
  // as the subgraph server configures Apollo Server
  const options = {
    includeStacktraceInErrorResponses: false,
    plugins: [ApolloServerPluginInlineTraceDisabled(), ApolloServerPluginCacheControlDisabled()],
  };
  const stock = new ApolloServer({ schema: makeSchema(), ...options });
  const executor = createSubgraphExecutor(makeSchema());
  const ours = new ApolloServer({ gateway: executor.gateway, ...options });
  return { stock, ours, counts: executor.counts };
}

async function run(server: ApolloServer, body: Record<string, unknown>) {
  const res = await server.executeHTTPGraphQLRequest({
    httpGraphQLRequest: {
      method: 'POST',
      headers: new HeaderMap([['content-type', 'application/json']]),
      search: '',
      body,
    },
    context: async () => ({ prefix: 'ctx' }),
  });
  const text = res.body.kind === 'complete' ? res.body.string : 'chunked';
  return `${res.status ?? 200} ${res.headers.get('content-type')}\n${text}`;
}

const reps = (...ids: string[]) => ids.map((id) => ({ __typename: 'Variant', id }));
const ENTITIES = `query Q($representations: [_Any!]!) { _entities(representations: $representations) {
  ... on Variant { sku options { name value } product { name brand { __typename id name } } colour stamp computed { name value } }
} }`;

const CASES: [string, Record<string, unknown>, 'jit' | 'graphqlJs' | 'rerun'][] = [
  [
    'entities with nested lists, enums, custom scalars',
    { query: ENTITIES, variables: { representations: reps('v1', 'v2', 'v12', 'missing1') } },
    'jit',
  ],
  [
    'aliases, fragments and __typename',
    {
      query: `query { a: variant(id: "v1") { ...F } b: variant(id: "v2") { __typename sku: id } } fragment F on Variant { sku x: options { v: value } }`,
    },
    'jit',
  ],
  [
    'unions and interfaces',
    {
      query:
        '{ things { __typename ... on Product { name } ... on Brand { id } } named { __typename name ... on Product { brand { name } } } }',
    },
    'jit',
  ],
  [
    'an entity whose reference is unknown',
    { query: ENTITIES, variables: { representations: reps('missing2') } },
    'jit',
  ],
  [
    'a function-valued leaf property (graphql-js calls it)',
    { query: '{ variant(id: "v1") { sku label } }' },
    'rerun',
  ],
  ['a resolver error', { query: '{ variant(id: "bad1") { sku broken } }' }, 'rerun'],
  [
    'an error inside one of many entities',
    {
      query: `query Q($representations: [_Any!]!) { _entities(representations: $representations) { ... on Variant { sku broken } } }`,
      variables: { representations: reps('v1', 'bad2', 'v3') },
    },
    'rerun',
  ],
  ['a null for a non-null field', { query: '{ variant(id: "null1") { sku required } }' }, 'rerun'],
  ['an invalid variable', { query: 'query ($n: Int!) { count(n: $n) }', variables: { n: 'x' } }, 'rerun'],
  ['a missing variable', { query: 'query ($n: Int!) { count(n: $n) }' }, 'rerun'],
  [
    '@skip and @include (graphql-js)',
    {
      query: 'query ($s: Boolean!) { variant(id: "v1") { sku @skip(if: $s) label @include(if: $s) } }',
      variables: { s: true },
    },
    'graphqlJs',
  ],
  [
    'introspection (graphql-js)',
    { query: '{ __type(name: "Variant") { name fields { name } } }' },
    'graphqlJs',
  ],
  [
    'a mutation (graphql-js)',
    { query: 'mutation { rename(id: "p2", name: "Boots II") { id name } }' },
    'graphqlJs',
  ],
  ['a validation error', { query: '{ variant(id: "v1") { nope } }' }, 'graphqlJs'],
];

describe('subgraph executor', () => {
  it.each(CASES)('answers as graphql-js: %s', async (_name, body, path) => {
    const { stock, ours, counts } = servers();
    await stock.start();
    await ours.start();
    try {
      const expected = await run(stock, body);
      const before = { ...counts };
      // twice: the second run uses the compiled query
      expect(await run(ours, body)).toBe(expected);
      expect(await run(ours, body)).toBe(expected);
      if (path === 'jit') {
        expect(counts.jit - before.jit).toBe(2);
        expect(counts.graphqlJs - before.graphqlJs).toBe(0);
      } else if (path === 'rerun') {
        expect(counts.rerun - before.rerun).toBe(2);
        expect(counts.graphqlJs - before.graphqlJs).toBe(2);
      } else {
        expect(counts.jit - before.jit).toBe(0);
        expect(counts.rerun - before.rerun).toBe(0);
      }
    } finally {
      await stock.stop();
      await ours.stop();
    }
  });

  it('keeps directives and introspection away from graphql-jit', () => {
    expect(jitSafe(parse('{ a { b } __typename }'))).toBe(true);
    expect(jitSafe(parse('{ a @include(if: true) { b } }'))).toBe(false);
    expect(jitSafe(parse('query @x { a }'))).toBe(false);
    expect(jitSafe(parse('{ ... on Query @skip(if: false) { a } }'))).toBe(false);
    expect(jitSafe(parse('{ __schema { types { name } } }'))).toBe(false);
    expect(jitSafe(parse('{ a { ...F } } fragment F on A { __type(name: "x") { name } }'))).toBe(false);
  });
});

describe('subgraph server: known queries without the Apollo pipeline', () => {
  const keys = generateInternalKeyPair();
  // The reference: the same subgraph server (error formatting and all) running every operation through graphql-js.
  let server: RunningServer;
  let reference: RunningServer;
  const tokens = new Map<RunningServer, string>();
  const start = async (name: string, jit: boolean) => {
    const running = await startSubgraphServer({
      name,
      port: 0,
      host: '127.0.0.1',
      typeDefs,
      resolvers: makeResolvers() as never,
      logger: createLogger(name, 'silent'),
      internalPublicKey: loadInternalPublicKey(keys.publicKey),
      context: (base) => ({ ...base, prefix: 'ctx' }),
      jit,
    });
    const token = await signInternalToken(loadInternalPrivateKey(keys.privateKey), name, {
      principal: { kind: 'anonymous' },
    });
    tokens.set(running, token);
    return running;
  };
  beforeAll(async () => {
    server = await start('fastpath', true);
    reference = await start('fastpath-reference', false);
  });
  afterAll(async () => {
    await server?.stop();
    await reference?.stop();
  });

  const fastAnswers = async () =>
    (await metricsRegistry.getSingleMetric('graphql_fast_answers_total')?.get())?.values.find(
      (v) => v.labels.subgraph === 'fastpath',
    )?.value ?? 0;

  async function post(body: Record<string, unknown>, accept?: string, to = server) {
    const res = await fetch(to.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...(accept ? { accept } : {}),
        [INTERNAL_TOKEN_HEADER]: tokens.get(to)!,
      },
      body: JSON.stringify(body),
    });
    return `${res.status} ${res.headers.get('content-type')}\n${await res.text()}`;
  }
  /** Query texts the jit cases below had answered cleanly (they run in order). */
  const learned = new Set<string>();
  const viaReference = (body: Record<string, unknown>) => post(body, undefined, reference);

  it.each(CASES)(
    'answers as Apollo Server, also the second and third time: %s',
    async (_name, body, path) => {
      const expected = await viaReference(body);
      const before = await fastAnswers();
      for (let i = 0; i < 3; i++) expect(await post(body)).toBe(expected);
      // learned from Apollo's clean answer through graphql-jit (an earlier case's query is
      // known from the first request on); never an answer with errors
      const known = learned.has(String(body.query));
      if (path === 'jit') learned.add(String(body.query));
      expect((await fastAnswers()) - before).toBe(path === 'jit' ? (known ? 3 : 2) : 0);
    },
  );

  it('sends a known query that meets an error through Apollo Server, whose error response it is', async () => {
    const query = 'query V($id: ID!) { variant(id: $id) { sku broken } }';
    const fine = { query, variables: { id: 'v1' }, operationName: 'V' };
    const bad = { query, variables: { id: 'bad1' }, operationName: 'V' };
    expect(await post(fine)).toBe(await viaReference(fine));
    const before = await fastAnswers();
    expect(await post(bad)).toBe(await viaReference(bad));
    expect(await post({ ...bad, variables: { id: true } })).toBe(
      await viaReference({ ...bad, variables: { id: true } }),
    );
    expect(await post({ ...bad, variables: {} })).toBe(await viaReference({ ...bad, variables: {} }));
    expect(await post(fine)).toBe(await viaReference(fine));
    expect((await fastAnswers()) - before).toBe(1);
  });

  it('learns a request shape per accept header, and leaves other body shapes to Apollo Server', async () => {
    const body = { query: '{ count(n: 3) }' };
    const graphqlResponse = 'application/graphql-response+json';
    await post(body);
    const before = await fastAnswers();
    const first = await post(body, graphqlResponse);
    expect(first).toMatch(/^200 application\/graphql-response\+json/);
    expect(await post(body, graphqlResponse)).toBe(first);
    expect((await fastAnswers()) - before).toBe(1);
    // extensions (e.g. persisted queries) and unknown fields: Apollo Server decides
    for (const odd of [
      { ...body, extensions: {} },
      { ...body, extra: 1 },
      { ...body, variables: [] },
    ]) {
      const answer = await post(odd);
      expect(answer).toBe(await viaReference(odd));
    }
    expect((await fastAnswers()) - before).toBe(1);
  });
});
