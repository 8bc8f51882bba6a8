import { createPublicKey } from 'node:crypto';
import { generateInternalKeyPair, INTERNAL_TOKEN_HEADER } from '@tradegraph/shared';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningRouter, startRouter } from '../src/router.ts';
import {
  ALPHA_SDL,
  BETA_SDL,
  composeSupergraph,
  type FakeIdentity,
  type FakeSubgraph,
  gql,
  headerOf,
  type LogRecord,
  newSigningKey,
  recordingLogger,
  type SigningKey,
  signAccessToken,
  startFakeIdentity,
  startFakeSubgraph,
} from './helpers.ts';

interface Echo {
  subgraph: string;
  principal: string;
  tokenRequestId: string | null;
  tokenTraceparent: string | null;
  headers: { name: string; value: string }[];
}

const ECHO = 'subgraph principal tokenRequestId tokenTraceparent headers { name value }';
const BOTH = `query Both { alpha { ${ECHO} } beta { ${ECHO} } }`;

const keys = generateInternalKeyPair();
const publicKey = createPublicKey(keys.publicKey);

let alpha: FakeSubgraph;
let beta: FakeSubgraph;
let identity: FakeIdentity;
let signingKey: SigningKey;
let supergraphSdl: string;
let router: RunningRouter;
const logs: LogRecord[] = [];

function baseEnv(overrides: Record<string, string> = {}): Record<string, string> {
  return {
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    INTERNAL_TOKEN_PRIVATE_KEY: Buffer.from(keys.privateKey).toString('base64'),
    IDENTITY_URL: identity.url,
    IDENTITY_JWKS_URL: identity.jwksUrl,
    JWKS_COOLDOWN_MS: '0',
    SUBGRAPH_ALPHA_URL: alpha.url,
    ...overrides,
  };
}

const userClaims = {
  typ: 'user',
  sub: 'usr_1',
  org: 'org_brand',
  okd: 'BRAND',
  role: 'ADMIN',
  perms: ['catalog:read', 'catalog:write'],
  sid: 'ses_1',
};

beforeAll(async () => {
  [alpha, beta, identity, signingKey] = await Promise.all([
    startFakeSubgraph('alpha', publicKey),
    startFakeSubgraph('beta', publicKey),
    startFakeIdentity(publicKey),
    newSigningKey('key-1'),
  ]);
  identity.published.push(signingKey);
  // alpha's URL in the supergraph is wrong on purpose: SUBGRAPH_ALPHA_URL must win.
  supergraphSdl = composeSupergraph([
    { name: 'alpha', sdl: ALPHA_SDL, url: 'http://127.0.0.1:9/graphql' },
    { name: 'beta', sdl: BETA_SDL, url: beta.url },
  ]);
  router = await startRouter({
    supergraphSdl,
    port: 0,
    host: '127.0.0.1',
    env: baseEnv(),
    logger: recordingLogger(logs),
  });
});

afterAll(async () => {
  await router?.stop();
  await Promise.all([alpha?.stop(), beta?.stop(), identity?.stop()]);
});

describe('anonymous callers', () => {
  it('reach every subgraph as the anonymous principal, with a token per subgraph audience', async () => {
    const res = await gql(router.url, BOTH);
    expect(res.status).toBe(200);
    expect(res.body.errors).toBeUndefined();
    const data = res.body.data as { alpha: Echo; beta: Echo };
    expect(data.alpha.subgraph).toBe('alpha');
    expect(JSON.parse(data.alpha.principal)).toEqual({ kind: 'anonymous' });
    expect(JSON.parse(data.beta.principal)).toEqual({ kind: 'anonymous' });
  });

  it('plans entity fetches across subgraphs', async () => {
    const res = await gql(router.url, '{ organization(id: "org_42") { id name productCount } }');
    expect(res.body).toEqual({
      data: { organization: { id: 'org_42', name: 'Org org_42', productCount: 6 } },
    });
  });
});

