import { createPublicKey } from 'node:crypto';
import { createServer } from 'node:net';
import { generateInternalKeyPair } from '@tradegraph/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningRouter, type StartRouterOptions, startRouter } from '../src/router.ts';
import { sha256 } from '../src/trusted-documents.ts';
import {
  composeSupergraph,
  type FakeIdentity,
  type LogRecord,
  newSigningKey,
  recordingLogger,
  type SigningKey,
  signAccessToken,
  startFakeIdentity,
} from './helpers.ts';
import { type Shop, startShop } from './shop.ts';

/**
 * The router's abuse protections end to end (issue 12, items 1–4): fake
 * subgraph, real HTTP. Every test uses its own client address (X-Forwarded-For
 * behind one trusted proxy hop) or organisation, so buckets are never shared
 * between tests; quotas refill per day, so a slow machine cannot refill a
 * bucket during a test and counts are exact.
 */

const keys = generateInternalKeyPair();
const publicKey = createPublicKey(keys.publicKey);
const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

let shop: Shop;
let identity: FakeIdentity;
let signingKey: SigningKey;
let supergraphSdl: string;
const routers: RunningRouter[] = [];

function env(overrides: Record<string, string> = {}): Record<string, string> {
  return {
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    INTERNAL_TOKEN_PRIVATE_KEY: Buffer.from(keys.privateKey).toString('base64'),
    IDENTITY_URL: identity.url,
    IDENTITY_JWKS_URL: identity.jwksUrl,
    SUBGRAPH_SHOP_URL: shop.url,
    ROUTER_TRUSTED_PROXY_HOPS: '1',
    REDIS_URL: '',
    ...overrides,
  };
}

async function router(overrides: Record<string, string> = {}, options: StartRouterOptions = {}) {
  const r = await startRouter({ supergraphSdl, port: 0, host: '127.0.0.1', env: env(overrides), ...options });
  routers.push(r);
  return r;
}

let ipCounter = 0;
/** A client address no other test uses. */
const newIp = () => `203.0.113.${++ipCounter}`;

interface Response {
  status: number;
  headers: Headers;
  body: {
    data?: Record<string, any> | null;
    errors?: { message: string; path?: (string | number)[]; extensions?: Record<string, any> }[];
  };
}

async function post(
  r: RunningRouter,
  payload: { query?: string; variables?: Record<string, unknown>; extensions?: Record<string, unknown> },
  opts: { ip?: string; token?: string } = {},
): Promise<Response> {
  const res = await fetch(r.url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-forwarded-for': opts.ip ?? newIp(),
      ...(opts.token ? { authorization: `Bearer ${opts.token}` } : {}),
    },
    body: JSON.stringify(payload),
  });
  return { status: res.status, headers: res.headers, body: (await res.json()) as Response['body'] };
}

const token = (claims: { org?: string; okd?: string; perms?: string[]; sub?: string } = {}) =>
  signAccessToken(
    {
      typ: 'user',
      sub: claims.sub ?? 'usr_1',
      org: claims.org ?? 'org_brand',
      okd: claims.okd ?? 'BRAND',
      role: 'ADMIN',
      perms: claims.perms ?? ['catalog:read'],
      sid: 'ses_1',
    },
    { key: signingKey },
  );

