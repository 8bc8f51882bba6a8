import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  buildSchema as buildFederationSchema,
  isValidLeafValue,
  type NamedType,
  Supergraph,
} from '@apollo/federation-internals';
import { buildSchema, type FragmentDefinitionNode, type OperationDefinitionNode, parse } from 'graphql';
import { describe, expect, it } from 'vitest';
import { createApiKeyVerifier } from '../src/auth/api-keys.ts';
import { AuthenticationError, AuthUnavailableError } from '../src/auth/errors.ts';
import { createJwtVerifier } from '../src/auth/jwt.ts';
import { requestIdFrom, validTraceparent } from '../src/context.ts';
import { createCostEstimator } from '../src/cost.ts';
import { readSupergraphDirectives, supergraphForGateway } from '../src/directives.ts';
import {
  type PlanRun,
  RepresentationIndex,
  representationKey,
  rootCursor,
  runPlanNode,
} from '../src/execution/plan-runner.ts';
import { leafValidator } from '../src/execution/shaping.ts';
import { createSubgraphAgent, createSubgraphPost } from '../src/fetcher.ts';
import { SupergraphError, subgraphEndpoints, subgraphUrlEnvName } from '../src/supergraph.ts';
import { composeSupergraph, newSigningKey, recordingLogger, signAccessToken } from './helpers.ts';
import { SHOP_SDL } from './shop.ts';

const SUPERGRAPH = `
  enum join__Graph {
    IDENTITY @join__graph(name: "identity", url: "http://127.0.0.1:4001/graphql")
    ORDERS_V2 @join__graph(name: "orders-v2", url: "http://127.0.0.1:4005/graphql")
  }
  type Query { a: Int }
`;

describe('subgraphEndpoints', () => {
  it('uses the supergraph URLs unless SUBGRAPH_<NAME>_URL overrides them', () => {
    expect(subgraphEndpoints(SUPERGRAPH, {})).toEqual([
      { name: 'identity', url: 'http://127.0.0.1:4001/graphql' },
      { name: 'orders-v2', url: 'http://127.0.0.1:4005/graphql' },
    ]);
    expect(subgraphUrlEnvName('orders-v2')).toBe('SUBGRAPH_ORDERS_V2_URL');
    expect(subgraphEndpoints(SUPERGRAPH, { SUBGRAPH_IDENTITY_URL: 'http://identity:80/graphql' })[0]).toEqual(
      {
        name: 'identity',
        url: 'http://identity:80/graphql',
      },
    );
  });

  it('refuses a subgraph without a usable URL, naming the variable to set', () => {
    const noUrl = SUPERGRAPH.replace(', url: "http://127.0.0.1:4001/graphql"', '');
    expect(() => subgraphEndpoints(noUrl, {})).toThrow(/SUBGRAPH_IDENTITY_URL/);
    expect(() => subgraphEndpoints(SUPERGRAPH, { SUBGRAPH_ORDERS_V2_URL: 'ftp://x' })).toThrow(
      SupergraphError,
    );
    expect(() => subgraphEndpoints('type Query { a: Int }', {})).toThrow(/join__Graph/);
  });
});

describe('request context helpers', () => {
  it('keeps sane request ids only', () => {
    expect(requestIdFrom('abc.DEF_1-2')).toBe('abc.DEF_1-2');
    expect(requestIdFrom('a b')).not.toBe('a b');
    expect(requestIdFrom('x'.repeat(128))).toBe('x'.repeat(128));
    expect(requestIdFrom('x'.repeat(129))).toHaveLength(36);
    expect(requestIdFrom(undefined)).toHaveLength(36);
  });

  it('accepts only valid W3C traceparents', () => {
    const ok = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
    expect(validTraceparent(ok)).toBe(ok);
    expect(validTraceparent('ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01')).toBeUndefined();
    expect(validTraceparent('00-00000000000000000000000000000000-00f067aa0ba902b7-01')).toBeUndefined();
    expect(validTraceparent('00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01')).toBeUndefined();
    expect(validTraceparent('garbage')).toBeUndefined();
  });
});

