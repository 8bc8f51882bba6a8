import { createHash } from 'node:crypto';
import { defineEntity, p } from '@mikro-orm/core';
import type { OrganizationKind } from '../auth/principal.ts';
import type { Logger } from '../logger.ts';
import { type DatabaseConfig, type EntityManager, forkEm, type Orm, type TenantProvisioner } from './orm.ts';

/**
 * Database-per-tenant routing shared by catalog, supplier and retailer.
 *
 * Every organisation has a stable tenant key derived from its id (12 base-36
 * characters of its SHA-256), so any service can compute it without a lookup.
 * A service's tenant database is `${DB_PREFIX}${service}_${key}`; tenant-scoped
 * entity ids embed the key (`prd_<key>_<…>`, see graphql/ids.ts), so an id
 * routes to its database without scanning. The service database's `tenants`
 * table records which tenants exist here (an id naming an unknown tenant is
 * NOT_FOUND without touching any tenant database).
 */

export function tenantKeyOf(organizationId: string): string {
  const digest = createHash('sha256').update(organizationId).digest();
  return BigInt(`0x${digest.subarray(0, 8).toString('hex')}`)
    .toString(36)
    .padStart(13, '0')
    .slice(-12);
}

export function tenantDatabaseName(
  db: Pick<DatabaseConfig, 'DB_PREFIX'>,
  service: string,
  tenantKey: string,
): string {
  if (!/^[a-z0-9]{12}$/.test(tenantKey)) throw new Error(`invalid tenant key "${tenantKey}"`);
  return `${db.DB_PREFIX}${service}_${tenantKey}`;
}

export const Tenant = defineEntity({
  name: 'Tenant',
  tableName: 'tenants',
  properties: {
    organizationId: p.string().primary(),
    tenantKey: p.string().unique(),
    kind: p.string().$type<OrganizationKind>(),
    dbName: p.string(),
    createdAt: p.datetime(),
  },
});
export type Tenant = InstanceType<typeof Tenant.class>;

/** SQL to include in the service-database migrations of a tenant-owning service. */
export const TENANTS_TABLE_SQL = `create table if not exists tenants (
  organization_id varchar(64) not null primary key,
  tenant_key char(12) not null,
  kind varchar(16) not null,
  db_name varchar(64) not null,
  created_at datetime(3) not null,
  unique key tenants_key_uq (tenant_key)
) default character set utf8mb4 collate utf8mb4_unicode_ci`;

/**
 * Where each tenant database stands with the tenant migrations, in the service
 * database: `ok` at `last_migration`, or `failed` with the error. Written by
 * every tenant upgrade (service start and `npm run tenants -- migrate`), so a
 * run that stopped on a failure resumes at that tenant. Created on first use:
 * it is bookkeeping of this code, not part of any service's schema.
 */
export const TENANT_UPGRADES_TABLE_SQL = `create table if not exists tenant_upgrades (
  tenant_key char(12) not null primary key,
  db_name varchar(64) not null,
  status varchar(16) not null,
  last_migration varchar(255) null,
  error text null,
  updated_at datetime(3) not null
) default character set utf8mb4 collate utf8mb4_unicode_ci`;

export type TenantUpgradeStatus = 'up-to-date' | 'migrated' | 'pending' | 'failed';

/** One tenant's outcome, reported as the run goes (progress). */
export interface TenantUpgradeStep {
  service: string;
  /** 1-based position in this run, of `total`. */
  index: number;
  total: number;
  tenant: TenantInfo;
  status: TenantUpgradeStatus;
  /** Applied (`migrated`) or still to apply (`pending`, dry run). */
  migrations: string[];
  error?: string;
}

export interface TenantUpgradeOptions {
  /** List what each tenant lacks; apply and record nothing. */
  dryRun?: boolean;
  /** Check every tenant database, also those recorded up to date. */
  recheck?: boolean;
  onStep?: (step: TenantUpgradeStep) => void;
}

export interface TenantUpgradeReport {
  service: string;
  total: number;
  /** Recorded at the newest migration and not looked at again. */
  skipped: number;
  upToDate: number;
  migrated: number;
  /** Dry run: tenants that have migrations to apply. */
  pending: number;
}

