import { describe, expect, it } from 'vitest';
import { createTradegraphClient, graphql, memorySessionStore, type Session } from '../src/index.ts';

/** A fake router: answers login/refreshToken/logout like identity, and `me` only with the current access token. */
function fakeRouter() {
  let generation = 0;
  let expired = false;
  const calls: { op: string; auth: string | null; variables: Record<string, unknown> }[] = [];
  const live = new Set<string>(); // valid refresh tokens
  const pair = () => {
    generation += 1;
    expired = false;
    live.add(`r${generation}`);
    return {
      accessToken: `a${generation}`,
      refreshToken: `r${generation}`,
      expiresAt: new Date(Date.now() + 900_000).toISOString(),
      user: { id: 'u1', name: 'Rita', email: 'r@x.test', kind: 'MEMBER' },
      organization: { id: 'o1', name: 'Corner Store', kind: 'RETAILER' },
      userErrors: [],
    };
  };
  const fetchImpl = async (_url: string | URL | Request, init?: RequestInit) => {
    const body = JSON.parse(String(init?.body)) as { query: string; variables: Record<string, unknown> };
    const auth = ((init?.headers ?? {}) as Record<string, string>).authorization ?? null;
    const op = /(?:mutation|query)\s+(\w+)/.exec(body.query)?.[1] ?? 'anonymous';
    calls.push({ op, auth, variables: body.variables });
    const json = (x: unknown, status = 200) => new Response(JSON.stringify(x), { status });
    const input = body.variables.input as Record<string, string> | undefined;
    if (op === 'ClientLogin') return json({ data: { login: pair() } });
    if (op === 'ClientRefresh') {
      if (!input || !live.delete(input.refreshToken!)) {
        return json({
          data: {
            refreshToken: {
              accessToken: null,
              refreshToken: null,
              userErrors: [{ code: 'INVALID_TOKEN', message: 'no' }],
            },
          },
        });
      }
      return json({ data: { refreshToken: pair() } });
    }
    if (op === 'ClientLogout') {
      live.delete(input!.refreshToken!);
      return json({ data: { logout: { success: true, userErrors: [] } } });
    }
    if (expired || auth !== `Bearer a${generation}`) {
      return json({ errors: [{ message: 'expired', extensions: { code: 'UNAUTHENTICATED' } }] });
    }
    return json({ data: { me: { id: 'u1', email: 'r@x.test' } } });
  };
  return {
    fetchImpl: fetchImpl as typeof fetch,
    calls,
    live,
    expire: () => {
      expired = true;
    },
  };
}

const Me = graphql(`
  query ClientTestMe {
    me { id email }
  }
`);

describe('session', () => {
  it('refreshes once for concurrent requests that met an expired token, rotating the refresh token', async () => {
    const router = fakeRouter();
    const store = memorySessionStore();
    const client = createTradegraphClient({
      url: 'http://router.test/graphql',
      store,
      fetch: router.fetchImpl,
    });
    expect((await client.login('r@x.test', 'pw')).ok).toBe(true);
    router.expire(); // the access token no longer works
    const [a, b] = await Promise.all([client.request(Me), client.request(Me)]);
    expect(a.me?.email).toBe('r@x.test');
    expect(b.me?.email).toBe('r@x.test');
    expect(router.calls.filter((c) => c.op === 'ClientRefresh')).toHaveLength(1);
    expect(store.load()?.refreshToken).toBe('r2');
    expect(router.live.has('r1')).toBe(false);
  });

  it('refreshes ahead of expiry, and a refused refresh signs out', async () => {
    const router = fakeRouter();
    const store = memorySessionStore();
    const client = createTradegraphClient({
      url: 'http://router.test/graphql',
      store,
      fetch: router.fetchImpl,
    });
    await client.login('r@x.test', 'pw');
    client.setSession({
      ...(client.session() as Session),
      expiresAt: new Date(Date.now() + 5_000).toISOString(),
    });
    await client.request(Me);
    expect(router.calls.map((c) => c.op)).toEqual(['ClientLogin', 'ClientRefresh', 'ClientTestMe']);
    router.live.clear(); // the session was ended elsewhere
    client.setSession({
      ...(client.session() as Session),
      expiresAt: new Date(Date.now() + 5_000).toISOString(),
    });
    const seen: (Session | null)[] = [];
    client.onSessionChange((s) => seen.push(s));
    await expect(client.request(Me)).rejects.toThrow('expired');
    expect(client.session()).toBeNull();
    expect(seen).toEqual([null]);
  });

  it('logout revokes the refresh token and forgets the session', async () => {
    const router = fakeRouter();
    const store = memorySessionStore();
    const client = createTradegraphClient({
      url: 'http://router.test/graphql',
      store,
      fetch: router.fetchImpl,
    });
    await client.login('r@x.test', 'pw');
    await client.logout();
    expect(router.calls.at(-1)).toMatchObject({
      op: 'ClientLogout',
      variables: { input: { refreshToken: 'r1' } },
    });
    expect(router.live.size).toBe(0);
    expect(store.load()).toBeNull();
  });
});
