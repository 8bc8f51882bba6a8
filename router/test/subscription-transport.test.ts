/**
 * The router's graphql-transport-ws server (transports.ts), served directly on
 * `ws`: the protocol's messages and close codes, with a fake service and
 * authenticator (the real ones are covered by subscription-sessions and e2e).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createLogger, type Principal } from '@tradegraph/shared';
import { type ExecutionResult, GraphQLError } from 'graphql';
import { GRAPHQL_TRANSPORT_WS_PROTOCOL } from 'graphql-ws';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { AuthenticationError } from '../src/auth/errors.ts';
import { loadSubscriptionSettings } from '../src/subscriptions/config.ts';
import type { ClientConnection, SubscriptionService } from '../src/subscriptions/service.ts';
import { SessionRegistry } from '../src/subscriptions/sessions.ts';
import {
  attachSubscriptionTransports,
  type SubscriptionTransports,
} from '../src/subscriptions/transports.ts';

const logger = createLogger('test', 'silent');
const principal: Principal = { kind: 'customer', customerId: 'cus_1' } as Principal;

/** Two events, then complete; `refuse` answers with an error instead. */
const fakeService = {
  async subscribe(_connection: ClientConnection, request: { query: string }) {
    if (request.query.includes('refuse'))
      return { errors: [new GraphQLError('no', { extensions: { code: 'FORBIDDEN' } })] };
    return (async function* (): AsyncGenerator<ExecutionResult> {
      yield { data: { n: 1 } };
      yield { data: { n: 2 } };
    })();
  },
} as unknown as SubscriptionService;

let server: Server | undefined;
let transports: SubscriptionTransports | undefined;
afterEach(async () => {
  await transports?.close();
  server?.close();
});

async function start(initTimeoutMs = 5_000) {
  server = createServer();
  const sessions = new SessionRegistry(
    async (authorization) => {
      if (authorization === 'Bearer bad') throw new AuthenticationError('Invalid access token');
      return principal;
    },
    undefined,
    logger,
  );
  transports = attachSubscriptionTransports({
    server,
    service: fakeService,
    sessions,
    settings: { ...loadSubscriptionSettings({}), initTimeoutMs },
    logger,
    isReady: () => true,
    trustedProxyHops: 0,
    production: true,
  });
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
  const url = `ws://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;
  return { url, sessions };
}

function connect(url: string, protocols: string[] = [GRAPHQL_TRANSPORT_WS_PROTOCOL]) {
  const ws = new WebSocket(url, protocols);
  const messages: Record<string, unknown>[] = [];
  ws.on('message', (d) => messages.push(JSON.parse(String(d))));
  const closed = new Promise<number>((r) => ws.on('close', (code) => r(code)));
  const opened = new Promise<void>((r, j) => {
    ws.once('open', () => r());
    ws.once('error', j);
  });
  const send = (m: unknown) => ws.send(JSON.stringify(m));
  const until = async (n: number) => {
    for (let i = 0; i < 200 && messages.length < n; i++) await new Promise((r) => setTimeout(r, 10));
    return messages;
  };
  return { ws, messages, closed, opened, send, until };
}

describe('graphql-transport-ws on the router', () => {
  it('acknowledges connection_init, streams next … complete, answers pings with their payload, refuses with error', async () => {
    const { url, sessions } = await start();
    const c = connect(url);
    await c.opened;
    c.send({ type: 'connection_init', payload: {} });
    expect((await c.until(1))[0]).toEqual({ type: 'connection_ack' });
    expect(sessions.size).toBe(1);
    c.send({ id: 'a', type: 'subscribe', payload: { query: 'subscription { n }' } });
    expect((await c.until(4)).slice(1)).toEqual([
      { id: 'a', type: 'next', payload: { data: { n: 1 } } },
      { id: 'a', type: 'next', payload: { data: { n: 2 } } },
      { id: 'a', type: 'complete' },
    ]);
    c.send({ type: 'ping', payload: { hello: 1 } });
    expect((await c.until(5))[4]).toEqual({ type: 'pong', payload: { hello: 1 } });
    c.send({ id: 'b', type: 'subscribe', payload: { query: 'subscription { refuse }' } });
    expect((await c.until(6))[5]).toEqual({
      id: 'b',
      type: 'error',
      payload: [{ message: 'no', extensions: { code: 'FORBIDDEN' } }],
    });
    c.send({ type: 'connection_init' });
    expect(await c.closed).toBe(4429);
    for (let i = 0; i < 100 && sessions.size > 0; i++) await new Promise((r) => setTimeout(r, 10));
    expect(sessions.size).toBe(0);
  });

  it('closes with the protocol codes: 4401 subscribe before init, 4400 bad message, 4403 refused credentials, 4408 no init, 4406 no subprotocol', async () => {
    const { url } = await start(200);
    const early = connect(url);
    await early.opened;
    early.send({ id: 'a', type: 'subscribe', payload: { query: 'subscription { n }' } });
    const bad = connect(url);
    await bad.opened;
    bad.ws.send('not json');
    const refused = connect(url);
    await refused.opened;
    refused.send({ type: 'connection_init', payload: { authorization: 'Bearer bad' } });
    const silent = connect(url);
    const wrong = connect(url, []);
    expect(await early.closed).toBe(4401);
    expect(await bad.closed).toBe(4400);
    expect(await refused.closed).toBe(4403);
    expect(await silent.closed).toBe(4408);
    expect(await wrong.closed).toBe(4406);
  });
});