describe('access tokens', () => {
  it('passes the verified user principal to subgraphs', async () => {
    const token = await signAccessToken(userClaims, { key: signingKey });
    const res = await gql(router.url, BOTH, { headers: { authorization: `Bearer ${token}` } });
    expect(res.status).toBe(200);
    const data = res.body.data as { alpha: Echo; beta: Echo };
    const expected = {
      kind: 'user',
      userId: 'usr_1',
      organizationId: 'org_brand',
      organizationKind: 'BRAND',
      role: 'ADMIN',
      permissions: ['catalog:read', 'catalog:write'],
    };
    expect(JSON.parse(data.alpha.principal)).toEqual(expected);
    expect(JSON.parse(data.beta.principal)).toEqual(expected);
    // The caller's Authorization header is not forwarded.
    expect(headerOf(data.alpha, 'authorization')).toBeUndefined();
  });

  it('maps customer tokens to the customer principal', async () => {
    const token = await signAccessToken({ typ: 'customer', sub: 'cus_9', sid: 's' }, { key: signingKey });
    const res = await gql(router.url, `{ alpha { principal } }`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(JSON.parse((res.body.data as { alpha: Echo }).alpha.principal)).toEqual({
      kind: 'customer',
      customerId: 'cus_9',
    });
  });

  const badTokens: [string, () => Promise<string>][] = [
    ['wrong issuer', () => signAccessToken(userClaims, { key: signingKey, issuer: 'someone-else' })],
    ['wrong audience', () => signAccessToken(userClaims, { key: signingKey, audience: 'other-app' })],
    [
      'expired',
      () => signAccessToken(userClaims, { key: signingKey, expiresIn: Math.floor(Date.now() / 1000) - 60 }),
    ],
    [
      'HS256 (algorithm confusion)',
      () =>
        new SignJWT(userClaims)
          .setProtectedHeader({ alg: 'HS256', kid: 'key-1' })
          .setIssuer('tradegraph-identity')
          .setAudience('tradegraph')
          .setExpirationTime('5m')
          .sign(new TextEncoder().encode('a-shared-secret-that-is-long-enough!!')),
    ],
    ['unknown kid', async () => signAccessToken(userClaims, { key: await newSigningKey('never-published') })],
    [
      'signed by another key under a known kid',
      async () => signAccessToken(userClaims, { key: await newSigningKey('key-1') }),
    ],
    ['not a JWT', async () => 'garbage.token.value'],
    ['an unknown token type', () => signAccessToken({ ...userClaims, typ: 'refresh' }, { key: signingKey })],
  ];

  it.each(badTokens)('refuses a token with %s: 401 UNAUTHENTICATED, no subgraph call', async (_, make) => {
    const callsBefore = alpha.calls;
    const res = await gql(router.url, '{ alpha { principal } }', {
      headers: { authorization: `Bearer ${await make()}` },
    });
    expect(res.status).toBe(401);
    expect(res.body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    expect(res.body.data).toBeUndefined();
    expect(alpha.calls).toBe(callsBefore);
  });

  it('refuses a malformed Authorization header', async () => {
    const res = await gql(router.url, '{ alpha { principal } }', {
      headers: { authorization: 'Basic dXNlcjpwYXNz' },
    });
    expect(res.status).toBe(401);
    expect(res.body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });

  it('accepts a rotated signing key (new kid) without a restart', async () => {
    const fetchesBefore = identity.jwksFetches;
    const rotated = await newSigningKey('key-2');
    identity.published.push(rotated);
    const token = await signAccessToken({ ...userClaims, sub: 'usr_rotated' }, { key: rotated });
    const res = await gql(router.url, '{ alpha { principal } }', {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(res.status).toBe(200);
    expect(JSON.parse((res.body.data as { alpha: Echo }).alpha.principal).userId).toBe('usr_rotated');
    expect(identity.jwksFetches).toBe(fetchesBefore + 1);
    // The old key still works while it is published.
    const old = await signAccessToken(userClaims, { key: signingKey });
    expect(
      (await gql(router.url, '{ alpha { subgraph } }', { headers: { authorization: `Bearer ${old}` } }))
        .status,
    ).toBe(200);
  });
});

describe('API keys', () => {
  const active = 'tgk_live_0123456789abcdef';
  const principal = {
    kind: 'apiKey' as const,
    apiKeyId: 'key_1',
    organizationId: 'org_retail',
    organizationKind: 'RETAILER' as const,
    permissions: ['catalog:read' as const],
  };

  it('introspects an active key once, then serves it from the cache', async () => {
    identity.apiKeys.set(active, principal);
    const before = identity.introspections;
    for (let i = 0; i < 2; i++) {
      const res = await gql(router.url, '{ beta { principal } }', {
        headers: { authorization: `Bearer ${active}` },
      });
      expect(res.status).toBe(200);
      expect(JSON.parse((res.body.data as { beta: Echo }).beta.principal)).toEqual(principal);
    }
    expect(identity.introspections).toBe(before + 1);
    // The router called identity as itself, with an internal token for audience identity.
    expect(identity.introspectionCallers.at(-1)?.principal).toEqual({ kind: 'router' });
  });

  it('refuses an inactive key with 401 and caches the negative answer', async () => {
    const before = identity.introspections;
    for (let i = 0; i < 2; i++) {
      const res = await gql(router.url, '{ beta { principal } }', {
        headers: { authorization: 'Bearer tgk_revoked_key_000000' },
      });
      expect(res.status).toBe(401);
      expect(res.body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    }
    expect(identity.introspections).toBe(before + 1);
  });

  it('answers 503 when identity cannot be reached for introspection', async () => {
    identity.failing = true;
    try {
      const res = await gql(router.url, '{ beta { principal } }', {
        headers: { authorization: 'Bearer tgk_never_seen_before_1' },
      });
      expect(res.status).toBe(503);
      expect(res.body.errors?.[0]?.extensions?.code).toBe('SERVICE_UNAVAILABLE');
      expect(res.body.errors?.[0]?.message).toMatch(/identity service is unavailable/);
    } finally {
      identity.failing = false;
    }
  });
});

describe('headers to subgraphs', () => {
  it('never forwards client-sent x-tradegraph-* headers or credentials', async () => {
    const forged = await new SignJWT({ pri: { kind: 'user', userId: 'admin' } })
      .setProtectedHeader({ alg: 'HS256' })
      .sign(new TextEncoder().encode('x'.repeat(32)));
    const res = await gql(router.url, BOTH, {
      headers: {
        [INTERNAL_TOKEN_HEADER]: forged,
        'x-tradegraph-principal': '{"kind":"user","userId":"admin"}',
        'X-Tradegraph-Org': 'org_victim',
        cookie: 'session=abc',
      },
    });
    expect(res.status).toBe(200);
    const data = res.body.data as { alpha: Echo; beta: Echo };
    for (const echo of [data.alpha, data.beta]) {
      const names = echo.headers.map((h) => h.name);
      expect(names.filter((n) => n.startsWith('x-tradegraph-'))).toEqual([INTERNAL_TOKEN_HEADER]);
      expect(headerOf(echo, INTERNAL_TOKEN_HEADER)).not.toBe(forged);
      expect(names).not.toContain('cookie');
      expect(names).not.toContain('authorization');
      expect(JSON.parse(echo.principal)).toEqual({ kind: 'anonymous' });
    }
  });

  it('propagates and echoes a sane x-request-id, and the W3C traceparent', async () => {
    const traceparent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
    const res = await gql(router.url, BOTH, {
      headers: { 'x-request-id': 'req.ABC-123_x', traceparent, tracestate: 'vendor=1' },
    });
    expect(res.headers.get('x-request-id')).toBe('req.ABC-123_x');
    const data = res.body.data as { alpha: Echo; beta: Echo };
    for (const echo of [data.alpha, data.beta]) {
      expect(headerOf(echo, 'x-request-id')).toBe('req.ABC-123_x');
      expect(headerOf(echo, 'traceparent')).toBe(traceparent);
      expect(headerOf(echo, 'tracestate')).toBe('vendor=1');
      // Per-request data is not in the token (it is reused across requests of the same principal).
      expect(echo.tokenRequestId).toBeNull();
      expect(echo.tokenTraceparent).toBeNull();
    }
  });

  it('reuses an internal token per principal and audience, never across them', async () => {
    const tokens = async (headers: Record<string, string> = {}) => {
      const res = await gql(router.url, BOTH, { headers });
      const data = res.body.data as { alpha: Echo; beta: Echo };
      return {
        alpha: headerOf(data.alpha, INTERNAL_TOKEN_HEADER),
        beta: headerOf(data.beta, INTERNAL_TOKEN_HEADER),
      };
    };
    const first = await tokens({ 'x-request-id': 'reuse-1' });
    const second = await tokens({ 'x-request-id': 'reuse-2' });
    expect(first.alpha).toBeDefined();
    expect(second).toEqual(first);
    expect(first.alpha).not.toBe(first.beta);
    const user = await tokens({
      authorization: `Bearer ${await signAccessToken(userClaims, { key: signingKey })}`,
    });
    expect(user.alpha).not.toBe(first.alpha);
    expect(user.beta).not.toBe(first.beta);
    // Bound to principal + audience, with a short lifetime.
    const payload = JSON.parse(Buffer.from(first.alpha!.split('.')[1]!, 'base64url').toString());
    expect(payload).toMatchObject({ pri: { kind: 'anonymous' }, aud: 'alpha', iss: 'tradegraph-router' });
    expect(payload.exp - payload.iat).toBeLessThanOrEqual(60);
  });

  it('replaces an unsafe request id with a generated one, used everywhere', async () => {
    const res = await gql(router.url, BOTH, {
      headers: { 'x-request-id': 'bad id; drop table', traceparent: 'not-a-traceparent' },
    });
    const id = res.headers.get('x-request-id');
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    const data = res.body.data as { alpha: Echo; beta: Echo };
    expect(headerOf(data.alpha, 'x-request-id')).toBe(id);
    expect(headerOf(data.beta, 'x-request-id')).toBe(id);
    expect(headerOf(data.alpha, 'traceparent')).toBeUndefined();

    const long = await gql(router.url, '{ alpha { subgraph } }', {
      headers: { 'x-request-id': 'a'.repeat(129) },
    });
    expect(long.headers.get('x-request-id')).not.toBe('a'.repeat(129));
  });

  it('writes one access-log line per request with operation, status and duration', async () => {
    await gql(router.url, BOTH, { headers: { 'x-request-id': 'log-check-1' } });
    const lines = logs.filter((l) => l.msg === 'request' && l.requestId === 'log-check-1');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ level: 'info', operationName: 'Both', status: 200, path: '/graphql' });
    expect(typeof lines[0]?.durationMs).toBe('number');
  });
});

describe('limits', () => {
  const nested = (levels: number) =>
    `{ node { ${'child { '.repeat(levels - 2)}id${' }'.repeat(levels - 2)} } }`;

  it('allows the maximum depth and refuses one level more', async () => {
    const ok = await gql(router.url, nested(12));
    expect(ok.status).toBe(200);
    expect(ok.body.errors).toBeUndefined();
    const tooDeep = await gql(router.url, nested(13));
    expect(tooDeep.status).toBe(400);
    expect(tooDeep.body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(tooDeep.body.errors?.[0]?.message).toMatch(/nested 13 levels deep; the limit is 12/);
  });

  it('refuses too many aliases', async () => {
    const aliases = (n: number) =>
      `{ alpha { ${Array.from({ length: n }, (_, i) => `a${i}: subgraph`).join(' ')} } }`;
    expect((await gql(router.url, aliases(30))).status).toBe(200);
    const res = await gql(router.url, aliases(31));
    expect(res.status).toBe(400);
    expect(res.body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(res.body.errors?.[0]?.message).toMatch(/31 aliases; the limit is 30/);
  });

  it('refuses a body over the size limit with 413', async () => {
    const res = await gql(router.url, `{ alpha { subgraph } } # ${'x'.repeat(1_100_000)}`);
    expect(res.status).toBe(413);
    expect(res.body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });
});

describe('HTTP surface', () => {
  it('refuses a GET query without a preflight header (CSRF) and serves it with one', async () => {
    const url = `${router.url}?query=${encodeURIComponent('{ alpha { subgraph } }')}`;
    const refused = await fetch(url);
    expect(refused.status).toBe(400);
    expect(await refused.text()).toMatch(/CSRF/);
    const allowed = await fetch(url, { headers: { 'apollo-require-preflight': 'true' } });
    expect(allowed.status).toBe(200);
    expect(await allowed.json()).toEqual({ data: { alpha: { subgraph: 'alpha' } } });
  });

  it('refuses a simple-request POST (text/plain) as CSRF', async () => {
    const res = await fetch(router.url, {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: JSON.stringify({ query: '{ alpha { subgraph } }' }),
    });
    expect(res.status).toBe(400);
    expect(await res.text()).toMatch(/CSRF/);
  });

  it('serves /health, /ready and /metrics', async () => {
    expect((await fetch(`${router.origin}/health`)).status).toBe(200);
    const ready = await fetch(`${router.origin}/ready`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ready' });
    const metrics = await (await fetch(`${router.origin}/metrics`)).text();
    expect(metrics).toMatch(/router_http_requests_total\{route="graphql",status="200"\} \d+/);
    expect(metrics).toMatch(
      /router_subgraph_fetch_duration_seconds_count\{subgraph="alpha",outcome="ok"\} \d+/,
    );
  });

  it('shows suggestions and introspection outside production, but never stack traces', async () => {
    const typo = await gql(router.url, '{ alpah { subgraph } }');
    expect(typo.body.errors?.[0]?.message).toMatch(/Did you mean "alpha"/);
    const intro = await gql(router.url, '{ __schema { queryType { name } } }');
    expect(intro.body).toEqual({ data: { __schema: { queryType: { name: 'Query' } } } });
    const boom = await gql(router.url, '{ boom alpha { subgraph } }');
    expect(boom.body.data).toEqual({ boom: null, alpha: { subgraph: 'alpha' } });
    expect(boom.text).not.toMatch(/stacktrace|at .*\.ts:\d+/);
  });
});

describe('production mode', () => {
  let prod: RunningRouter;
  beforeAll(async () => {
    prod = await startRouter({
      supergraphSdl,
      port: 0,
      host: '127.0.0.1',
      env: baseEnv({ NODE_ENV: 'production' }),
      logger: recordingLogger(),
    });
  });
  afterAll(() => prod?.stop());

  it('refuses introspection', async () => {
    const res = await gql(prod.url, '{ __schema { queryType { name } } }');
    expect(res.status).toBe(400);
    expect(res.body.data).toBeUndefined();
    expect(res.body.errors?.[0]?.message).toMatch(/introspection/i);
  });

  it('hides field suggestions', async () => {
    const res = await gql(prod.url, '{ alpah { subgraph } }');
    expect(res.status).toBe(400);
    expect(res.body.errors?.[0]?.message).toMatch(/Cannot query field "alpah"/);
    expect(res.text).not.toMatch(/Did you mean/);
  });

  it('masks unexpected errors as INTERNAL without internals', async () => {
    const res = await gql(prod.url, '{ boom alpha { subgraph } }');
    expect(res.body.data).toEqual({ boom: null, alpha: { subgraph: 'alpha' } });
    expect(res.body.errors).toEqual([
      { message: 'Internal server error', path: ['boom'], extensions: { code: 'INTERNAL' } },
    ]);
    expect(res.text).not.toMatch(/ECONNREFUSED|10\.1\.2\.3|stacktrace/);
  });
});

describe('partial failure', () => {
  it('serves the healthy subgraph and reports the dead one as SUBGRAPH_UNAVAILABLE', async () => {
    const doomed = await startFakeSubgraph('beta', publicKey);
    const sdl = composeSupergraph([
      { name: 'alpha', sdl: ALPHA_SDL, url: alpha.url },
      { name: 'beta', sdl: BETA_SDL, url: doomed.url },
    ]);
    const r = await startRouter({
      supergraphSdl: sdl,
      port: 0,
      host: '127.0.0.1',
      env: baseEnv(),
      logger: recordingLogger(),
    });
    try {
      expect((await gql(r.url, '{ alpha { subgraph } beta { subgraph } }')).body.data).toEqual({
        alpha: { subgraph: 'alpha' },
        beta: { subgraph: 'beta' },
      });
      await doomed.stop();
      const res = await gql(r.url, '{ alpha { subgraph } beta { subgraph } }');
      expect(res.status).toBe(200);
      expect(res.body.data).toEqual({ alpha: { subgraph: 'alpha' }, beta: null });
      expect(res.body.errors).toHaveLength(1);
      expect(res.body.errors?.[0]).toMatchObject({
        message: 'Subgraph beta is unavailable',
        extensions: { code: 'SUBGRAPH_UNAVAILABLE', subgraph: 'beta' },
      });
      expect(res.text).not.toContain(doomed.url.replace(/\/$/, ''));
      expect(res.text).not.toMatch(/ECONNREFUSED|127\.0\.0\.1/);
    } finally {
      await r.stop();
    }
  });
});

describe('router/subgraph trust', () => {
  it("reports a subgraph that refuses the router's internal token as unavailable, not as the caller's fault", async () => {
    const routerLogs: LogRecord[] = [];
    const wrongKey = generateInternalKeyPair().privateKey;
    const r = await startRouter({
      supergraphSdl,
      port: 0,
      host: '127.0.0.1',
      env: baseEnv({ INTERNAL_TOKEN_PRIVATE_KEY: wrongKey }),
      logger: recordingLogger(routerLogs),
    });
    try {
      const res = await gql(r.url, '{ alpha { subgraph } }');
      expect(res.status).toBe(200);
      expect(res.body.data).toBeNull();
      expect(res.body.errors?.[0]).toMatchObject({
        message: 'Subgraph alpha is unavailable',
        extensions: { code: 'SUBGRAPH_UNAVAILABLE', subgraph: 'alpha' },
      });
      expect(
        routerLogs.some((l) => l.level === 'warn' && /refused the router's internal token/.test(l.msg)),
      ).toBe(true);
    } finally {
      await r.stop();
    }
  });
});

describe('graceful shutdown', () => {
  it('finishes in-flight requests, then refuses new connections', async () => {
    const r = await startRouter({
      supergraphSdl,
      port: 0,
      host: '127.0.0.1',
      env: baseEnv(),
      logger: recordingLogger(),
    });
    const inFlight = gql(r.url, '{ slow(ms: 300) }');
    await new Promise((resolve) => setTimeout(resolve, 100));
    const stopped = r.stop();
    const res = await inFlight;
    expect(res.status).toBe(200);
    expect(res.body.data).toEqual({ slow: 'done' });
    await stopped;
    await expect(fetch(`${r.origin}/health`)).rejects.toThrow();
  });
});
