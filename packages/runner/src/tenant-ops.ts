/**
 * Operations on the database-per-tenant layout (docs/operations.md): list the
 * tenants of every tenant-owning service with their sizes, back up one
 * organisation's tenant databases in one consistent dump, restore a dump into
 * new databases, and bring every tenant database up to date through the same
 * path services take at start (TenantRegistry.upgradeAll).
 */
import { spawn } from 'node:child_process';
import { createReadStream, createWriteStream, existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { type Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip, createGzip } from 'node:zlib';
import {
  createTenantProvisioner,
  type DatabaseConfig,
  databaseName,
  type Logger,
  type MigrationClass,
  type OpenDatabaseOptions,
  openDatabase,
  Tenant,
  TenantRegistry,
  type TenantUpgradeOptions,
  type TenantUpgradeReport,
  tenantKeyOf,
} from '@tradegraph/shared';
import { type Connection, createConnection } from 'mysql2/promise';

/** What a service keeps per tenant: the entities and migrations of its tenant databases. */
export interface TenantSchemaOf {
  service: string;
  entities: OpenDatabaseOptions['entities'];
  migrations: MigrationClass[];
}

/**
 * The tenant schema of each subgraph that has one, by the convention every
 * tenant-owning subgraph follows: `src/entities/index.ts` exports
 * `tenantEntities`, and one module of `src/migrations/` exports `tenantMigrations`.
 */
export async function discoverTenantSchemas(
  subgraphs: readonly { name: string; dir: string }[],
): Promise<TenantSchemaOf[]> {
  const out: TenantSchemaOf[] = [];
  for (const s of subgraphs) {
    const entitiesFile = `${s.dir}/src/entities/index.ts`;
    if (!existsSync(entitiesFile) || !readFileSync(entitiesFile, 'utf8').includes('tenantEntities')) continue;
    const migrationsDir = `${s.dir}/src/migrations`;
    const candidates = existsSync(migrationsDir)
      ? readdirSync(migrationsDir)
          .filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'))
          .filter((f) =>
            /export const tenantMigrations\b/.test(readFileSync(`${migrationsDir}/${f}`, 'utf8')),
          )
      : [];
    if (candidates.length !== 1) {
      throw new Error(
        `${s.name}: expected one module of src/migrations exporting tenantMigrations, found ${candidates.length}`,
      );
    }
    const { tenantEntities } = (await import(entitiesFile)) as {
      tenantEntities: OpenDatabaseOptions['entities'];
    };
    const { tenantMigrations } = (await import(`${migrationsDir}/${candidates[0]}`)) as {
      tenantMigrations: MigrationClass[];
    };
    out.push({ service: s.name, entities: tenantEntities, migrations: tenantMigrations });
  }
  return out;
}

function connect(db: DatabaseConfig): Promise<Connection> {
  return createConnection({ host: db.DB_HOST, port: db.DB_PORT, user: db.DB_USER, password: db.DB_PASSWORD });
}

async function tableExists(conn: Connection, schema: string, table: string): Promise<boolean> {
  const [rows] = await conn.query(
    'select 1 from information_schema.tables where table_schema = ? and table_name = ?',
    [schema, table],
  );
  return (rows as unknown[]).length > 0;
}

export interface TenantRow {
  service: string;
  organizationId: string;
  tenantKey: string;
  kind: string;
  dbName: string;
  /** Data and index bytes (information_schema; InnoDB's figures are estimates). */
  bytes: number;
  tables: number;
  /** From tenant_upgrades: `ok` at `lastMigration`, `failed`, or null when never recorded. */
  upgrade: { status: string; lastMigration: string | null; error: string | null } | null;
}

/** Every tenant of `services` (those whose service database has a `tenants` table), with sizes. */
export async function listTenants(db: DatabaseConfig, services: readonly string[]): Promise<TenantRow[]> {
  const conn = await connect(db);
  try {
    const out: TenantRow[] = [];
    for (const service of services) {
      const serviceDb = databaseName(db, service);
      if (!(await tableExists(conn, serviceDb, 'tenants'))) continue;
      const [tenants] = await conn.query(
        `select organization_id, tenant_key, kind, db_name from \`${serviceDb}\`.tenants order by tenant_key`,
      );
      const upgrades = new Map<string, TenantRow['upgrade']>();
      if (await tableExists(conn, serviceDb, 'tenant_upgrades')) {
        const [rows] = await conn.query(
          `select tenant_key, status, last_migration, error from \`${serviceDb}\`.tenant_upgrades`,
        );
        for (const r of rows as {
          tenant_key: string;
          status: string;
          last_migration: string | null;
          error: string | null;
        }[])
          upgrades.set(r.tenant_key, { status: r.status, lastMigration: r.last_migration, error: r.error });
      }
      const [sizes] = await conn.query(
        `select table_schema as db, count(*) as tables, coalesce(sum(data_length + index_length), 0) as bytes
           from information_schema.tables where table_schema like ? group by table_schema`,
        [`${serviceDb.replace(/_/g, '\\_')}\\_%`],
      );
      const sizeOf = new Map(
        (sizes as { db: string; tables: number; bytes: number | string }[]).map((s) => [s.db, s]),
      );
      for (const t of tenants as {
        organization_id: string;
        tenant_key: string;
        kind: string;
        db_name: string;
      }[]) {
        const size = sizeOf.get(t.db_name);
        out.push({
          service,
          organizationId: t.organization_id,
          tenantKey: t.tenant_key,
          kind: t.kind,
          dbName: t.db_name,
          bytes: Number(size?.bytes ?? 0),
          tables: Number(size?.tables ?? 0),
          upgrade: upgrades.get(t.tenant_key) ?? null,
        });
      }
    }
    return out;
  } finally {
    await conn.end();
  }
}

/** Those of `services` whose service database exists and has a `tenants` table. */
export async function listServicesWithTenants(
  db: DatabaseConfig,
  services: readonly string[],
): Promise<string[]> {
  const conn = await connect(db);
  try {
    const out: string[] = [];
    for (const service of services)
      if (await tableExists(conn, databaseName(db, service), 'tenants')) out.push(service);
    return out;
  } finally {
    await conn.end();
  }
}

/** The tenant databases of one organisation, across `services`. */
export async function tenantDatabasesOf(
  db: DatabaseConfig,
  services: readonly string[],
  organizationId: string,
): Promise<{ service: string; dbName: string }[]> {
  const key = tenantKeyOf(organizationId);
  const conn = await connect(db);
  try {
    const out: { service: string; dbName: string }[] = [];
    for (const service of services) {
      const serviceDb = databaseName(db, service);
      if (!(await tableExists(conn, serviceDb, 'tenants'))) continue;
      const [rows] = await conn.query(`select db_name from \`${serviceDb}\`.tenants where tenant_key = ?`, [
        key,
      ]);
      for (const r of rows as { db_name: string }[]) out.push({ service, dbName: r.db_name });
    }
    return out;
  } finally {
    await conn.end();
  }
}

/** The first of `names` that runs (`--version`) on this machine. */
async function findBinary(names: readonly string[]): Promise<{ path: string; version: string }> {
  for (const name of names) {
    const version = await new Promise<string | null>((resolve) => {
      const child = spawn(name, ['--version'], { stdio: ['ignore', 'pipe', 'ignore'] });
      let out = '';
      child.stdout.on('data', (d) => (out += d));
      child.on('error', () => resolve(null));
      child.on('exit', (code) => resolve(code === 0 ? out.trim() : null));
    });
    if (version !== null) return { path: name, version };
  }
  throw new Error(`none of ${names.join(', ')} is installed (install the MariaDB or MySQL client)`);
}

/** The client's connection arguments; the password goes through MYSQL_PWD, never the command line. */
function clientArgs(db: DatabaseConfig): { args: string[]; env: NodeJS.ProcessEnv } {
  return {
    args: [`--host=${db.DB_HOST}`, `--port=${db.DB_PORT}`, `--user=${db.DB_USER}`, '--protocol=TCP'],
    env: { ...process.env, MYSQL_PWD: db.DB_PASSWORD },
  };
}

/** First line of every backup: what it holds, so a restore needs nothing else. */
const HEADER = '-- tradegraph-tenant-backup ';

export interface BackupManifest {
  organizationId: string;
  tenantKey: string;
  createdAt: string;
  databases: { service: string; dbName: string }[];
  dumpedWith: string;
  /** Binary-log file and position of the snapshot when the server logs binlogs (the start of a point-in-time recovery). */
  binlog: boolean;
}

/**
 * A consistent logical backup of one organisation's tenant databases: one
 * mysqldump/mariadb-dump run over all of them with `--single-transaction`, so
 * every database is read from the same snapshot without locking writers (the
 * tenant tables are InnoDB). Gzipped when `file` ends in `.gz`. With binary
 * logging on, the snapshot's binlog coordinates are written into the dump
 * (as a comment) for point-in-time recovery.
 */
export async function backupTenant(
  db: DatabaseConfig,
  services: readonly string[],
  organizationId: string,
  file: string,
): Promise<BackupManifest> {
  const databases = await tenantDatabasesOf(db, services, organizationId);
  if (!databases.length) throw new Error(`organisation ${organizationId} has no tenant database here`);
  const dump = await findBinary(['mariadb-dump', 'mysqldump']);
  const conn = await connect(db);
  let binlog = false;
  try {
    const [rows] = await conn.query('select @@log_bin as on_');
    binlog = Number((rows as { on_: number }[])[0]?.on_) === 1;
  } finally {
    await conn.end();
  }
  const mariadb = /mariadb/i.test(dump.version);
  const { args, env } = clientArgs(db);
  const dumpArgs = [
    ...args,
    '--single-transaction',
    '--quick',
    '--routines',
    '--triggers',
    '--events',
    '--hex-blob',
    '--default-character-set=utf8mb4',
    // with binlogs: the snapshot's coordinates as a comment (MySQL 8.0.26+ calls it --source-data)
    ...(binlog ? [mariadb ? '--master-data=2' : '--source-data=2'] : []),
    ...(mariadb ? [] : ['--set-gtid-purged=OFF']),
    '--databases',
    ...databases.map((d) => d.dbName),
  ];
  const manifest: BackupManifest = {
    organizationId,
    tenantKey: tenantKeyOf(organizationId),
    createdAt: new Date().toISOString(),
    databases,
    dumpedWith: dump.version,
    binlog,
  };
  await mkdir(dirname(file), { recursive: true });
  const child = spawn(dump.path, dumpArgs, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
  const out = createWriteStream(file, { mode: 0o600 });
  async function* withManifest() {
    yield `${HEADER}${JSON.stringify(manifest)}\n`;
    for await (const chunk of child.stdout) yield chunk;
  }
  if (file.endsWith('.gz')) await pipeline(withManifest(), createGzip(), out);
  else await pipeline(withManifest(), out);
  const code = await exited;
  if (code !== 0) throw new Error(`${dump.path} failed (exit ${code}): ${stderr.trim()}`);
  return manifest;
}

function readLines(file: string): Readable {
  const raw = createReadStream(file);
  return file.endsWith('.gz') ? raw.pipe(createGunzip()) : raw;
}

/** The manifest at the head of a backup file. */
export async function readManifest(file: string): Promise<BackupManifest> {
  let head = '';
  for await (const chunk of readLines(file)) {
    head += chunk;
    if (head.includes('\n')) break;
  }
  const first = head.split('\n', 1)[0] ?? '';
  if (!first.startsWith(HEADER)) throw new Error(`${file} is not a tenant backup (no manifest line)`);
  return JSON.parse(first.slice(HEADER.length)) as BackupManifest;
}

/** Rewrites the dump's database names (its `CREATE DATABASE` and `USE` lines) line by line. */
function renameDatabases(names: Map<string, string>): Transform {
  let rest = '';
  const rename = (line: string) => {
    const m = /^(CREATE DATABASE .*?|USE )`([^`]+)`(.*)$/.exec(line);
    const to = m ? names.get(m[2]!) : undefined;
    return m && to ? `${m[1]}\`${to}\`${m[3]}` : line;
  };
  return new Transform({
    transform(chunk, _enc, done) {
      const lines = (rest + chunk.toString('utf8')).split('\n');
      rest = lines.pop() ?? '';
      done(null, lines.map(rename).join('\n') + (lines.length ? '\n' : ''));
    },
    flush(done) {
      done(null, rest ? rename(rest) : '');
    },
  });
}

