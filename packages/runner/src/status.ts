/**
 * `npm run status`: every service of this checkout (the subgraphs the runner
 * discovers, and the router) with its version, /health, /ready, the lag of its
 * consumer groups and its open dead letters (the event bus's own figures, as
 * `npm run events -- lag|dlq` prints them). Exit code 1 when a service is not
 * ready, so scripts can wait on it.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { discoverSubgraphs, repoRoot } from '@tradegraph/schema/subgraphs.ts';
import { createLogger, databaseEnv, env, exitOnConfigError, loadConfig } from '@tradegraph/shared';
import { createEventBus, type DeadLetter, type LagRow } from '@tradegraph/shared/events';

export interface ServiceStatus {
  name: string;
  url: string;
  version: string;
  health: string;
  ready: string;
  /** Messages its consumer groups have not processed yet; null when the bus could not be read. */
  lag: number | null;
  deadLetters: number | null;
}

const config = (() => {
  try {
    return loadConfig({
      ...databaseEnv,
      ROUTER_URL: env.url({ default: `http://127.0.0.1:${process.env.ROUTER_PORT || 4000}` }),
      STATUS_TIMEOUT_MS: env.int({ default: 2000, min: 100 }),
    });
  } catch (err) {
    exitOnConfigError(err, 'status');
  }
})();

function gitCommit(): string | null {
  try {
    return execFileSync('git', ['rev-parse', '--short', 'HEAD'], {
      cwd: repoRoot,
      stdio: ['ignore', 'pipe', 'ignore'],
    })
      .toString()
      .trim();
  } catch {
    return null; // not a git checkout (an image), or no git
  }
}

function versionOf(packageDir: string, commit: string | null): string {
  const { version } = JSON.parse(readFileSync(`${packageDir}/package.json`, 'utf8')) as { version: string };
  return commit ? `${version}+${commit}` : version;
}

/** The probe's answer: `ok`, the status code and body's status, or why it could not be asked. */
async function probe(url: string): Promise<{ ok: boolean; text: string }> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(config.STATUS_TIMEOUT_MS) });
    const body = (await res.json().catch(() => ({}))) as { status?: string; checks?: unknown };
    return { ok: res.ok, text: res.ok ? (body.status ?? 'ok') : `${res.status} ${body.status ?? ''}`.trim() };
  } catch (err) {
    const cause = (err as { cause?: { code?: string } }).cause?.code;
    return {
      ok: false,
      text: cause === 'ECONNREFUSED' ? 'down' : (err as Error).name === 'TimeoutError' ? 'timeout' : 'error',
    };
  }
}

/** A subgraph's URL as the router would reach it (SUBGRAPH_<NAME>_URL overrides, as for the router). */
function originOf(name: string, port: number): string {
  const override = process.env[`SUBGRAPH_${name.toUpperCase().replace(/[^A-Z0-9]/g, '_')}_URL`];
  return override ? new URL(override).origin : `http://127.0.0.1:${port}`;
}

/** Consumer groups belong to the service they are named after (`orders`, `orders-live`, `platform_audit`). */
function belongsTo(group: string, service: string): boolean {
  return group === service || group.startsWith(`${service}-`) || group.startsWith(`${service}_`);
}

export async function collectStatus(): Promise<{ services: ServiceStatus[]; busError: string | null }> {
  const commit = gitCommit();
  const targets = [
    ...discoverSubgraphs().map((s) => ({ name: s.name, url: originOf(s.name, s.port), dir: s.dir })),
    { name: 'router', url: new URL(config.ROUTER_URL).origin, dir: `${repoRoot}router` },
  ];
  let lag: LagRow[] | null = null;
  let dead: DeadLetter[] | null = null;
  let busError: string | null = null;
  const bus = await createEventBus({
    db: config,
    logger: createLogger('status', 'silent'),
    serviceName: 'status',
  }).catch((err: Error) => {
    busError = err.message;
    return null;
  });
  try {
    if (bus) [lag, dead] = await Promise.all([bus.lag(), bus.deadLetters({ includeReplayed: false })]);
  } catch (err) {
    busError = (err as Error).message;
  } finally {
    await bus?.close().catch(() => {});
  }
  const services = await Promise.all(
    targets.map(async (t): Promise<ServiceStatus> => {
      const [health, ready] = await Promise.all([probe(`${t.url}/health`), probe(`${t.url}/ready`)]);
      const groupLag = lag?.filter((r) => belongsTo(r.group, t.name)) ?? null;
      return {
        name: t.name,
        url: t.url,
        version: versionOf(t.dir, commit),
        health: health.text,
        ready: ready.text,
        // the router consumes no events
        lag: t.name === 'router' ? 0 : groupLag ? groupLag.reduce((n, r) => n + r.lag, 0) : null,
        deadLetters:
          t.name === 'router' ? 0 : dead ? dead.filter((d) => belongsTo(d.group, t.name)).length : null,
      };
    }),
  );
  return { services, busError };
}

function table(rows: string[][], head: string[]): string {
  const width = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (r: string[]) =>
    r
      .map((c, i) => c.padEnd(width[i]!))
      .join('  ')
      .trimEnd();
  return [line(head), line(width.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

if (import.meta.main) {
  const json = process.argv.includes('--json');
  const { services, busError } = await collectStatus();
  if (json) {
    process.stdout.write(`${JSON.stringify({ services, busError })}\n`);
  } else {
    process.stdout.write(
      `${table(
        services.map((s) => [
          s.name,
          s.url,
          s.version,
          s.health,
          s.ready,
          s.lag === null ? '?' : String(s.lag),
          s.deadLetters === null ? '?' : String(s.deadLetters),
        ]),
        ['service', 'url', 'version', 'health', 'ready', 'lag', 'dead letters'],
      )}\n`,
    );
    if (busError)
      process.stdout.write(`\nevent bus not readable (${busError}): lag and dead letters unknown\n`);
    const open = services.reduce((n, s) => n + (s.deadLetters ?? 0), 0);
    if (open) process.stdout.write(`\n${open} open dead letter(s): npm run events -- dlq\n`);
  }
  process.exitCode = services.every((s) => s.ready === 'ready') ? 0 : 1;
}
