import type { IncomingMessage, ServerResponse } from 'node:http';

/**
 * GraphiQL served by the router itself, for development: one HTML page with
 * GraphiQL, React, the Monaco editor and its workers inlined (the prebuilt
 * bundle of the `@graphql-yoga/render-graphiql` npm package), so the IDE works
 * offline and loads nothing from a CDN. It is what a browser gets for
 * `GET /graphql` (it asks for text/html); API clients are unaffected.
 *
 * Subscriptions run over graphql-sse on the same endpoint (the router's
 * `text/event-stream` transport, docs/subscriptions.md), so the Authorization
 * header typed in the IDE's header editor authenticates them like queries.
 *
 * Served only where introspection is allowed (never in production by
 * default): the IDE is useless without it.
 */

export interface IdeOptions {
  /** Path of the GraphQL endpoint the IDE talks to. */
  endpoint: string;
  title?: string;
}

const DEFAULT_QUERY = `# Tradegraph: one GraphQL endpoint over every subgraph.
# Sign in, then put the token in the Headers tab:
#   { "Authorization": "Bearer <accessToken>" }
#
# mutation { login(input: { email: "brand@demo.tradegraph.dev", password: "tradegraph-demo-1" }) { accessToken } }

query CurrentOrganization {
  currentOrganization {
    id
    name
  }
}
`;

let page: Promise<string> | undefined;

/**
 * Named through a variable so TypeScript does not load the package's typings:
 * they pull in graphql-yoga's, whose GraphQLError `http` extension clashes with
 * Apollo Server's.
 */
const RENDER_GRAPHIQL = '@graphql-yoga/render-graphiql';
type RenderGraphiQL = (opts: Record<string, unknown>) => string;

/** The IDE's HTML; the 9 MB bundle is imported on the first request, not at start-up. */
export function renderIde(opts: IdeOptions): Promise<string> {
  page ??= (import(RENDER_GRAPHIQL) as Promise<{ renderGraphiQL: RenderGraphiQL }>).then(
    ({ renderGraphiQL }) =>
      renderGraphiQL({
        title: opts.title ?? 'Tradegraph GraphiQL',
        endpoint: opts.endpoint,
        defaultQuery: DEFAULT_QUERY,
        // graphql-sse on the endpoint itself, with the headers of the header editor
        subscriptionsProtocol: 'GRAPHQL_SSE',
        isHeadersEditorEnabled: true,
        shouldPersistHeaders: true,
        credentials: 'omit',
        method: 'POST',
      }),
  );
  return page;
}

/** Whether a request is a browser asking for a page rather than a GraphQL GET. */
export function wantsIde(req: IncomingMessage): boolean {
  if (req.method !== 'GET') return false;
  const url = new URL(req.url ?? '/', 'http://router.invalid');
  if (url.searchParams.has('query') || url.searchParams.has('extensions')) return false;
  const accept = req.headers.accept ?? '';
  return accept.includes('text/html');
}

/** Serves the IDE page; a strict CSP keeps it to what it carries (scripts inline, workers from blobs, fetches to this origin). */
export async function sendIde(res: ServerResponse, opts: IdeOptions): Promise<void> {
  const html = await renderIde(opts);
  res.writeHead(200, {
    'content-type': 'text/html; charset=utf-8',
    'content-length': Buffer.byteLength(html),
    'cache-control': 'no-cache',
    'content-security-policy': [
      "default-src 'none'",
      "script-src 'self' 'unsafe-inline' 'unsafe-eval' blob:",
      "worker-src 'self' blob:",
      "style-src 'self' 'unsafe-inline'",
      "img-src 'self' data: blob:",
      "font-src 'self' data:",
      "connect-src 'self'",
      "frame-ancestors 'none'",
    ].join('; '),
    'x-content-type-options': 'nosniff',
  });
  res.end(html);
}

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

/** The router's request handler with the IDE in front of `GET <endpoint>` from browsers. */
export function withIde(handler: Handler, opts: IdeOptions & { enabled: boolean }): Handler {
  if (!opts.enabled) return handler;
  return (req, res) => {
    const path = (req.url ?? '/').split('?', 1)[0];
    if (path !== opts.endpoint || !wantsIde(req)) return handler(req, res);
    sendIde(res, opts).catch(() => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
      res.end('GraphiQL could not be rendered');
    });
  };
}