/** A tenant migration failed: the run stopped there and a rerun starts again at that tenant. */
export class TenantUpgradeError extends Error {
  readonly tenant: TenantInfo;
  readonly report: TenantUpgradeReport;
  constructor(service: string, tenant: TenantInfo, cause: unknown, report: TenantUpgradeReport) {
    const done = report.skipped + report.upToDate + report.migrated;
    super(
      `${service}: tenant ${tenant.tenantKey} (organisation ${tenant.organizationId}, database ${tenant.dbName}) ` +
        `failed to migrate: ${(cause as Error)?.message ?? String(cause)}\n` +
        `${done} of ${report.total} tenants are up to date; the others were not touched. ` +
        'Fix the cause and run the migration again: it resumes at this tenant.',
      { cause },
    );
    this.name = 'TenantUpgradeError';
    this.tenant = tenant;
    this.report = report;
  }
}

export interface TenantInfo {
  organizationId: string;
  tenantKey: string;
  kind: OrganizationKind;
  dbName: string;
}

/**
 * The tenants of one service: provisions their databases (idempotently, on
 * `identity.organization.created` or lazily on first write) and resolves keys
 * and organisation ids to databases, cached in memory (tenants never move).
 */
export class TenantRegistry {
  readonly #orm: Orm;
  readonly #provisioner: TenantProvisioner;
  readonly #service: string;
  readonly #db: DatabaseConfig;
  readonly #log: Logger;
  readonly #byKey = new Map<string, TenantInfo>();
  readonly #inflight = new Map<string, Promise<TenantInfo>>();

  constructor(opts: {
    orm: Orm;
    provisioner: TenantProvisioner;
    service: string;
    db: DatabaseConfig;
    logger: Logger;
  }) {
    this.#orm = opts.orm;
    this.#provisioner = opts.provisioner;
    this.#service = opts.service;
    this.#db = opts.db;
    this.#log = opts.logger;
  }

