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
   * made by an older version get the newer migrations here, at start, before
   * anything reads them). Nothing pending costs one query per tenant.
   */
  async upgradeAll(): Promise<number> {
    const rows = await forkEm(this.#orm).find(Tenant, {}, { orderBy: { tenantKey: 'asc' } });
    for (const row of rows) await this.ensure(row.organizationId, row.kind);
    return rows.length;
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
