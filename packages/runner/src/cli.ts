/**
 * `npm start`: one command for the whole system on this machine.
 * Checks MySQL, keeps the router's internal key pair in .tradegraph/, composes
 * the supergraph if it is stale, starts every subgraph (each migrates its own
 * databases on start) and the router as separate processes with prefixed
 * logs, seeds demo data through the API and prints how to use it. Ctrl-C stops
 * everything cleanly.
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { buildApp, type ServedApp, serveApp } from '@tradegraph/app-server';
import { discoverSubgraphs, repoRoot } from '@tradegraph/schema/subgraphs.ts';
import {
  commonEnv,
  databaseEnv,
  env,
  exitOnConfigError,
  generateInternalKeyPair,
  loadConfig,
} from '@tradegraph/shared';
import { createConnection } from 'mysql2/promise';
import { startMailCatcher } from './mail-catcher.ts';
import { busyPorts, describeBusyPorts } from './ports.ts';
import { childOutput, type ManagedProcess, startProcess, stopAll, waitReady } from './processes.ts';
import { DEMO_ACCOUNTS, DEMO_CUSTOMER, DEMO_PASSWORD, DEMO_PLATFORM_ADMIN, seedDemo } from './seed.ts';

const command = process.argv[2] ?? 'start';
// The settings every child inherits are checked here too, so a bad one is
// one list before anything starts rather than the same list from every child.
const runnerEnv = {
  ...commonEnv,
  ...databaseEnv,
  ROUTER_PORT: env.int({ default: 4000, min: 1, max: 65535 }),
  /** The storefront and the dashboard (apps/), built with Vite and served statically. */
  STOREFRONT_PORT: env.int({ default: 4100, min: 1, max: 65535 }),
  DASHBOARD_PORT: env.int({ default: 4101, min: 1, max: 65535 }),
  SERVE_APPS: env.bool({ default: true }),
  SEED_DEMO: env.bool({ default: true }),
  /** false: show the services' request logs while the demo seed runs. */
  SEED_QUIET: env.bool({ default: true }),
  LOG_FORMAT: env.oneOf(['pretty', 'json'] as const, { default: 'pretty' }),
};
let config: ReturnType<typeof loadConfig<typeof runnerEnv>>;
try {
  config = loadConfig(runnerEnv);
} catch (err) {
  exitOnConfigError(err, command === 'start' ? 'npm start' : `runner ${command}`);
}

/** Written while `npm start` runs, so a second one can say who holds the ports. */
const RUN_FILE = `${repoRoot}.tradegraph/run.json`;

interface RunRecord {
  pid: number;
  startedAt: string;
  ports: number[];
}

function runningRecord(): RunRecord | null {
  try {
    const record = JSON.parse(readFileSync(RUN_FILE, 'utf8')) as RunRecord;
    process.kill(record.pid, 0); // throws when no such process
    return record;
  } catch {
    return null;
  }
}

/** Refuses at once when any port this run needs is taken, naming what holds it. */
async function refuseBusyPorts(ports: Map<number, string>): Promise<void> {
  const busy = await busyPorts([...ports.keys()]);
  if (!busy.length) return;
  const other = runningRecord();
  const head = other
    ? `Tradegraph is already running (npm start, pid ${other.pid}, since ${other.startedAt}); stop it with Ctrl-C in its terminal or \`kill ${other.pid}\`.`
    : 'Cannot start: ports Tradegraph needs are in use.';
  console.error(
    `${head}\n${describeBusyPorts(busy, ports)}\n` +
      'Free them, or move the router with ROUTER_PORT (subgraph ports are set in each subgraph).',
  );
  process.exit(1);
}

async function checkMysql(): Promise<void> {
  try {
    const conn = await createConnection({
      host: config.DB_HOST,
      port: config.DB_PORT,
      user: config.DB_USER,
      password: config.DB_PASSWORD,
      connectTimeout: 5000,
    });
    await conn.end();
  } catch (err) {
    console.error(
      `Cannot reach MySQL at ${config.DB_USER}@${config.DB_HOST}:${config.DB_PORT}: ${(err as Error).message}\n` +
        'Start MySQL 8 or MariaDB 10.11 (e.g. `start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd`),\n' +
        'or point DB_HOST/DB_PORT/DB_USER/DB_PASSWORD at one.',
    );
    process.exit(1);
  }
}

/** The router's Ed25519 key pair, generated once per checkout and kept in .tradegraph/. */
function internalKeys(): { privateKey: string; publicKey: string } {
  const dir = `${repoRoot}.tradegraph`;
  const file = `${dir}/internal-keys.json`;
  if (existsSync(file)) return JSON.parse(readFileSync(file, 'utf8'));
  mkdirSync(dir, { recursive: true });
  const pair = generateInternalKeyPair();
  writeFileSync(file, JSON.stringify(pair), { mode: 0o600 });
  return pair;
}

