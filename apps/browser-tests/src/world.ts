/**
 * One world for the browser tests: the whole graph in-process on fresh databases with the
 * demo data `npm start` seeds, both apps built and served on free ports (pointing at that
 * router, which allows their origins), and Debian's Chromium driven by playwright-core.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { buildApp, type ServedApp, serveApp } from '@tradegraph/app-server';
import { type Stack, startStack } from '@tradegraph/e2e';
import { DEMO_PASSWORD, DEMO_PLATFORM_ADMIN, seedDemo } from '@tradegraph/runner/seed.ts';
import { graphqlRequest } from '@tradegraph/shared';
import { type Browser, chromium, type Page } from 'playwright-core';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
/** Screenshots of every main screen (gitignored); the README's come from here via docs/img. */
export const ARTIFACTS = join(import.meta.dirname, '../artifacts');

export interface World {
  stack: Stack;
  routerUrl: string;
  storefront: ServedApp;
  dashboard: ServedApp;
  browser: Browser;
  gql: (query: string, variables?: Record<string, unknown>, token?: string) => Promise<any>;
  stop(): Promise<void>;
}

export async function startWorld(): Promise<World> {
  mkdirSync(ARTIFACTS, { recursive: true });
  const [storefrontDir, dashboardDir] = await Promise.all([buildApp('storefront'), buildApp('dashboard')]);
  // The apps listen first, on ports of their own: the router must allow their origins, and a
  // port reserved and released before the stack starts can be taken by one of its sockets.
  let routerUrl = '';
  const storefront = await serveApp({
    dir: storefrontDir,
    port: 0,
    config: () => ({ graphqlUrl: routerUrl, defaultStorefront: 'corner-store' }),
  });
  const dashboard = await serveApp({ dir: dashboardDir, port: 0, config: () => ({ graphqlUrl: routerUrl }) });
  const origins = [storefront.port, dashboard.port].flatMap((p) => [
    `http://localhost:${p}`,
    `http://127.0.0.1:${p}`,
  ]);
  const stack = await startStack(
    { ROUTER_CORS_ORIGINS: origins.join(','), IDENTITY_AUTO_VERIFY_EMAILS: 'true' },
    {
      subgraphEnv: {
        identity: {
          PLATFORM_ADMIN_EMAIL: DEMO_PLATFORM_ADMIN.email,
          PLATFORM_ADMIN_PASSWORD: DEMO_PASSWORD,
          PLATFORM_ADMIN_NAME: DEMO_PLATFORM_ADMIN.name,
          PLATFORM_ORG_NAME: DEMO_PLATFORM_ADMIN.org,
        },
      },
    },
  ).catch(async (e) => {
    await Promise.all([storefront.close(), dashboard.close()]);
    throw e;
  });
  routerUrl = stack.router.url.replace('127.0.0.1', 'localhost');
  await seedDemo(routerUrl, true);
  // launch() runs Chromium on a fresh temporary user-data-dir of its own (removed on close).
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--no-sandbox',
      '--disable-background-networking',
      '--disable-gpu',
      '--no-first-run',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  return {
    stack,
    routerUrl,
    storefront,
    dashboard,
    browser,
    gql: async (query, variables = {}, token) => {
      const r = await graphqlRequest(routerUrl, query, variables, token ? { token } : {});
      if (r.errors) throw new Error(JSON.stringify(r.errors));
      return r.data;
    },
    async stop() {
      await browser.close().catch(() => {});
      await storefront.close();
      await dashboard.close();
      await stack.stop();
    },
  };
}

export async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: false });
}

/** Collects the page's console errors and failed requests, to print when a step fails. */
export function watch(page: Page): string[] {
  const log: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') log.push(`console: ${m.text()}`);
  });
  page.on('pageerror', (e) => log.push(`pageerror: ${e.message}`));
  page.on('requestfailed', (r) => log.push(`requestfailed: ${r.url()} ${r.failure()?.errorText}`));
  return log;
}