/** A port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

beforeAll(async () => {
  [shop, identity, signingKey] = await Promise.all([
    startShop(),
    startFakeIdentity(publicKey),
    newSigningKey('k1'),
  ]);
  identity.published.push(signingKey);
  const { SHOP_SDL } = await import('./shop.ts');
  supergraphSdl = composeSupergraph([{ name: 'shop', sdl: SHOP_SDL, url: 'http://127.0.0.1:9/graphql' }]);
});

afterAll(async () => {
  await Promise.all(routers.map((r) => r.stop()));
  await Promise.all([shop?.stop(), identity?.stop()]);
});

describe('rate limits', () => {
  let r: RunningRouter;
  beforeAll(async () => {
    r = await router({
      ROUTER_RATE_LIMIT_ANONYMOUS: '1000/1d',
      ROUTER_RATE_LIMIT_ORGANIZATION: '3/1d',
      ROUTER_RATE_LIMIT_API_KEY: '2/1d',
      ROUTER_RATE_LIMIT_FIELDS: 'signUp=2/1d,login=3/1d',
    });
  });

  it('spends the estimated cost per client IP, then answers 429 with Retry-After and RateLimit headers', async () => {
    const ip = newIp();
    // { expensive } costs 400 (@cost): 1 point at admission, 399 once the operation is known.
    const first = await post(r, { query: '{ expensive }' }, { ip });
    expect(first.status).toBe(200);
    expect(first.headers.get('ratelimit-policy')).toBe('"anonymous";q=1000;w=86400');
    expect(first.headers.get('ratelimit')).toMatch(/^"anonymous";r=600;t=\d+$/);
    expect((await post(r, { query: '{ expensive }' }, { ip })).status).toBe(200);

    const refused = await post(r, { query: '{ expensive }' }, { ip });
    expect(refused.status).toBe(429);
    expect(refused.body.data).toBeUndefined();
    expect(refused.body.errors?.[0]?.extensions?.code).toBe('RATE_LIMITED');
    // 199 points left, 399 wanted, 1000 points per 86,400 s: about 200 × 86.4 s.
    const retryAfter = Number(refused.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThan(17_000);
    expect(retryAfter).toBeLessThanOrEqual(17_280);
    expect(refused.headers.get('ratelimit')).toMatch(/^"anonymous";r=199;t=\d+$/);

    // A cheap operation still fits in what is left; another client is not affected at all.
    expect((await post(r, { query: '{ storefront(slug: "a") { name } }' }, { ip })).status).toBe(200);
    const other = await post(r, { query: '{ expensive }' });
    expect(other.status).toBe(200);
    expect(other.headers.get('ratelimit')).toMatch(/"anonymous";r=600;/);
  });

  it('refuses before parsing once the bucket is empty, so junk is limited too', async () => {
    const tiny = await router({ ROUTER_RATE_LIMIT_ANONYMOUS: '3/1d' });
    const ip = newIp();
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++) statuses.push((await post(tiny, { query: '{ __typename' }, { ip })).status);
    expect(statuses).toEqual([400, 400, 400]);
    const refused = await post(tiny, { query: '{ __typename }' }, { ip });
    expect(refused.status).toBe(429);
    expect(refused.body.errors?.[0]?.extensions?.code).toBe('RATE_LIMITED');
    // One point at 3 per 86,400 s: 28,800 s (a little less once the bucket has refilled a hair).
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(28_000);
    expect(Number(refused.headers.get('retry-after'))).toBeLessThanOrEqual(28_800);
    expect(refused.headers.get('ratelimit-policy')).toBe('"anonymous";q=3;w=86400');
    expect(refused.headers.get('ratelimit')).toMatch(/^"anonymous";r=0;t=\d+$/);
  });

  it('limits sign-up and login per IP and per mutation field, apart from other traffic', async () => {
    const ip = newIp();
    const signUp = () => post(r, { query: 'mutation { signUp(email: "a@b.test") }' }, { ip });
    expect((await signUp()).status).toBe(200);
    expect((await signUp()).status).toBe(200);
    const refused = await signUp();
    expect(refused.status).toBe(429);
    expect(refused.body.errors?.[0]?.extensions?.code).toBe('RATE_LIMITED');
    expect(refused.headers.get('ratelimit-policy')).toContain('"signUp";q=2;w=86400');
    expect(refused.headers.get('ratelimit')).toMatch(/^"signUp";r=0;/);
    // Same IP: login has its own quota; other mutations are not field-limited.
    expect((await post(r, { query: 'mutation { login(email: "a@b.test") }' }, { ip })).status).toBe(200);
    expect((await post(r, { query: 'mutation { bump }' }, { ip })).status).toBe(200);
    // Aliases and fragments do not dodge the field quota.
    const dodge = await post(
      r,
      { query: 'mutation { ...F } fragment F on Mutation { x: signUp(email: "c@d.test") }' },
      { ip },
    );
    expect(dodge.status).toBe(429);
    // Another IP may still sign up.
    expect((await post(r, { query: 'mutation { signUp(email: "a@b.test") }' })).status).toBe(200);
  });

  it('keys authenticated callers by organisation, whatever their IP', async () => {
    const [alice, bob, other] = await Promise.all([
      token({ sub: 'usr_a', org: 'org_rl' }),
      token({ sub: 'usr_b', org: 'org_rl' }),
      token({ sub: 'usr_c', org: 'org_rl_other' }),
    ]);
    const ask = (t: string) => post(r, { query: '{ __typename }' }, { token: t });
    expect((await ask(alice)).status).toBe(200);
    expect((await ask(bob)).status).toBe(200);
    const third = await ask(alice);
    expect(third.status).toBe(200);
    expect(third.headers.get('ratelimit')).toMatch(/^"organization";r=0;/);
    const refused = await ask(bob);
    expect(refused.status).toBe(429);
    expect(refused.headers.get('ratelimit-policy')).toBe('"organization";q=3;w=86400');
    expect((await ask(other)).status).toBe(200);
  });

  it('keys API keys by key and by organisation', async () => {
    const principal = (apiKeyId: string) => ({
      kind: 'apiKey' as const,
      apiKeyId,
      organizationId: 'org_keys',
      organizationKind: 'RETAILER' as const,
      permissions: ['catalog:read' as const],
    });
    identity.apiKeys.set('tgk_rate_limit_key_one', principal('key_one'));
    identity.apiKeys.set('tgk_rate_limit_key_two', principal('key_two'));
    const ask = (t: string) => post(r, { query: '{ __typename }' }, { token: t });
    expect((await ask('tgk_rate_limit_key_one')).status).toBe(200);
    expect((await ask('tgk_rate_limit_key_one')).status).toBe(200);
    const keyEmpty = await ask('tgk_rate_limit_key_one');
    expect(keyEmpty.status).toBe(429);
    expect(keyEmpty.headers.get('ratelimit')).toMatch(/^"api-key";r=0;/);
    // The other key has its own bucket but shares the organisation's (3, one left after the refusal).
    expect((await ask('tgk_rate_limit_key_two')).status).toBe(200);
    const orgEmpty = await ask('tgk_rate_limit_key_two');
    expect(orgEmpty.status).toBe(429);
    expect(orgEmpty.headers.get('ratelimit')).toMatch(/^"organization";r=0;/);
  });

  it('takes per-organisation quotas from a lookup (the platform plan)', async () => {
    const planned = await router(
      { ROUTER_RATE_LIMIT_ORGANIZATION: '1/1d' },
      {
        organizationQuota: (org) =>
          org === 'org_big_plan' ? { quota: 5, windowSeconds: 86_400 } : undefined,
      },
    );
    const [big, small] = await Promise.all([
      token({ org: 'org_big_plan' }),
      token({ org: 'org_small_plan' }),
    ]);
    const statuses = async (t: string, n: number) => {
      const out: number[] = [];
      for (let i = 0; i < n; i++)
        out.push((await post(planned, { query: '{ __typename }' }, { token: t })).status);
      return out;
    };
    expect(await statuses(big, 6)).toEqual([200, 200, 200, 200, 200, 429]);
    expect(await statuses(small, 2)).toEqual([200, 429]);
  });

  it('is off with ROUTER_RATE_LIMIT=false (no headers)', async () => {
    const open = await router({ ROUTER_RATE_LIMIT: 'false', ROUTER_RATE_LIMIT_ANONYMOUS: '1/1d' });
    const ip = newIp();
    for (let i = 0; i < 3; i++) {
      const res = await post(open, { query: '{ __typename }' }, { ip });
      expect(res.status).toBe(200);
      expect(res.headers.get('ratelimit')).toBeNull();
    }
  });
});

describe('rate limits on Redis', () => {
  it('shares buckets between routers through Redis', async () => {
    const prefix = `tg-test-${process.pid}-${Date.now()}:`;
    const shared = { REDIS_URL, REDIS_KEY_PREFIX: prefix, ROUTER_RATE_LIMIT_ANONYMOUS: '3/1d' };
    const [a, b] = await Promise.all([router(shared), router(shared)]);
    const ip = newIp();
    expect((await post(a, { query: '{ __typename }' }, { ip })).status).toBe(200);
    expect((await post(b, { query: '{ __typename }' }, { ip })).status).toBe(200);
    expect((await post(a, { query: '{ __typename }' }, { ip })).status).toBe(200);
    const refused = await post(b, { query: '{ __typename }' }, { ip });
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(28_000);
  });

  it('degrades to in-process buckets when Redis is unreachable, and logs it once', async () => {
    const logs: LogRecord[] = [];
    const down = await router(
      { REDIS_URL: `redis://127.0.0.1:${await closedPort()}`, ROUTER_RATE_LIMIT_ANONYMOUS: '3/1d' },
      { logger: recordingLogger(logs) },
    );
    const ip = newIp();
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) statuses.push((await post(down, { query: '{ __typename }' }, { ip })).status);
    expect(statuses).toEqual([200, 200, 200, 429]);
    const degraded = logs.filter((l) => l.msg.startsWith('rate limiter: Redis unavailable'));
    expect(degraded).toHaveLength(1);
    expect(degraded[0]?.level).toBe('error');
  });
});

describe('query cost', () => {
  let r: RunningRouter;
  beforeAll(async () => {
    r = await router({ ROUTER_RATE_LIMIT: 'false' });
  });

  const page = (first: number) =>
    `storefront(slug: "corner") { name listings(first: ${first}) { nodes { id title price { amount currencyCode } variant { sku options { name value } product { name } } } } }`;

  it('refuses the 2 MB request (20 aliased pages × 100 listings with nested variants) before any fetch', async () => {
    const before = shop.calls.storefront ?? 0;
    const query = `{ ${Array.from({ length: 20 }, (_, i) => `p${i}: ${page(100)}`).join(' ')} }`;
    const res = await post(r, { query });
    expect(res.status).toBe(400);
    const error = res.body.errors?.[0];
    expect(error?.extensions).toMatchObject({ code: 'COST_LIMIT_EXCEEDED', limit: 5000 });
    // Per page: storefront 1 + listings 1 + 100 × (node 1 + price 1 + variant 1 + 10 options + product 1).
    expect(error?.extensions?.cost).toBe(20 * (2 + 100 * 14));
    expect(error?.message).toContain('28040');
    expect(error?.message).toContain('5000');
    expect(shop.calls.storefront ?? 0).toBe(before);
  });

  it('serves a storefront page of 50 listings (the bench query) under the default limit', async () => {
    const res = await post(r, { query: `{ ${page(50)} }` });
    expect(res.status).toBe(200);
    expect(res.body.data?.storefront.listings.nodes).toHaveLength(50);
  });

  it('takes list sizes from variables and caps them at 100', async () => {
    const capped = await router({ ROUTER_RATE_LIMIT: 'false', ROUTER_MAX_COST: '1000' });
    const query = `query($n: Int) { storefront(slug: "x") { listings(first: $n) { nodes { price { amount } } } } }`;
    // 2 + n × (node 1 + price 1): n = 5000 would cost 10,002, but n is capped at the page cap of 100.
    expect((await post(capped, { query, variables: { n: 5000 } })).status).toBe(200);
    const tight = await router({ ROUTER_RATE_LIMIT: 'false', ROUTER_MAX_COST: '50' });
    const refused = await post(tight, { query, variables: { n: 25 } });
    expect(refused.body.errors?.[0]?.extensions).toMatchObject({
      code: 'COST_LIMIT_EXCEEDED',
      cost: 52,
      limit: 50,
    });
    expect((await post(tight, { query, variables: { n: 24 } })).status).toBe(200);
  });

  it('counts aliases of __typename toward the alias limit', async () => {
    const query = `{ ${Array.from({ length: 31 }, (_, i) => `t${i}: __typename`).join(' ')} }`;
    const res = await post(r, { query });
    expect(res.status).toBe(400);
    expect(res.body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(res.body.errors?.[0]?.message).toContain('uses 31 aliases; the limit is 30');
  });

  it('exports estimated and actual cost as metrics', async () => {
    await post(r, { query: '{ search(limit: 7) { id } }' });
    const text = await (await fetch(`${r.origin}/metrics`)).text();
    expect(text).toMatch(/router_operation_estimated_cost_count\{type="query"\} \d+/);
    expect(text).toMatch(/router_operation_actual_cost_sum\{type="query"\} \d+/);
  });
});

describe('trusted documents', () => {
  const QUERY = '{ storefront(slug: "apq") { name } }';
  const HASH = sha256(QUERY);
  const persisted = (hash: string) => ({ persistedQuery: { version: 1, sha256Hash: hash } });

  it('runs the automatic persisted query protocol', async () => {
    const r = await router({ ROUTER_RATE_LIMIT: 'false' });
    const miss = await post(r, { extensions: persisted(HASH) });
    expect(miss.body.errors?.[0]?.extensions?.code).toBe('PERSISTED_QUERY_NOT_FOUND');
    const register = await post(r, { query: QUERY, extensions: persisted(HASH) });
    expect(register.body.data).toEqual({ storefront: { name: 'Shop apq' } });
    const hit = await post(r, { extensions: persisted(HASH) });
    expect(hit.body.data).toEqual({ storefront: { name: 'Shop apq' } });
  });

  it('stores persisted queries in Redis, so another router knows them', async () => {
    const shared = {
      ROUTER_RATE_LIMIT: 'false',
      REDIS_URL,
      REDIS_KEY_PREFIX: `tg-apq-${process.pid}-${Date.now()}:`,
    };
    const [a, b] = await Promise.all([router(shared), router(shared)]);
    const query = `{ storefront(slug: "apq-${Date.now()}") { name } }`;
    expect((await post(a, { query, extensions: persisted(sha256(query)) })).status).toBe(200);
    const hit = await post(b, { extensions: persisted(sha256(query)) });
    expect(hit.body.data?.storefront.name).toMatch(/^Shop apq-/);
  });

  it('in require mode runs registered documents only, by hash or by text', async () => {
    const { mkdtempSync, writeFileSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const file = `${mkdtempSync(`${tmpdir()}/tg-docs-`)}/documents.json`;
    writeFileSync(file, JSON.stringify({ [HASH]: QUERY }));
    const r = await router({
      ROUTER_RATE_LIMIT: 'false',
      TRUSTED_DOCUMENTS: 'require',
      TRUSTED_DOCUMENTS_FILE: file,
    });

    // A registered document, by hash alone on first contact, and by its text.
    expect((await post(r, { extensions: persisted(HASH) })).body.data).toEqual({
      storefront: { name: 'Shop apq' },
    });
    expect((await post(r, { query: QUERY })).body.data).toEqual({ storefront: { name: 'Shop apq' } });

    // Anything else is refused before planning, and APQ cannot register it.
    const before = shop.calls.storefront ?? 0;
    const other = '{ storefront(slug: "other") { name } }';
    const refused = await post(r, { query: other });
    expect(refused.status).toBe(400);
    expect(refused.body.errors?.[0]?.extensions?.code).toBe('PERSISTED_QUERY_NOT_IN_LIST');
    const viaApq = await post(r, { query: other, extensions: persisted(sha256(other)) });
    expect(viaApq.body.errors?.[0]?.extensions?.code).toBe('PERSISTED_QUERY_NOT_IN_LIST');
    const after = await post(r, { extensions: persisted(sha256(other)) });
    expect(after.body.errors?.[0]?.extensions?.code).toBe('PERSISTED_QUERY_NOT_FOUND');
    expect(shop.calls.storefront ?? 0).toBe(before);
  });

  it('in allow-registered mode serves registered documents by hash and still runs others', async () => {
    const { registerDocuments } = await import('../src/cli/documents.ts');
    const prefix = `tg-docs-${process.pid}-${Date.now()}:`;
    const { Redis } = await import('ioredis');
    const redis = new Redis(REDIS_URL);
    try {
      const registered = await registerDocuments({ [HASH]: QUERY }, { redis, prefix });
      expect(registered).toEqual([HASH]);
    } finally {
      redis.disconnect();
    }
    const r = await router({
      ROUTER_RATE_LIMIT: 'false',
      TRUSTED_DOCUMENTS: 'allow-registered',
      REDIS_URL,
      REDIS_KEY_PREFIX: prefix,
    });
    expect((await post(r, { extensions: persisted(HASH) })).body.data).toEqual({
      storefront: { name: 'Shop apq' },
    });
    expect((await post(r, { query: '{ storefront(slug: "free") { name } }' })).status).toBe(200);
  });
});

describe('authorization directives', () => {
  let r: RunningRouter;
  beforeAll(async () => {
    r = await router({ ROUTER_RATE_LIMIT: 'false' });
  });

  it('answers null and UNAUTHORIZED_FIELD_OR_TYPE for @authenticated fields and types, serves the rest, fetches nothing denied', async () => {
    const before = { me: shop.calls.me ?? 0, secret: shop.calls.secret ?? 0 };
    const res = await post(r, { query: '{ storefront(slug: "a") { name } me { id } secret { code } }' });
    expect(res.status).toBe(200);
    expect(res.body.data).toEqual({ storefront: { name: 'Shop a' }, me: null, secret: null });
    expect(res.body.errors?.map((e) => [e.path, e.extensions?.code])).toEqual([
      [['me'], 'UNAUTHORIZED_FIELD_OR_TYPE'],
      [['secret'], 'UNAUTHORIZED_FIELD_OR_TYPE'],
    ]);
    expect(res.body.errors?.[1]?.message).toBe('Unauthorized field or type: Secret');
    expect({ me: shop.calls.me ?? 0, secret: shop.calls.secret ?? 0 }).toEqual(before);

    const signedIn = await post(r, { query: '{ me { id } secret { code } }' }, { token: await token() });
    expect(signedIn.body).toEqual({ data: { me: { id: 'usr_1' }, secret: { code: 's3cr3t' } } });
  });

  it('checks @requiresScopes against the permissions (any of the alternatives, all of one)', async () => {
    const reader = await token({ perms: ['catalog:read'] });
    const writer = await token({ perms: ['catalog:write', 'orders:read'] });
    const denied = await post(
      r,
      { query: '{ me { id note } orders(first: 2) { items { id } } }' },
      { token: reader },
    );
    expect(denied.body.data).toEqual({ me: { id: 'usr_1', note: null }, orders: null });
    expect(denied.body.errors?.map((e) => [e.path, e.message])).toEqual([
      [['me', 'note'], 'Unauthorized field or type: Viewer.note'],
      [['orders'], 'Unauthorized field or type: Query.orders'],
    ]);
    const allowed = await post(
      r,
      { query: '{ me { id note } orders(first: 2) { items { id } } }' },
      { token: writer },
    );
    expect(allowed.body).toEqual({
      data: { me: { id: 'usr_1', note: 'private' }, orders: { items: [{ id: 'ord_1' }] } },
    });
  });

  it('nulls every occurrence in lists, and bubbles a denied non-null field to its nullable ancestor', async () => {
    const before = shop.calls.wholesale ?? 0;
    const res = await post(r, {
      query: '{ storefront(slug: "l") { listings(first: 2) { nodes { id wholesale { amount } } } } }',
    });
    expect(res.body.data).toEqual({
      storefront: {
        listings: {
          nodes: [
            { id: 'lst_0', wholesale: null },
            { id: 'lst_1', wholesale: null },
          ],
        },
      },
    });
    expect(res.body.errors?.map((e) => e.path)).toEqual([
      ['storefront', 'listings', 'nodes', 0, 'wholesale'],
      ['storefront', 'listings', 'nodes', 1, 'wholesale'],
    ]);
    expect(shop.calls.wholesale ?? 0).toBe(before);

    // margin is Money!, nodes [Listing!]!, listings non-null: the nearest nullable place is storefront.
    const bubbled = await post(r, {
      query:
        '{ a: storefront(slug: "m") { listings(first: 1) { nodes { margin { amount } } } } b: storefront(slug: "n") { name } }',
    });
    expect(bubbled.body.data).toEqual({ a: null, b: { name: 'Shop n' } });
    expect(bubbled.body.errors?.map((e) => [e.path, e.message])).toEqual([
      [['a'], 'Unauthorized field or type: Listing.margin'],
    ]);
  });

  it('evaluates @policy with the router policy registry (and denies unknown policies)', async () => {
    const brand = await token({ okd: 'BRAND' });
    const retailer = await token({ okd: 'RETAILER', org: 'org_retailer' });
    const q = '{ brandReport auditTrail }';
    expect((await post(r, { query: q }, { token: brand })).body).toMatchObject({
      data: { brandReport: 'report', auditTrail: null },
    });
    expect((await post(r, { query: q }, { token: retailer })).body.data).toEqual({
      brandReport: null,
      auditTrail: null,
    });
    const withAuditor = await router(
      { ROUTER_RATE_LIMIT: 'false' },
      { policies: { auditor: (p) => p.kind === 'user' && p.permissions.includes('billing:read') } },
    );
    const auditor = await token({ okd: 'BRAND', perms: ['billing:read'] });
    expect((await post(withAuditor, { query: q }, { token: auditor })).body).toEqual({
      data: { brandReport: 'report', auditTrail: 'trail' },
    });
  });

  it('handles fragments and an operation whose every field is denied', async () => {
    const res = await post(r, { query: '{ ...F } fragment F on Query { me { id } }' });
    expect(res.status).toBe(200);
    expect(res.body.data).toEqual({ me: null });
    expect(res.body.errors?.[0]?.extensions?.code).toBe('UNAUTHORIZED_FIELD_OR_TYPE');
  });
});