describe('JWT verifier', () => {
  const base = {
    issuer: 'tradegraph-identity',
    audience: 'tradegraph',
    timeoutMs: 1000,
    logger: recordingLogger(),
  };

  it('answers AuthUnavailableError (503) when the JWKS cannot be fetched', async () => {
    const key = await newSigningKey('k1');
    const verify = createJwtVerifier({
      ...base,
      jwksUrl: 'http://127.0.0.1:9/.well-known/jwks.json',
      cooldownMs: 0,
      cacheMaxAgeMs: 60_000,
    });
    const token = await signAccessToken({ typ: 'customer', sub: 'c1', sid: 's' }, { key });
    await expect(verify(token)).rejects.toBeInstanceOf(AuthUnavailableError);
    // A malformed token never needs the JWKS: it is the caller's fault.
    await expect(verify('a.b.c')).rejects.toBeInstanceOf(AuthenticationError);
  });

  it('keeps verifying with the last good key set while identity is down', async () => {
    const key = await newSigningKey('k1');
    let up = true;
    const server = createServer((_, res) => {
      res.writeHead(up ? 200 : 503, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ keys: [key.jwk] }));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const verify = createJwtVerifier({
        ...base,
        jwksUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks`,
        cooldownMs: 0,
        cacheMaxAgeMs: 0, // refetch on every verification
      });
      const token = await signAccessToken({ typ: 'customer', sub: 'c1', sid: 's' }, { key });
      expect((await verify(token)).sub).toBe('c1');
      up = false;
      expect((await verify(token)).sub).toBe('c1');
      const unknown = await signAccessToken(
        { typ: 'customer', sub: 'c2', sid: 's' },
        { key: await newSigningKey('k2') },
      );
      await expect(verify(unknown)).rejects.toBeInstanceOf(AuthenticationError);
    } finally {
      server.close();
      server.closeAllConnections();
    }
  });
});

describe('API-key verifier', () => {
  it('bounds its cache, expires entries and never calls identity for malformed keys', async () => {
    let calls = 0;
    const server = createServer((req, res) => {
      calls++;
      req.resume();
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ active: false }));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const agent = createSubgraphAgent({ connectionsPerOrigin: 4, timeoutMs: 2000 });
    try {
      const verifier = createApiKeyVerifier({
        identityUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
        signRouterToken: async () => 'token',
        cacheSeconds: 1,
        cacheMaxEntries: 3,
        timeoutMs: 2000,
        dispatcher: agent,
        logger: recordingLogger(),
      });
      await expect(verifier.verify('not-a-key', 'r')).rejects.toBeInstanceOf(AuthenticationError);
      await expect(verifier.verify('tgk_short', 'r')).rejects.toBeInstanceOf(AuthenticationError);
      expect(calls).toBe(0);
      for (let i = 0; i < 5; i++) {
        await expect(verifier.verify(`tgk_key_number_${i}`, 'r')).rejects.toBeInstanceOf(AuthenticationError);
      }
      expect(calls).toBe(5);
      expect(verifier.size).toBe(3);
      // Concurrent lookups of one key share one call.
      await Promise.allSettled([
        verifier.verify('tgk_concurrent_1', 'r'),
        verifier.verify('tgk_concurrent_1', 'r'),
      ]);
      expect(calls).toBe(6);
      await expect(verifier.verify('tgk_concurrent_1', 'r')).rejects.toThrow();
      expect(calls).toBe(6);
      await new Promise((r) => setTimeout(r, 1100));
      await expect(verifier.verify('tgk_concurrent_1', 'r')).rejects.toThrow();
      expect(calls).toBe(7);
    } finally {
      await agent.close();
      server.close();
      server.closeAllConnections();
    }
  });
});

describe('representationKey (deduplication of entity representations)', () => {
  it('is equal only for equal representations, whatever the values contain', () => {
    const key = (o: Record<string, unknown>) => representationKey(o);
    expect(key({ __typename: 'P', upc: '1' })).toBe(key({ __typename: 'P', upc: '1' }));
    expect(key({ __typename: 'P', upc: '1' })).not.toBe(key({ __typename: 'P', upc: 1 }));
    expect(key({ __typename: 'P', upc: 'null' })).not.toBe(key({ __typename: 'P', upc: null }));
    // A crafted value cannot imitate another field.
    expect(key({ __typename: 'P', id: 'a', upc: 'b1:upc2:sc' })).not.toBe(
      key({ __typename: 'P', id: 'a', upc: 'b' }),
    );
    expect(key({ id: '2:id', x: '' })).not.toBe(key({ id: '', x: '2:id' }));
    expect(key({ __typename: 'P', dims: { w: 1 } })).not.toBe(key({ __typename: 'P', dims: { w: 2 } }));
  });

  it('RepresentationIndex gives one index exactly to representations with one key', () => {
    const values = ['1', 1, '', 'null', null, true, 'true', 0, -0, '0', 1.5, { w: 1 }, { w: 2 }, ['1']];
    const representations: Record<string, unknown>[] = [];
    for (const a of values) {
      representations.push({ __typename: 'P', upc: a });
      for (const b of values) representations.push({ __typename: 'P', id: a, upc: b });
    }
    representations.push({ __typename: 'P' }, { __typename: 'Q', upc: '1' }, { upc: '1', __typename: 'P' });
    // Twice over, in two orders: every representation is met again after the first pass.
    const all = [...representations, ...representations.slice().reverse()];
    const index = new RepresentationIndex();
    const byKey = new Map<string, number>();
    let next = 0;
    for (const representation of all) {
      const at = index.indexOf(representation, next);
      if (at === next) next++;
      const key = representationKey(representation);
      if (!byKey.has(key)) byKey.set(key, at);
      expect(at).toBe(byKey.get(key));
    }
    expect(next).toBe(byKey.size);
  });
});

describe('actual cost (the metric of what was returned)', () => {
  const estimatorFor = (sdl: string) =>
    createCostEstimator(
      Supergraph.build(supergraphForGateway(sdl)).apiSchema().toGraphQLJSSchema(),
      readSupergraphDirectives(sdl),
      { defaultListSize: 10, defaultPageSize: 10, maxListSize: 100, mutationWeight: 10 },
    );

  it('weighs every returned value with the @cost weights and real list lengths', () => {
    const sdl = composeSupergraph([{ name: 'shop', sdl: SHOP_SDL, url: 'http://127.0.0.1:1' }]);
    const estimator = estimatorFor(sdl);
    const operation = parse('{ expensive orders { items { id total { amount } } } }')
      .definitions[0] as OperationDefinitionNode;
    const data = {
      expensive: 5,
      orders: {
        items: [
          { id: 'o1', total: { amount: '1' } },
          { id: 'o2', total: null },
        ],
      },
    };
    // expensive 400; orders 1 + two orders × (1 + total's @cost 3), twice over the same field definitions
    expect(estimator.actual(operation, {}, data)).toBe(409);
    expect(estimator.actual(operation, {}, data)).toBe(409);
    expect(estimator.actual(operation, {}, { ...data, orders: { items: [] } })).toBe(401);
  });

  it('follows aliases, inline fragments by __typename and named fragments on an interface', () => {
    const sdl = composeSupergraph([
      {
        name: 'feed',
        sdl: `
          extend schema @link(url: "https://specs.apollo.dev/federation/v2.9", import: ["@cost"])
          type Query { feed: [Entry!]! top: Entry }
          interface Entry { id: ID! }
          type Post implements Entry { id: ID! body: String! author: Author! }
          type Photo implements Entry { id: ID! url: String! @cost(weight: 7) }
          type Author { name: String! }`,
        url: 'http://127.0.0.1:1',
      },
    ]);
    const estimator = estimatorFor(sdl);
    const document = parse(`
      { feed { __typename id ... on Post { body author { name } } ...P } top { ... on Photo { url } } t2: top { id } }
      fragment P on Photo { url }`);
    const operation = document.definitions[0] as OperationDefinitionNode;
    const fragments = { P: document.definitions[1] as FragmentDefinitionNode };
    const data = {
      feed: [
        { __typename: 'Post', id: '1', body: 'b', author: { name: 'n' } },
        { __typename: 'Photo', id: '2', url: 'u' },
      ],
      top: { __typename: 'Post' },
      t2: null,
    };
    // feed: a Post 1 + author 1 + url 7 (a named fragment is weighed whatever the type),
    // a Photo 1 + url 7 (the Post fragment skipped); top 1 (its Photo fragment skipped); t2 1
    expect(estimator.actual(operation, fragments, data)).toBe(19);
    expect(estimator.actual(operation, fragments, data)).toBe(19);
    expect(estimator.actual(operation, fragments, { ...data, feed: [] })).toBe(2);
  });
});

describe('subgraph POST (undici dispatch)', () => {
  it('reads status, content-type, cache-control and a body split across chunks; the deadline covers the body', async () => {
    const server = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        if (req.url === '/chunks') {
          res.writeHead(201, [
            ['Content-Type', 'application/json'],
            ['Cache-Control', 'max-age=60'],
            ['cache-control', 'public'],
          ]);
          // A BOM, and "é" (c3 a9) split across two chunks.
          res.write(Buffer.from([0xef, 0xbb, 0xbf, 0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xc3]));
          setTimeout(() => res.end(Buffer.from([0xa9, 0x22, 0x7d])), 20);
        } else if (req.url === '/plain') {
          res.writeHead(500).end('boom');
        } else {
          res.writeHead(200, { 'content-type': 'application/json' });
          res.write('{"slow":'); // and never the rest
        }
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    // The agent's own header and body timeouts are longer: the deadline tested is the whole-fetch one.
    const agent = createSubgraphAgent({ connectionsPerOrigin: 4, timeoutMs: 10_000 });
    const post = createSubgraphPost(agent, 300);
    try {
      expect(await post(`${origin}/chunks`, { 'content-type': 'application/json' }, '{}')).toEqual({
        status: 201,
        contentType: 'application/json',
        cacheControl: 'max-age=60, public',
        text: '{"a":"é"}',
      });
      expect(await post(`${origin}/plain`, {}, '')).toEqual({
        status: 500,
        contentType: '',
        cacheControl: undefined,
        text: 'boom',
      });
      const started = performance.now();
      await expect(post(`${origin}/slow`, {}, '{}')).rejects.toMatchObject({ name: 'TimeoutError' });
      expect(performance.now() - started).toBeLessThan(2000);
      await expect(post('http://127.0.0.1:1/closed', {}, '{}')).rejects.toThrow();
    } finally {
      server.closeAllConnections();
      server.close();
      await agent.destroy();
    }
  });
});

describe('entity fetches of the plan runner', () => {
  const schema = buildSchema(`
    type Query { x: Int }
    interface Node { id: ID }
    type Dims { w: Int }
    type Product implements Node { id: ID upc: String dims: Dims name: String }
  `);
  const field = (name: string) => ({ kind: 'Field' as const, name });
  const on = (typeCondition: string, ...names: string[]) => ({
    kind: 'InlineFragment' as const,
    typeCondition,
    selections: names.map(field),
  });

  /** Runs one entity fetch over `items`; returns the representations sent. */
  async function fetchEntities(items: unknown[], requires: ReturnType<typeof on>[]) {
    const sent: Record<string, unknown>[][] = [];
    const source = {
      fetchOperation: async (request: { variables?: { representations?: Record<string, unknown>[] } }) => {
        const representations = request.variables!.representations!;
        sent.push(representations);
        return {
          data: {
            _entities: representations.map((r) => ({ name: `n-${JSON.stringify(r.upc ?? r.dims)}` })),
          },
        };
      },
    };
    const run = {
      sources: new Map([['products', source]]),
      supergraphSchema: schema,
      operation: { variableDefinitions: [] },
      variables: {},
      context: {},
      errors: [],
    } as unknown as PlanRun;
    const node = {
      kind: 'Flatten',
      path: ['items', '@'],
      node: {
        kind: 'Fetch',
        serviceName: 'products',
        requires,
        variableUsages: [],
        operation:
          'query($representations:[_Any!]!){_entities(representations:$representations){...on Product{name}}}',
        operationKind: 'query',
      },
    } as unknown as Parameters<typeof runPlanNode>[1];
    const data = { items };
    await runPlanNode(run, node, rootCursor(data));
    expect(run.errors).toEqual([]);
    return { sent, items: data.items as Record<string, unknown>[] };
  }

  it('sends each distinct representation once, in first-seen order, and merges every answer back', async () => {
    const P = 'Product';
    const { sent, items } = await fetchEntities(
      [
        { __typename: P, upc: '1', id: 'a' },
        { __typename: P, upc: '2' },
        { __typename: P, upc: '1', id: 'b' },
        { __typename: P }, // no key: not sent
        { __typename: P, upc: 1 }, // a number is not the string '1'
        null,
        { __typename: '', upc: '3' }, // empty __typename: not sent
        { __typename: P, upc: null },
        { __typename: P, upc: '2' },
      ],
      [on(P, '__typename', 'upc')],
    );
    expect(sent).toEqual([
      [
        { __typename: P, upc: '1' },
        { __typename: P, upc: '2' },
        { __typename: P, upc: 1 },
        { __typename: P, upc: null },
      ],
    ]);
    expect(items.map((i) => i?.name)).toEqual([
      'n-"1"',
      'n-"2"',
      'n-"1"',
      undefined,
      'n-1',
      undefined,
      undefined,
      'n-undefined',
      'n-"2"',
    ]);
  });

  it('builds object-valued keys and overlapping fragments the general way', async () => {
    const P = 'Product';
    const { sent } = await fetchEntities(
      [
        { __typename: P, dims: { w: 1 } },
        { __typename: P, dims: { w: 2 } },
        { __typename: P, dims: { w: 1 } },
      ],
      [on(P, '__typename', 'dims')],
    );
    expect(sent).toEqual([
      [
        { __typename: P, dims: { w: 1 } },
        { __typename: P, dims: { w: 2 } },
      ],
    ]);
    const both = await fetchEntities(
      [
        { __typename: P, id: 'a', upc: '1' },
        { __typename: P, id: 'a', upc: '1' },
        { __typename: P, id: 'b', upc: '1' },
      ],
      [on('Node', '__typename', 'id'), on(P, '__typename', 'upc')],
    );
    expect(both.sent).toEqual([
      [
        { __typename: P, id: 'a', upc: '1' },
        { __typename: P, id: 'b', upc: '1' },
      ],
    ]);
  });
});

describe('leaf value checks of the shaper', () => {
  it('answer as federation-internals isValidLeafValue for every built-in, custom and enum type', () => {
    const schema = buildFederationSchema('scalar JSON enum Color { RED GREEN } type Query { a: Int }');
    const types = ['Int', 'Float', 'String', 'Boolean', 'ID', 'JSON', 'Color'].map(
      (name) => schema.type(name) as NamedType,
    );
    const values = [
      true,
      false,
      0,
      -0,
      1,
      -3,
      1.5,
      1e21,
      2 ** 53 + 2,
      Number.NaN,
      Number.POSITIVE_INFINITY,
      '1',
      '-1',
      'abc',
      '',
      'RED',
      'BLUE',
      'true',
      {},
      [],
      undefined,
    ];
    let compared = 0;
    for (const type of types) {
      const check = leafValidator(schema, type);
      for (const value of values) {
        const expected = isValidLeafValue(schema, value, type as Parameters<typeof isValidLeafValue>[2]);
        expect([type.name, value, check(value)]).toEqual([type.name, value, expected]);
        compared++;
      }
    }
    expect(compared).toBe(types.length * values.length);
    // The matrix has both answers for each type but JSON (anything goes).
    expect(values.some((v) => leafValidator(schema, types[0]!)(v))).toBe(true);
    expect(values.some((v) => !leafValidator(schema, types[6]!)(v))).toBe(true);
  });
});
