import { defineEntity, p } from '@mikro-orm/core';
import { Migration } from '@mikro-orm/migrations';
import { afterAll, describe, expect, it } from 'vitest';
import {
  createLogger,
  createTenantProvisioner,
  forkEm,
  type MigrationClass,
  type Orm,
  openDatabase,
  TENANTS_TABLE_SQL,
  Tenant,
  TenantRegistry,
  TenantUpgradeError,
  type TenantUpgradeStep,
} from '../src/index.ts';
import { dropTestDatabases, testDatabaseConfig } from '../src/testing/index.ts';

/**
 * One path brings tenant databases up to date, at service start and from
 * `npm run tenants -- migrate`: TenantRegistry.upgradeAll. Fifty tenants, the
 * new migration failing on one of them: the run stops there with a clear
 * error, and the next run resumes at that tenant without touching the ones
 * already done.
 */

const db = testDatabaseConfig();
const log = createLogger('test', 'silent');
afterAll(() => dropTestDatabases(db));

const Item = defineEntity({
  name: 'Item',
  tableName: 'item',
  schema: '*',
  properties: { id: p.string().primary() },
});
class ServiceInit extends Migration {
  override name = '0001-service';
  up() {
    this.addSql(TENANTS_TABLE_SQL);
  }
}
class TenantInit extends Migration {
  override name = '0001-items';
  up() {
    this.addSql('create table item (id varchar(40) primary key)');
  }
}
class TenantNotes extends Migration {
  override name = '0002-notes';
  up() {
    // no `if not exists`: a tenant database that already has the table fails here
    this.addSql('create table note (id varchar(40) primary key, body text not null)');
  }
}

const TENANTS = 50;

async function registryWith(orm: Orm, migrations: MigrationClass[]) {
  const provisioner = await createTenantProvisioner({
    db,
    name: 'upg',
    entities: [Item],
    tenantMigrations: migrations,
    logger: log,
  });
  return new TenantRegistry({ orm, provisioner, service: 'upg', db, logger: log });
}

async function tables(orm: Orm, dbName: string): Promise<string[]> {
  const rows = (await forkEm(orm).execute(
    'select table_name as t from information_schema.tables where table_schema = ? order by table_name',
    [dbName],
  )) as { t: string }[];
  return rows.map((r) => r.t);
}

describe('tenant migrations across many tenant databases', () => {
  it('stops at the failing tenant with a clear error and resumes there on the next run', async () => {
    const orm = await openDatabase({
      db,
      name: 'upg',
      entities: [Tenant, Item],
      migrations: [ServiceInit],
      logger: log,
    });
    try {
      const v1 = await registryWith(orm, [TenantInit]);
      const orgs = Array.from({ length: TENANTS }, (_, i) => `org_upgrade_${i}`);
      for (const org of orgs) await v1.ensure(org, 'BRAND');
      await v1.close();
      const all = (await forkEm(orm).find(Tenant, {}, { orderBy: { tenantKey: 'asc' } })).map(
        (t) => t.dbName,
      );
      expect(all).toHaveLength(TENANTS);

      // The 21st tenant in run order already has a `note` table: 0002-notes fails there.
      const broken = all[20]!;
      await forkEm(orm).execute(`create table \`${broken}\`.note (id int primary key)`);

      const dry: TenantUpgradeStep[] = [];
      const v2 = await registryWith(orm, [TenantInit, TenantNotes]);
      const preview = await v2.upgradeAll({ dryRun: true, onStep: (s) => dry.push(s) });
      expect(preview).toMatchObject({ total: TENANTS, pending: TENANTS, migrated: 0, skipped: 0 });
      expect(dry.every((s) => s.status === 'pending' && s.migrations.join() === '0002-notes')).toBe(true);
      expect(await tables(orm, all[0]!)).not.toContain('note'); // a dry run applies nothing

      const first: TenantUpgradeStep[] = [];
      const failure = await v2.upgradeAll({ onStep: (s) => first.push(s) }).catch((err: unknown) => err);
      expect(failure).toBeInstanceOf(TenantUpgradeError);
      const err = failure as TenantUpgradeError;
      expect(err.tenant.dbName).toBe(broken);
      expect(err.message).toContain(`database ${broken}) failed to migrate`);
      expect(err.message).toMatch(/already exists/);
      expect(err.message).toContain(`20 of ${TENANTS} tenants are up to date`);
      expect(err.message).toContain('resumes at this tenant');
      expect(first.map((s) => s.status)).toEqual([...Array(20).fill('migrated'), 'failed']);
      for (const dbName of all.slice(0, 20)) expect(await tables(orm, dbName)).toContain('note');
      for (const dbName of all.slice(21)) expect(await tables(orm, dbName)).not.toContain('note');
      const marks = (await forkEm(orm).execute(
        'select db_name, status, last_migration, error from tenant_upgrades order by tenant_key',
      )) as { db_name: string; status: string; last_migration: string; error: string | null }[];
      expect(marks).toHaveLength(21);
      expect(marks.filter((m) => m.status === 'ok' && m.last_migration === '0002-notes')).toHaveLength(20);
      expect(marks.find((m) => m.db_name === broken)).toMatchObject({ status: 'failed' });
      expect(marks.find((m) => m.db_name === broken)?.error).toMatch(/already exists/);

      // The operator fixes the cause; the rerun skips the 20 done and starts at the failed one.
      await forkEm(orm).execute(`drop table \`${broken}\`.note`);
      const second: TenantUpgradeStep[] = [];
      const resumed = await v2.upgradeAll({ onStep: (s) => second.push(s) });
      expect(resumed).toMatchObject({ total: TENANTS, skipped: 20, migrated: 30, upToDate: 0 });
      expect(second.find((s) => s.status === 'migrated')?.tenant.dbName).toBe(broken);
      for (const dbName of all)
        expect(await tables(orm, dbName)).toEqual(['item', 'note', 'schema_migrations']);

      // Up to date everywhere: a start costs no query per tenant database.
      expect(await v2.upgradeAll()).toMatchObject({ total: TENANTS, skipped: TENANTS, migrated: 0 });
      // --recheck looks at every database again and finds nothing to do.
      expect(await v2.upgradeAll({ recheck: true })).toMatchObject({ upToDate: TENANTS, migrated: 0 });
      await v2.close();
    } finally {
      await orm.close();
    }
  });
});