export interface RestoreOptions {
  /** Target database; only for a backup of one database. */
  into?: string;
  /** Restore over databases that exist (the live ones when no `into`): for disaster recovery only. */
  force?: boolean;
  /** Suffix of the new databases when `into` is not given (default `_restored_<UTC timestamp>`). */
  suffix?: string;
}

/**
 * Restores a tenant backup into new databases (`<original><suffix>`, or
 * `into`), refusing any target that exists unless `force`. Restoring over the
 * live database (`force` and `suffix: ''`) clears the tenant's upgrade record,
 * so the next migration run checks it again.
 */
export async function restoreTenant(
  db: DatabaseConfig,
  organizationId: string,
  file: string,
  opts: RestoreOptions = {},
): Promise<{ from: string; to: string; service: string }[]> {
  const manifest = await readManifest(file);
  if (manifest.organizationId !== organizationId) {
    throw new Error(`${file} is a backup of ${manifest.organizationId}, not of ${organizationId}`);
  }
  if (opts.into && manifest.databases.length !== 1) {
    throw new Error(`--into needs a backup of one database; this one holds ${manifest.databases.length}`);
  }
  const stamp = manifest.createdAt.replace(/\D/g, '').slice(0, 14);
  const suffix = opts.suffix ?? `_restored_${stamp}`;
  const plan = manifest.databases.map((d) => ({
    service: d.service,
    from: d.dbName,
    to: opts.into ?? `${d.dbName}${suffix}`,
  }));
  for (const p of plan) {
    if (!/^[A-Za-z0-9_]{1,64}$/.test(p.to)) throw new Error(`invalid database name "${p.to}"`);
  }
  const conn = await connect(db);
  try {
    for (const p of plan) {
      const [rows] = await conn.query('select 1 from information_schema.schemata where schema_name = ?', [
        p.to,
      ]);
      if ((rows as unknown[]).length && !opts.force) {
        throw new Error(
          `database ${p.to} exists; restore into a new one (--into) or pass --force to overwrite it`,
        );
      }
    }
    const client = await findBinary(['mariadb', 'mysql']);
    const { args, env } = clientArgs(db);
    const child = spawn(client.path, [...args, '--default-character-set=utf8mb4'], {
      env,
      stdio: ['pipe', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    await pipeline(readLines(file), renameDatabases(new Map(plan.map((p) => [p.from, p.to]))), child.stdin);
    const code = await exited;
    if (code !== 0) throw new Error(`${client.path} failed (exit ${code}): ${stderr.trim()}`);
    for (const p of plan) {
      if (p.to !== p.from) continue;
      // the live database was replaced: its upgrade record no longer says anything
      const serviceDb = databaseName(db, p.service);
      if (await tableExists(conn, serviceDb, 'tenant_upgrades')) {
        await conn.query(`delete from \`${serviceDb}\`.tenant_upgrades where tenant_key = ?`, [
          manifest.tenantKey,
        ]);
      }
    }
    return plan;
  } finally {
    await conn.end();
  }
}

/**
 * Brings the tenant databases of every service in `schemas` up to date, one
 * service after the other, through TenantRegistry.upgradeAll (the path a
 * service takes at start). Stops at the first failing tenant with a
 * TenantUpgradeError; running it again resumes at that tenant.
 */
export async function migrateTenants(
  db: DatabaseConfig,
  schemas: readonly TenantSchemaOf[],
  logger: Logger,
  opts: TenantUpgradeOptions = {},
): Promise<TenantUpgradeReport[]> {
  const reports: TenantUpgradeReport[] = [];
  const present = new Set(
    await listServicesWithTenants(
      db,
      schemas.map((s) => s.service),
    ),
  );
  for (const schema of schemas) {
    if (!present.has(schema.service)) continue;
    // The service database as it is: its own migrations are the service's to run.
    const orm = await openDatabase({
      db,
      name: schema.service,
      entities: [Tenant],
      migrations: [],
      logger,
      migrate: false,
    });
    try {
      const provisioner = await createTenantProvisioner({
        db,
        name: schema.service,
        entities: schema.entities,
        tenantMigrations: schema.migrations,
        logger,
      });
      const registry = new TenantRegistry({ orm, provisioner, service: schema.service, db, logger });
      try {
        reports.push(await registry.upgradeAll(opts));
      } finally {
        await registry.close();
      }
    } finally {
      await orm.close();
    }
  }
  return reports;
}
