import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One recorded Stripe exchange: the request it expects (a subset of the form) and the response it gives. */
export interface Exchange {
  request: { method: string; path: string; form: Record<string, string> };
  response: { status: number; body: unknown };
}

/** What the fake received. */
export interface Received {
  method: string;
  path: string;
  form: Record<string, string>;
  idempotencyKey: string | undefined;
  authorization: string | undefined;
}

export function loadFixture(name: string): Exchange[] {
  const file = new URL(`./fixtures/stripe/${name}.json`, import.meta.url);
  return (JSON.parse(readFileSync(file, 'utf8')) as { exchanges: Exchange[] }).exchanges;
}

/**
 * A local HTTP server standing in for api.stripe.com: each request is
 * answered by the first unused fixture exchange whose method, path and form
 * subset match; anything else is a 500 the test sees as a failure.
 */
export async function startStripeFake(exchanges: Exchange[]) {
  const unused = [...exchanges];
  const received: Received[] = [];
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => {
      body += c;
    });
    req.on('end', () => {
      const form = Object.fromEntries(new URLSearchParams(body));
      const path = (req.url ?? '').split('?')[0]!;
      received.push({
        method: req.method ?? '',
        path,
        form,
        idempotencyKey: req.headers['idempotency-key'] as string | undefined,
        authorization: req.headers.authorization,
      });
      const i = unused.findIndex(
        (e) =>
          e.request.method === req.method &&
          e.request.path === path &&
          Object.entries(e.request.form).every(([k, v]) => form[k] === v),
      );
      const match = i >= 0 ? unused.splice(i, 1)[0] : undefined;
      res.writeHead(match?.response.status ?? 500, {
        'content-type': 'application/json',
        'request-id': 'req_fake',
      });
      res.end(
        JSON.stringify(
          match?.response.body ?? {
            error: { type: 'api_error', message: `no fixture for ${req.method} ${path} ${body}` },
          },
        ),
      );
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as AddressInfo).port,
    received,
    unused,
    stop: () => new Promise<void>((r) => server.close(() => r())),
  };
}
