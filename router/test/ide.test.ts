import { createPublicKey } from 'node:crypto';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { generateInternalKeyPair } from '@tradegraph/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningRouter, startRouter } from '../src/router.ts';
import {
  ALPHA_SDL,
  BETA_SDL,
  composeSupergraph,
  type FakeIdentity,
  type FakeSubgraph,
  gql,
  recordingLogger,
  startFakeIdentity,
  startFakeSubgraph,
} from './helpers.ts';

const keys = generateInternalKeyPair();
const publicKey = createPublicKey(keys.publicKey);
let alpha: FakeSubgraph;
let beta: FakeSubgraph;
let identity: FakeIdentity;
let proxy: { port: number; open(): Promise<void>; close(): Promise<void> };

/** A TCP hop in front of beta on a fixed port: closing it is beta going away, reopening it is beta coming back. */
function tcpProxy(target: URL, port = 0) {
  let server: Server | null = null;
  const sockets = new Set<Socket>();
  const self = {
    port,
    open: () =>
      new Promise<void>((resolve) => {
        server = createServer((client) => {
          const conn = connect(Number(target.port), target.hostname);
          sockets.add(client).add(conn);
          client.pipe(conn).pipe(client);
          const drop = () => {
            client.destroy();
            conn.destroy();
          };
          client.on('error', drop).on('close', drop);
          conn.on('error', drop).on('close', drop);
        });
        server.listen(self.port, '127.0.0.1', () => {
          self.port = (server!.address() as { port: number }).port;
          resolve();
        });
      }),
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        sockets.clear();
        server ? server.close(() => resolve()) : resolve();
      }),
  };
  return self;
}

function env(overrides: Record<string, string> = {}): Record<string, string> {
  return {
    NODE_ENV: 'development',
    LOG_LEVEL: 'silent',
    INTERNAL_TOKEN_PRIVATE_KEY: Buffer.from(keys.privateKey).toString('base64'),
    IDENTITY_URL: identity.url,
    IDENTITY_JWKS_URL: identity.jwksUrl,
    ...overrides,
  };
}

let router: RunningRouter;

beforeAll(async () => {
  [alpha, beta, identity] = await Promise.all([
    startFakeSubgraph('alpha', publicKey),
    startFakeSubgraph('beta', publicKey),
    startFakeIdentity(publicKey),
  ]);
  proxy = tcpProxy(new URL(beta.url));
  await proxy.open();
  router = await startRouter({
    supergraphSdl: composeSupergraph([
      { name: 'alpha', sdl: ALPHA_SDL, url: alpha.url },
      { name: 'beta', sdl: BETA_SDL, url: `http://127.0.0.1:${proxy.port}/` },
    ]),
    port: 0,
    host: '127.0.0.1',
    env: env(),
    logger: recordingLogger(),
  });
});
afterAll(async () => {
  await router?.stop();
  await proxy?.close();
  await Promise.all([alpha?.stop(), beta?.stop(), identity?.stop()]);
});

describe('the IDE', () => {
  it('is served to browsers on GET /graphql, self-contained: nothing from another origin', async () => {
    const res = await fetch(router.url, { headers: { accept: 'text/html,application/xhtml+xml' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    expect(res.headers.get('content-security-policy')).toContain("connect-src 'self'");
    const html = await res.text();
    expect(html).toContain('Tradegraph GraphiQL');
    // GraphiQL, React and Monaco are inlined: megabytes, and no script or stylesheet fetched
    expect(html.length).toBeGreaterThan(2_000_000);
    expect(html).not.toMatch(/<script[^>]+src=/i);
    expect(html).not.toMatch(/<link[^>]+rel="?stylesheet/i);
    expect(html).not.toMatch(/unpkg\.com|jsdelivr|cdnjs|esm\.sh|embeddable-sandbox|apollographql\.com/);
    // subscriptions over graphql-sse on the endpoint itself
    expect(html).toContain('"subscriptionsProtocol":"GRAPHQL_SSE"');
    expect(html).toContain('"endpoint":"/graphql"');
  });

  it('leaves GraphQL GETs and JSON clients alone, and Apollo serves no CDN landing page', async () => {
    const query = `${router.url}?query=${encodeURIComponent('{ alpha { subgraph } }')}`;
    const res = await fetch(query, {
      headers: { accept: 'application/json', 'apollo-require-preflight': '1' },
    });
    expect(res.headers.get('content-type')).toMatch(/json/);
    expect(await res.json()).toEqual({ data: { alpha: { subgraph: 'alpha' } } });
    const browser = await fetch(query, { headers: { accept: 'text/html' } });
    expect(await browser.text()).not.toMatch(/embeddable-sandbox|apollographql\.com|<html/i);
  });

  it('is not served where introspection is off (production)', async () => {
    const prod = await startRouter({
      supergraphSdl: composeSupergraph([{ name: 'alpha', sdl: ALPHA_SDL, url: alpha.url }]),
      port: 0,
      host: '127.0.0.1',
      env: env({ NODE_ENV: 'production' }),
      logger: recordingLogger(),
    });
    try {
      const res = await fetch(prod.url, { headers: { accept: 'text/html' } });
      expect(await res.text()).not.toContain('GraphiQL');
    } finally {
      await prod.stop();
    }
  });
});

describe('a subgraph that goes away and comes back', () => {
  it('is SUBGRAPH_UNAVAILABLE for its fields only while away, and served again once back', async () => {
    const both = '{ alpha { subgraph } beta { subgraph } }';
    expect((await gql(router.url, both)).body.data).toEqual({
      alpha: { subgraph: 'alpha' },
      beta: { subgraph: 'beta' },
    });
    await proxy.close();
    const away = await gql(router.url, both);
    expect(away.body.data).toEqual({ alpha: { subgraph: 'alpha' }, beta: null });
    expect(away.body.errors?.map((e) => e.extensions?.code)).toEqual(['SUBGRAPH_UNAVAILABLE']);
    await proxy.open(); // same port: the subgraph restarted
    const back = await gql(router.url, both);
    expect(back.body.errors).toBeUndefined();
    expect(back.body.data).toEqual({ alpha: { subgraph: 'alpha' }, beta: { subgraph: 'beta' } });
  });
});
