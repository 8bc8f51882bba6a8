import type { KeyObject } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { composeServices } from '@apollo/composition';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginInlineTraceDisabled } from '@apollo/server/plugin/disabled';
import { startStandaloneServer } from '@apollo/server/standalone';
import { buildSubgraphSchema, type GraphQLResolverMap } from '@apollo/subgraph';
import {
  type ApiKeyIntrospection,
  INTERNAL_TOKEN_HEADER,
  type InternalClaims,
  type Logger,
  verifyInternalToken,
} from '@tradegraph/shared';
import { GraphQLError, parse } from 'graphql';
import { exportJWK, generateKeyPair, type JWK, SignJWT } from 'jose';

// ---------------------------------------------------------------------------
// Fake subgraphs: echo what the router sent them.

const ECHO_TYPES = `
  type Echo @shareable {
    subgraph: String!
    principal: String!
    tokenRequestId: String
    tokenTraceparent: String
    headers: [Header!]!
  }
  type Header @shareable { name: String! value: String! }
`;

export const ALPHA_SDL = `
  extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key", "@shareable"])
  type Query {
    alpha: Echo!
    node: Node
    organization(id: ID!): Organization
    boom: String
    slow(ms: Int!): String
  }
  type Node { id: ID! child: Node }
  type Organization @key(fields: "id") { id: ID! name: String! }
  ${ECHO_TYPES}
`;

export const BETA_SDL = `
  extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key", "@shareable"])
  type Query { beta: Echo }
  type Organization @key(fields: "id") { id: ID! productCount: Int! }
  ${ECHO_TYPES}
`;

interface FakeContext {
  claims: InternalClaims;
  headers: IncomingMessage['headers'];
}

export interface FakeSubgraph {
  name: string;
  url: string;
  /** Requests that reached the resolvers (i.e. carried a valid internal token). */
  calls: number;
  stop: () => Promise<void>;
}

function echo(name: string, ctx: FakeContext) {
  return {
    subgraph: name,
    principal: JSON.stringify(ctx.claims.principal),
    tokenRequestId: ctx.claims.requestId ?? null,
    tokenTraceparent: ctx.claims.traceparent ?? null,
    headers: Object.entries(ctx.headers).map(([k, v]) => ({ name: k, value: String(v) })),
  };
}

/** An Apollo subgraph that only serves requests with a valid internal token for audience `name`. */
export async function startFakeSubgraph(
  name: 'alpha' | 'beta',
  internalPublicKey: KeyObject,
): Promise<FakeSubgraph> {
  const resolvers: GraphQLResolverMap<FakeContext> =
    name === 'alpha'
      ? {
          Query: {
            alpha: (_: unknown, __: unknown, ctx: FakeContext) => echo(name, ctx),
            node: () => ({ id: '1' }),
            organization: (_: unknown, args: { id: string }) => ({ id: args.id, name: `Org ${args.id}` }),
            boom: () => {
              throw new Error('connect ECONNREFUSED 10.1.2.3:3306 (secret internals)');
            },
            slow: async (_: unknown, args: { ms: number }) => {
              await new Promise((r) => setTimeout(r, args.ms));
              return 'done';
            },
          },
          Node: { child: (n: { id: string }) => ({ id: `${n.id}.1` }) },
        }
      : {
          Query: { beta: (_: unknown, __: unknown, ctx: FakeContext) => echo(name, ctx) },
          Organization: { productCount: (o: { id: string }) => o.id.length },
        };
  const server = new ApolloServer<FakeContext>({
    schema: buildSubgraphSchema([{ typeDefs: parse(name === 'alpha' ? ALPHA_SDL : BETA_SDL), resolvers }]),
    includeStacktraceInErrorResponses: true,
    plugins: [ApolloServerPluginInlineTraceDisabled()],
  });
  const fake: FakeSubgraph = { name, url: '', calls: 0, stop: () => server.stop() };
  const { url } = await startStandaloneServer(server, {
    listen: { port: 0, host: '127.0.0.1' },
    context: async ({ req }) => {
      const raw = req.headers[INTERNAL_TOKEN_HEADER];
      let claims: InternalClaims;
      try {
        claims = await verifyInternalToken(internalPublicKey, name, Array.isArray(raw) ? raw[0] : raw);
      } catch (err) {
        throw new GraphQLError(`fake ${name}: ${(err as Error).message}`, {
          extensions: { code: 'UNAUTHENTICATED', http: { status: 401 } },
        });
      }
      fake.calls++;
      return { claims, headers: req.headers };
    },
  });
  fake.url = url;
  return fake;
}

export function composeSupergraph(subgraphs: { name: string; sdl: string; url: string }[]): string {
  const result = composeServices(
    subgraphs.map((s) => ({ name: s.name, typeDefs: parse(s.sdl), url: s.url })),
  );
  if (result.errors) throw new Error(result.errors.map((e) => e.message).join('\n'));
  return result.supergraphSdl;
}

// ---------------------------------------------------------------------------
// Fake identity: JWKS + API-key introspection.

export interface SigningKey {
  kid: string;
  privateKey: Awaited<ReturnType<typeof generateKeyPair>>['privateKey'];
  jwk: JWK;
}