/** Recomposes schema/supergraph.graphql so the router serves what the subgraphs' SDL says now. */
async function compose(): Promise<void> {
  const p = startProcess('compose', `${repoRoot}schema/compose.ts`, {}, 0, true);
  if ((await p.exited) !== 0) throw new Error('composition failed (see above)');
}

async function start(): Promise<void> {
  const subgraphs = discoverSubgraphs();
  const ports = new Map<number, string>([
    ...subgraphs.map((s) => [s.port, s.name] as [number, string]),
    [config.ROUTER_PORT, 'router'],
    ...(config.SERVE_APPS
      ? ([
          [config.STOREFRONT_PORT, 'storefront'],
          [config.DASHBOARD_PORT, 'dashboard'],
        ] as [number, string][])
      : []),
  ]);
  await refuseBusyPorts(ports);
  await checkMysql();
  await compose();
  // demo mail stays on this machine (notifications' SMTP_URL); a second `npm start` goes on without it
  const mail = await startMailCatcher({
    dir: `${repoRoot}.tradegraph/mail`,
    smtpPort: Number(process.env.MAIL_CATCHER_SMTP_PORT ?? 2525),
    httpPort: Number(process.env.MAIL_CATCHER_HTTP_PORT ?? 4099),
  }).catch((err: Error) => {
    console.warn(`Mail catcher not started (${err.message}); notifications' mail goes to SMTP_URL.`);
    return null;
  });
  const keys = internalKeys();
  // The storefront and the dashboard build (Vite, only when their sources changed) while the services start.
  const appsBuilt = config.SERVE_APPS
    ? Promise.all([buildApp('storefront'), buildApp('dashboard')])
    : Promise.resolve(null);
  appsBuilt.catch(() => {});
  const appOrigins = [config.STOREFRONT_PORT, config.DASHBOARD_PORT].flatMap((p) => [
    `http://localhost:${p}`,
    `http://127.0.0.1:${p}`,
  ]);
  const apps: ServedApp[] = [];
  writeFileSync(
    RUN_FILE,
    JSON.stringify({ pid: process.pid, startedAt: new Date().toISOString(), ports: [...ports.keys()] }),
  );
  const dbEnv = Object.fromEntries(
    Object.entries(config)
      .filter(([k]) => k.startsWith('DB_'))
      .map(([k, v]) => [k, String(v)]),
  );
  const processes: ManagedProcess[] = [];
  let stopping = false;
  const shutdown = async (code: number) => {
    if (stopping) return;
    stopping = true;
    console.log('\nStopping every process…');
    await Promise.all(apps.map((a) => a.close()));
    await stopAll(processes);
    if (runningRecord()?.pid === process.pid) rmSync(RUN_FILE, { force: true });
    process.exit(code);
  };
  process.on('SIGINT', () => void shutdown(0));
  process.on('SIGTERM', () => void shutdown(0));

  try {
    const raw = config.LOG_FORMAT === 'json';
    subgraphs.forEach((s, i) => {
      processes.push(
        startProcess(
          s.name,
          `${s.dir}/src/main.ts`,
          {
            ...dbEnv,
            PORT: String(s.port),
            INTERNAL_TOKEN_PUBLIC_KEY: keys.publicKey,
            ...(mail && !process.env.SMTP_URL ? { SMTP_URL: mail.smtpUrl } : {}),
            ...(s.name === 'identity'
              ? {
                  PLATFORM_ADMIN_EMAIL: DEMO_PLATFORM_ADMIN.email,
                  PLATFORM_ADMIN_PASSWORD: DEMO_PASSWORD,
                  PLATFORM_ADMIN_NAME: DEMO_PLATFORM_ADMIN.name,
                  PLATFORM_ORG_NAME: DEMO_PLATFORM_ADMIN.org,
                  // The demo seed signs up through the API and accepts connections at once: demo
                  // accounts start verified (identity refuses this setting in production).
                  IDENTITY_AUTO_VERIFY_EMAILS: 'true',
                }
              : {}),
          },
          i,
          raw,
        ),
      );
    });
    await Promise.all(
      subgraphs.map((s, i) => waitReady(processes[i]!, `http://127.0.0.1:${s.port}/ready`, 120_000)),
    );
    const router = startProcess(
      'router',
      `${repoRoot}router/src/main.ts`,
      {
        PORT: String(config.ROUTER_PORT),
        INTERNAL_TOKEN_PRIVATE_KEY: keys.privateKey,
        // The demo seed signs up every demo organisation from this machine's
        // address: room for it (and for re-seeding) above the per-IP sign-up
        // and login limits; an explicit setting wins.
        ROUTER_RATE_LIMIT_FIELDS:
          process.env.ROUTER_RATE_LIMIT_FIELDS ??
          'signUp=200/1h,registerCustomer=200/1h,login=300/10m,requestPasswordReset=20/1h,resetPassword=20/1h',
        // The apps call the router from their own origins; an explicit setting wins.
        ROUTER_CORS_ORIGINS: process.env.ROUTER_CORS_ORIGINS ?? appOrigins.join(','),
      },
      subgraphs.length,
      raw,
    );
    processes.push(router);
    await waitReady(router, `http://127.0.0.1:${config.ROUTER_PORT}/ready`, 60_000);
    const url = `http://localhost:${config.ROUTER_PORT}/graphql`;
    if (config.SEED_DEMO) {
      const names = new Set(subgraphs.map((s) => s.name));
      const network = ['catalog', 'supplier', 'retailer'].every((n) => names.has(n));
      console.log('Seeding demo data through the API…');
      const started = Date.now();
      childOutput.quiet = config.SEED_QUIET;
      try {
        await seedDemo(url, network, (msg) => console.log(`seed     | ${msg}`));
      } finally {
        childOutput.quiet = false;
      }
      const hidden = childOutput.hidden
        ? ` (${childOutput.hidden} service log lines below warn hidden while seeding; SEED_QUIET=false shows them)`
        : '';
      console.log(`Demo data ready in ${((Date.now() - started) / 1000).toFixed(1)}s${hidden}.`);
    }
    const dirs = await appsBuilt;
    if (dirs) {
      const [storefront, dashboard] = dirs;
      const storefrontConfig = { graphqlUrl: url, defaultStorefront: 'corner-store' };
      apps.push(
        await serveApp({
          dir: storefront,
          port: config.STOREFRONT_PORT,
          host: '0.0.0.0',
          config: storefrontConfig,
        }),
      );
      apps.push(
        await serveApp({
          dir: dashboard,
          port: config.DASHBOARD_PORT,
          host: '0.0.0.0',
          config: { graphqlUrl: url },
        }),
      );
    }
    const appLines = apps.length
      ? `  Storefront: ${apps[0]!.url}/s/corner-store (and /s/maple-and-main)\n  Dashboard:  ${apps[1]!.url} (sign in with a demo account below)\n`
      : '';
    console.log(`
  Tradegraph is running: ${url}
${appLines}  Subgraphs: ${subgraphs.map((s) => `${s.name} :${s.port}`).join(', ')}
  Demo mail: ${mail ? `${mail.webUrl} (files in .tradegraph/mail/, SMTP ${mail.smtpUrl})` : 'not caught (see above)'}

  Demo accounts (password for all: ${DEMO_PASSWORD})
${[...DEMO_ACCOUNTS.map((a) => `    ${a.email.padEnd(32)} ${a.kind.padEnd(9)} ${a.org}`), `    ${DEMO_PLATFORM_ADMIN.email.padEnd(32)} PLATFORM  ${DEMO_PLATFORM_ADMIN.org}`, `    ${DEMO_CUSTOMER.email.padEnd(32)} CUSTOMER  (shopper)`].join('\n')}

  Try: curl -s ${url} -H 'content-type: application/json' \\
         -d '{"query":"mutation { login(input: {email: \\"brand@demo.tradegraph.dev\\", password: \\"${DEMO_PASSWORD}\\"}) { accessToken } }"}'

  Ctrl-C stops everything.
`);
    const first = await Promise.race(processes.map((p) => p.exited.then((code) => ({ p, code }))));
    if (!stopping) {
      console.error(`${first.p.name} exited unexpectedly (code ${first.code}); stopping the rest.`);
      await shutdown(1);
    }
  } catch (err) {
    console.error(`Start-up failed: ${(err as Error).message}`);
    await shutdown(1);
  }
}

if (command === 'start') await start();
else if (command === 'internal-keys') {
  // For deployments: a fresh router key pair as env lines (base64 PEM).
  const pair = generateInternalKeyPair();
  console.log(`INTERNAL_TOKEN_PRIVATE_KEY=${Buffer.from(pair.privateKey).toString('base64')}`);
  console.log(`INTERNAL_TOKEN_PUBLIC_KEY=${Buffer.from(pair.publicKey).toString('base64')}`);
} else {
  console.error(`unknown command ${command}; use: start | internal-keys`);
  process.exit(2);
}
