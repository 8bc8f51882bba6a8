/**
 * Builds the storefront and the dashboard (Vite) and serves a build statically with its
 * runtime config: `/config.js` sets `window.__TRADEGRAPH_CONFIG__` (the router URL), so one
 * build runs against any router. Unknown paths answer index.html (client-side routes).
 * Used by `npm start` (packages/runner) and the browser tests.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

export type AppName = 'storefront' | 'dashboard';

const appsDir = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const clientSrc = resolve(appsDir, '../packages/client/src');

export interface AppConfig {
  /** The router's GraphQL endpoint as the browser reaches it. */
  graphqlUrl: string;
  /** Storefront only: the slug the home page opens. */
  defaultStorefront?: string;
}

function newestMtime(path: string): number {
  if (!existsSync(path)) return 0;
  const st = statSync(path);
  if (!st.isDirectory()) return st.mtimeMs;
  let newest = st.mtimeMs;
  for (const entry of readdirSync(path)) newest = Math.max(newest, newestMtime(join(path, entry)));
  return newest;
}

/** Whether dist/ is older than the app's sources or the client package. */
export function isStale(app: AppName): boolean {
  const root = join(appsDir, app);
  const built = join(root, 'dist/index.html');
  if (!existsSync(built)) return true;
  const sources = Math.max(
    newestMtime(join(root, 'src')),
    newestMtime(join(root, 'index.html')),
    newestMtime(join(root, 'vite.config.ts')),
    newestMtime(clientSrc),
  );
  return sources > statSync(built).mtimeMs;
}

/** `vite build` of one app into apps/<app>/dist (skipped when it is up to date, unless forced). */
export async function buildApp(app: AppName, opts: { force?: boolean } = {}): Promise<string> {
  const root = join(appsDir, app);
  if (opts.force || isStale(app)) {
    const { build } = await import('vite');
    await build({ root, configFile: join(root, 'vite.config.ts'), logLevel: 'warn' });
  }
  return join(root, 'dist');
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.json': 'application/json',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
};

export interface ServedApp {
  url: string;
  port: number;
  close(): Promise<void>;
}

/**
 * Serves a built app on host:port (0 = a free port). The config may be a function, read on
 * every `/config.js`: a caller that must know the app's port before it knows the router's URL
 * (the router allows the app's origin) serves on port 0 first and fills the URL in later,
 * rather than reserving a port it could lose before it listens.
 */
export function serveApp(opts: {
  dir: string;
  port: number;
  host?: string;
  config: AppConfig | (() => AppConfig);
}): Promise<ServedApp> {
  const root = resolve(opts.dir);
  const { config } = opts;
  const configJsOf = (c: AppConfig) => `window.__TRADEGRAPH_CONFIG__ = ${JSON.stringify(c)};\n`;
  const fixedConfigJs = typeof config === 'function' ? undefined : configJsOf(config);
  const server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://app.invalid').pathname);
    if (path === '/config.js') {
      res.writeHead(200, { 'content-type': TYPES['.js']!, 'cache-control': 'no-store' });
      res.end(fixedConfigJs ?? configJsOf((config as () => AppConfig)()));
      return;
    }
    const file = normalize(join(root, path));
    const inside = file.startsWith(root + sep);
    const asset = inside && existsSync(file) && statSync(file).isFile();
    const target = asset ? file : join(root, 'index.html');
    const hashed = asset && path.startsWith('/assets/');
    res.writeHead(200, {
      'content-type': TYPES[extname(target)] ?? 'application/octet-stream',
      // Vite names assets by content hash: cache them for good, never the page.
      'cache-control': hashed ? 'public, max-age=31536000, immutable' : 'no-cache',
      'x-content-type-options': 'nosniff',
    });
    res.end(readFileSync(target));
  });
  return new Promise((resolvePromise, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host ?? '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      const host =
        opts.host && opts.host !== '0.0.0.0' && opts.host !== '127.0.0.1' ? opts.host : 'localhost';
      resolvePromise({
        url: `http://${host}:${port}`,
        port,
        close: () => new Promise<void>((r) => server.close(() => r())),
      });
    });
  });
}