  /** Creates and migrates the tenant's database if needed and records it. Safe to call concurrently and repeatedly. */
  ensure(organizationId: string, kind: OrganizationKind): Promise<TenantInfo> {
    const key = tenantKeyOf(organizationId);
    const cached = this.#byKey.get(key);
    if (cached) return Promise.resolve(cached);
    let pending = this.#inflight.get(key);
    if (!pending) {
      pending = (async () => {
        const dbName = tenantDatabaseName(this.#db, this.#service, key);
        await this.#provisioner.provision(dbName);
        const em = forkEm(this.#orm);
        await em.execute(
          'insert ignore into tenants (organization_id, tenant_key, kind, db_name, created_at) values (?, ?, ?, ?, ?)',
          [organizationId, key, kind, dbName, new Date()],
        );
        const info = { organizationId, tenantKey: key, kind, dbName };
        this.#byKey.set(key, info);
        this.#log.info({ organizationId, dbName }, 'tenant ready');
        return info;
      })().finally(() => this.#inflight.delete(key));
      this.#inflight.set(key, pending);
    }
    return pending;
  }

  /**
   * Brings every recorded tenant database up to date with the tenant
   * migrations (provisioning only migrates the tenant it creates, so tenants
   * made by an older version get the newer migrations here). The one path for
   * both the service start and `npm run tenants -- migrate`: tenants in key
   * order, one at a time, each outcome recorded in `tenant_upgrades`; tenants
   * recorded at the newest migration are skipped without touching their
   * database; the first failure stops the run (TenantUpgradeError) and the
   * next run resumes at that tenant.
   */
  async upgradeAll(opts: TenantUpgradeOptions = {}): Promise<TenantUpgradeReport> {
    const em = forkEm(this.#orm);
    const report: TenantUpgradeReport = {
      service: this.#service,
      total: 0,
      skipped: 0,
      upToDate: 0,
      migrated: 0,
      pending: 0,
    };
    const hasTenants = await em.execute(
      "select 1 from information_schema.tables where table_schema = database() and table_name = 'tenants'",
    );
    if (!hasTenants.length) return report; // no tenant recorded yet: its migrations make the table
    // a dry run writes nothing, not even this table
    if (!opts.dryRun) await em.execute(TENANT_UPGRADES_TABLE_SQL);
    // plain SQL: a service need not register the Tenant entity for this
    const rows = (
      (await em.execute(
        'select organization_id, tenant_key, kind, db_name from tenants order by tenant_key',
      )) as { organization_id: string; tenant_key: string; kind: OrganizationKind; db_name: string }[]
    ).map((r) => ({
      organizationId: r.organization_id,
      tenantKey: r.tenant_key,
      kind: r.kind,
      dbName: r.db_name,
    }));
    type Mark = { tenant_key: string; status: string; last_migration: string | null };
    const marks = (await em
      .execute('select tenant_key, status, last_migration from tenant_upgrades')
      .catch((err: unknown) => {
        if (opts.dryRun) return []; // never recorded yet
        throw err;
      })) as Mark[];
    const recorded = new Map(marks.map((r) => [r.tenant_key, r]));
    const latest = this.#provisioner.latest;
    report.total = rows.length;
    const record = (tenant: TenantInfo, status: 'ok' | 'failed', error: string | null) =>
      em.execute(
        `insert into tenant_upgrades (tenant_key, db_name, status, last_migration, error, updated_at)
         values (?, ?, ?, ?, ?, ?)
         on duplicate key update db_name = values(db_name), status = values(status),
           last_migration = coalesce(values(last_migration), last_migration), error = values(error),
           updated_at = values(updated_at)`,
        [tenant.tenantKey, tenant.dbName, status, status === 'ok' ? latest : null, error, new Date()],
      );
    for (const [i, row] of rows.entries()) {
      const tenant: TenantInfo = {
        organizationId: row.organizationId,
        tenantKey: row.tenantKey,
        kind: row.kind,
        dbName: row.dbName,
      };
      const step = { service: this.#service, index: i + 1, total: rows.length, tenant };
      const mark = recorded.get(tenant.tenantKey);
      if (!opts.recheck && mark?.status === 'ok' && mark.last_migration === latest) {
        report.skipped++;
        this.#byKey.set(tenant.tenantKey, tenant);
        opts.onStep?.({ ...step, status: 'up-to-date', migrations: [] });
        continue;
      }
      if (opts.dryRun) {
        const pending = await this.#provisioner.pending(tenant.dbName);
        if (pending.length) report.pending++;
        else report.upToDate++;
        opts.onStep?.({ ...step, status: pending.length ? 'pending' : 'up-to-date', migrations: pending });
        continue;
      }
      let applied: string[];
      try {
        applied = await this.#provisioner.provision(tenant.dbName);
      } catch (err) {
        const message = (err as Error)?.message ?? String(err);
        await record(tenant, 'failed', message.slice(0, 60_000));
        opts.onStep?.({ ...step, status: 'failed', migrations: [], error: message });
        throw new TenantUpgradeError(this.#service, tenant, err, report);
      }
      await record(tenant, 'ok', null);
      this.#byKey.set(tenant.tenantKey, tenant);
      if (applied.length) report.migrated++;
      else report.upToDate++;
      opts.onStep?.({ ...step, status: applied.length ? 'migrated' : 'up-to-date', migrations: applied });
    }
    return report;
  }

  /** The tenant with this key, or null when this service has no such tenant. */
  async byKey(tenantKey: string): Promise<TenantInfo | null> {
    const cached = this.#byKey.get(tenantKey);
    if (cached) return cached;
    if (!/^[a-z0-9]{12}$/.test(tenantKey)) return null;
    const row = await forkEm(this.#orm).findOne(Tenant, { tenantKey });
    if (!row) return null;
    const info = {
      organizationId: row.organizationId,
      tenantKey: row.tenantKey,
      kind: row.kind,
      dbName: row.dbName,
    };
    this.#byKey.set(tenantKey, info);
    return info;
  }

  /** The tenant of an organisation, or null. */
  byOrganization(organizationId: string): Promise<TenantInfo | null> {
    return this.byKey(tenantKeyOf(organizationId));
  }

  /** Tenants of several keys at once (one query for the uncached ones). */
  async byKeys(keys: readonly string[]): Promise<Map<string, TenantInfo>> {
    const out = new Map<string, TenantInfo>();
    const missing: string[] = [];
    for (const k of new Set(keys)) {
      const c = this.#byKey.get(k);
      if (c) out.set(k, c);
      else if (/^[a-z0-9]{12}$/.test(k)) missing.push(k);
    }
    if (missing.length) {
      const rows = await forkEm(this.#orm).find(Tenant, { tenantKey: { $in: missing } });
      for (const row of rows) {
        const info = {
          organizationId: row.organizationId,
          tenantKey: row.tenantKey,
          kind: row.kind,
          dbName: row.dbName,
        };
        this.#byKey.set(row.tenantKey, info);
        out.set(row.tenantKey, info);
      }
    }
    return out;
  }

  /** An EntityManager on the tenant's database (tenant entities are `schema: '*'`). */
  em(tenant: TenantInfo): EntityManager {
    return forkEm(this.#orm, tenant.dbName);
  }

  close(): Promise<void> {
    return this.#provisioner.close();
  }
}
