/**
 * `npm run tenants -- <command>`: the tenant databases of every tenant-owning
 * subgraph (docs/operations.md). Reads the services' DB_* settings.
 */
import { discoverSubgraphs, repoRoot } from '@tradegraph/schema/subgraphs.ts';
import {
  createLogger,
  databaseEnv,
  exitOnConfigError,
  loadConfig,
  logLevelOrDefault,
  TenantUpgradeError,
  type TenantUpgradeStep,
} from '@tradegraph/shared';
import {
  backupTenant,
  discoverTenantSchemas,
  listTenants,
  migrateTenants,
  restoreTenant,
  tenantDatabasesOf,
} from './tenant-ops.ts';

const USAGE = `usage: npm run tenants -- <command>

  list [--json]
        every tenant database per service: organisation, kind, tables, size, upgrade status
  backup <organizationId> [--out <file>]
        one consistent dump (--single-transaction) of the organisation's tenant databases
        (default .tradegraph/backups/<tenantKey>-<time>.sql.gz; .gz compresses)
  restore <organizationId> <file> [--into <db>] [--force]
        into new databases <name>_restored_<time> (or --into, for a one-database backup);
        an existing database is refused unless --force
  migrate [--dry-run] [--recheck]
        apply pending tenant migrations to every tenant database, in order, with progress;
        stops at the first failure and a rerun resumes at that tenant
        (--dry-run: list what is pending; --recheck: also look at tenants recorded up to date)

Environment: DB_HOST, DB_PORT, DB_USER, DB_PASSWORD, DB_PREFIX (as the services).`;

class UsageError extends Error {}

function takeFlag(args: string[], name: string): boolean {
  const i = args.indexOf(name);
  if (i < 0) return false;
  args.splice(i, 1);
  return true;
}
function takeOption(args: string[], name: string): string | undefined {
  const i = args.indexOf(name);
  if (i < 0) return undefined;
  const v = args[i + 1];
  if (v === undefined || v.startsWith('--')) throw new UsageError(`${name} needs a value`);
  args.splice(i, 2);
  return v;
}

function bytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 ** 2) return `${(n / 1024).toFixed(1)} KiB`;
  if (n < 1024 ** 3) return `${(n / 1024 ** 2).toFixed(1)} MiB`;
  return `${(n / 1024 ** 3).toFixed(2)} GiB`;
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

function progressLine(s: TenantUpgradeStep): string {
  const pos = `[${String(s.index).padStart(String(s.total).length)}/${s.total}]`;
  const what =
    s.status === 'failed'
      ? `FAILED: ${s.error}`
      : s.migrations.length
        ? `${s.status} ${s.migrations.join(', ')}`
        : s.status;
  return `${pos} ${s.service.padEnd(9)} ${s.tenant.dbName}  ${what}`;
}

async function main(argv: string[]): Promise<number> {
  const [cmd, ...args] = argv;
  if (!cmd || ['help', '--help', '-h'].includes(cmd)) {
    process.stdout.write(`${USAGE}\n`);
    return cmd ? 0 : 2;
  }
  let db: ReturnType<typeof loadConfig<typeof databaseEnv>>;
  try {
    db = loadConfig(databaseEnv);
  } catch (err) {
    exitOnConfigError(err, 'tenants');
  }
  const subgraphs = discoverSubgraphs();
  const services = subgraphs.map((s) => s.name);
  const out = (s: string) => process.stdout.write(`${s}\n`);
  try {
    switch (cmd) {
      case 'list': {
        const json = takeFlag(args, '--json');
        if (args.length) throw new UsageError('list takes no arguments');
        const rows = await listTenants(db, services);
        if (json) {
          for (const r of rows) out(JSON.stringify(r));
          return 0;
        }
        if (!rows.length) {
          out('no tenant databases');
          return 0;
        }
        out(
          table(
            rows.map((r) => [
              r.service,
              r.organizationId,
              r.kind,
              r.dbName,
              String(r.tables),
              bytes(r.bytes),
              r.upgrade
                ? r.upgrade.status === 'ok'
                  ? `ok ${r.upgrade.lastMigration ?? ''}`
                  : r.upgrade.status
                : '-',
            ]),
            ['service', 'organization', 'kind', 'database', 'tables', 'size', 'upgrade'],
          ),
        );
        const total = rows.reduce((n, r) => n + r.bytes, 0);
        out(`\n${rows.length} tenant database(s), ${bytes(total)}`);
        return 0;
      }
      case 'backup': {
        const file = takeOption(args, '--out');
        const [org, ...rest] = args;
        if (!org || rest.length) throw new UsageError('backup takes one organisation id');
        const dbs = await tenantDatabasesOf(db, services, org);
        if (!dbs.length) throw new Error(`organisation ${org} has no tenant database (see \`list\`)`);
        const target =
          file ??
          `${repoRoot}.tradegraph/backups/${org.replace(/[^A-Za-z0-9_-]/g, '_')}-${new Date().toISOString().replace(/[:.]/g, '-')}.sql.gz`;
        const started = Date.now();
        const manifest = await backupTenant(db, services, org, target);
        out(
          `backed up ${manifest.databases.map((d) => `${d.dbName} (${d.service})`).join(', ')} ` +
            `to ${target} in ${((Date.now() - started) / 1000).toFixed(1)} s` +
            (manifest.binlog ? '; binlog coordinates are in the dump (point-in-time recovery)' : ''),
        );
        return 0;
      }
      case 'restore': {
        const into = takeOption(args, '--into');
        const force = takeFlag(args, '--force');
        const [org, file, ...rest] = args;
        if (!org || !file || rest.length) throw new UsageError('restore takes an organisation id and a file');
        const plan = await restoreTenant(db, org, file, { ...(into ? { into } : {}), force });
        for (const p of plan) out(`restored ${p.from} (${p.service}) into ${p.to}`);
        if (plan.some((p) => p.to !== p.from)) {
          out('The live databases are untouched; compare, copy what you need, then drop the restored ones.');
        }
        return 0;
      }
      case 'migrate': {
        const dryRun = takeFlag(args, '--dry-run');
        const recheck = takeFlag(args, '--recheck');
        if (args.length) throw new UsageError('migrate takes only --dry-run and --recheck');
        const logger = createLogger('tenants', logLevelOrDefault(process.env.LOG_LEVEL ?? 'warn'));
        const schemas = await discoverTenantSchemas(subgraphs);
        const reports = await migrateTenants(db, schemas, logger, {
          dryRun,
          recheck,
          onStep: (s) => {
            // progress: every change, and a line per 50 tenants that needed nothing
            if (s.status !== 'up-to-date' || s.index % 50 === 0 || s.index === s.total) out(progressLine(s));
          },
        });
        for (const r of reports) {
          out(
            `${r.service}: ${r.total} tenant(s): ${r.migrated} migrated, ${r.upToDate} up to date, ` +
              `${r.skipped} recorded up to date${dryRun ? `, ${r.pending} with pending migrations (dry run: nothing applied)` : ''}`,
          );
        }
        return 0;
      }
      default:
        throw new UsageError(`unknown command "${cmd}"`);
    }
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`tenants: ${err.message}\n\n${USAGE}\n`);
      return 2;
    }
    if (err instanceof TenantUpgradeError) {
      process.stderr.write(`tenants: ${err.message}\n`);
      return 1;
    }
    process.stderr.write(`tenants: ${(err as Error).message}\n`);
    return 1;
  }
}

process.exitCode = await main(process.argv.slice(2));
