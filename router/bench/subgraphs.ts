/**
 * The benchmark's four subgraphs on one HTTP server (`POST /<name>`), answering
 * from memoised responses: the first request with a given body is executed
 * with graphql-js, every later identical body gets the stored bytes, so the
 * router under test is the bottleneck, not the subgraphs.
 *
 * Run as a process: `node router/bench/subgraphs.ts <port>`; prints `ready <port>`.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { execute, type GraphQLSchema, parse, validate } from 'graphql';
import { BENCH_SUBGRAPHS } from './workload.ts';

const MAX_MEMO_ENTRIES = 1000;

function answer(schema: GraphQLSchema, body: string): Promise<string> | string {
  let request: { query?: string; variables?: Record<string, unknown>; operationName?: string };
  try {
    request = JSON.parse(body);
  } catch {
    return JSON.stringify({ errors: [{ message: 'body is not JSON' }] });
  }
  let document: ReturnType<typeof parse>;
  try {
    document = parse(request.query ?? '');
  } catch (err) {
    return JSON.stringify({ errors: [{ message: (err as Error).message }] });
  }
  const invalid = validate(schema, document);
  if (invalid.length) return JSON.stringify({ errors: invalid.map((e) => e.toJSON()) });
  return Promise.resolve(
    execute({
      schema,
      document,
      variableValues: request.variables ?? null,
      operationName: request.operationName ?? null,
    }),
  ).then((result) => JSON.stringify(result));
}

export function createBenchSubgraphHandler() {
  const schemas = new Map(
    BENCH_SUBGRAPHS.map((s) => [
      `/${s.name}`,
      buildSubgraphSchema([{ typeDefs: parse(s.sdl), resolvers: s.resolvers }]),
    ]),
  );
  const memo = new Map<string, Buffer>();
  let executed = 0;

  async function handle(req: IncomingMessage, res: ServerResponse, body: Buffer) {
    const schema = schemas.get(req.url ?? '');
    if (req.url === '/health') {
      res.end('OK');
      return;
    }
    if (!schema || req.method !== 'POST') {
      res.writeHead(404).end();
      return;
    }
    const key = `${req.url}\n${body.toString('utf8')}`;
    let bytes = memo.get(key);
    if (!bytes) {
      executed++;
      bytes = Buffer.from(await answer(schema, key.slice(key.indexOf('\n') + 1)));
      if (memo.size < MAX_MEMO_ENTRIES) memo.set(key, bytes);
    }
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': bytes.length });
    res.end(bytes);
  }

  return {
    handler: (req: IncomingMessage, res: ServerResponse) => {
      // Read with events: an async iterator over the request cost more CPU than the memo lookup.
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const body = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
        handle(req, res, body).catch(() => {
          if (!res.headersSent) res.writeHead(500);
          res.end();
        });
      });
    },
    /** Distinct requests actually executed (the rest came from the memo). */
    get executed() {
      return executed;
    },
  };
}

if (import.meta.main) {
  const port = Number(process.argv[2] ?? 4601);
  const server = createServer({ keepAliveTimeout: 65_000 }, createBenchSubgraphHandler().handler);
  server.listen(port, '127.0.0.1', () => {
    console.log(`ready ${(server.address() as AddressInfo).port}`);
  });
  process.on('SIGTERM', () => server.close(() => process.exit(0)));
}