export async function newSigningKey(kid: string): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true });
  return { kid, privateKey, jwk: { ...(await exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' } };
}

export interface FakeIdentity {
  url: string;
  jwksUrl: string;
  /** Keys published in the JWKS (mutable: rotate by pushing/removing). */
  published: SigningKey[];
  /** API keys identity knows; absent keys are inactive. */
  apiKeys: Map<string, NonNullable<ApiKeyIntrospection['principal']>>;
  jwksFetches: number;
  introspections: number;
  /** Claims of the internal tokens the router sent to introspection. */
  introspectionCallers: InternalClaims[];
  /** Makes both endpoints answer 500. */
  failing: boolean;
  stop: () => Promise<void>;
}

export async function startFakeIdentity(internalPublicKey: KeyObject): Promise<FakeIdentity> {
  const identity: FakeIdentity = {
    url: '',
    jwksUrl: '',
    published: [],
    apiKeys: new Map(),
    jwksFetches: 0,
    introspections: 0,
    introspectionCallers: [],
    failing: false,
    stop: async () => {},
  };
  const server: Server = createServer(async (req, res) => {
    const send = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (identity.failing) return send(500, { error: 'down' });
    if (req.method === 'GET' && req.url === '/.well-known/jwks.json') {
      identity.jwksFetches++;
      return send(200, { keys: identity.published.map((k) => k.jwk) });
    }
    if (req.method === 'POST' && req.url === '/internal/api-keys/introspect') {
      identity.introspections++;
      const chunks: Buffer[] = [];
      for await (const c of req) chunks.push(c as Buffer);
      try {
        const raw = req.headers[INTERNAL_TOKEN_HEADER];
        const claims = await verifyInternalToken(
          internalPublicKey,
          'identity',
          Array.isArray(raw) ? raw[0] : raw,
        );
        identity.introspectionCallers.push(claims);
      } catch {
        return send(401, { error: 'internal token required' });
      }
      const { key } = JSON.parse(Buffer.concat(chunks).toString()) as { key: string };
      const principal = identity.apiKeys.get(key);
      return send(200, principal ? { active: true, principal } : { active: false });
    }
    send(404, { error: 'not found' });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  identity.url = `http://127.0.0.1:${port}`;
  identity.jwksUrl = `${identity.url}/.well-known/jwks.json`;
  identity.stop = () =>
    new Promise<void>((r) => {
      server.close(() => r());
      server.closeAllConnections();
    });
  return identity;
}

export interface TokenOptions {
  key: SigningKey;
  issuer?: string;
  audience?: string;
  expiresIn?: string | number;
  kid?: string;
}

export async function signAccessToken(claims: Record<string, unknown>, opts: TokenOptions): Promise<string> {
  const jwt = new SignJWT(claims)
    .setProtectedHeader({ alg: 'RS256', kid: opts.kid ?? opts.key.kid })
    .setIssuer(opts.issuer ?? 'tradegraph-identity')
    .setAudience(opts.audience ?? 'tradegraph')
    .setIssuedAt();
  if (typeof opts.expiresIn === 'number') jwt.setExpirationTime(opts.expiresIn);
  else jwt.setExpirationTime(opts.expiresIn ?? '5m');
  return jwt.sign(opts.key.privateKey);
}

// ---------------------------------------------------------------------------
// Talking to the router.

export interface GqlResponse {
  status: number;
  headers: Headers;
  body: {
    data?: Record<string, unknown> | null;
    errors?: { message: string; path?: unknown[]; extensions?: Record<string, unknown> }[];
  };
  text: string;
}

export async function gql(
  url: string,
  query: string,
  opts: {
    headers?: Record<string, string>;
    variables?: Record<string, unknown>;
    operationName?: string;
  } = {},
): Promise<GqlResponse> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...opts.headers },
    body: JSON.stringify({ query, variables: opts.variables, operationName: opts.operationName }),
  });
  const text = await res.text();
  let body: GqlResponse['body'] = {};
  try {
    body = JSON.parse(text);
  } catch {
    // Not JSON: tests look at `text`.
  }
  return { status: res.status, headers: res.headers, body, text };
}

export function headerOf(
  echo: { headers: { name: string; value: string }[] },
  name: string,
): string | undefined {
  return echo.headers.find((h) => h.name === name)?.value;
}

// ---------------------------------------------------------------------------
// A logger that records what it is given (pino-compatible enough for the router).

export interface LogRecord {
  level: string;
  msg: string;
  [key: string]: unknown;
}

export function recordingLogger(records: LogRecord[] = [], bindings: Record<string, unknown> = {}): Logger {
  const at =
    (level: string) =>
    (objOrMsg: unknown, msg?: string): void => {
      if (typeof objOrMsg === 'string') records.push({ ...bindings, level, msg: objOrMsg });
      else records.push({ ...bindings, ...(objOrMsg as object), level, msg: msg ?? '' });
    };
  const logger = {
    records,
    level: 'trace',
    trace: at('trace'),
    debug: at('debug'),
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
    fatal: at('fatal'),
    child: (more: Record<string, unknown>) => recordingLogger(records, { ...bindings, ...more }),
  };
  return logger as unknown as Logger;
}
