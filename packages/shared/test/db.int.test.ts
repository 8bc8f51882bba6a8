import { defineEntity, p } from '@mikro-orm/core';
import { Migration } from '@mikro-orm/migrations';
import { afterAll, describe, expect, it } from 'vitest';
import { createLogger, createTenantProvisioner, forkEm, openDatabase, withSqlCounter } from '../src/index.ts';
import { dropTestDatabases, testDatabaseConfig } from '../src/testing/index.ts';

const db = testDatabaseConfig();
const log = createLogger('test', 'silent');
afterAll(() => dropTestDatabases(db));

const Note = defineEntity({
  name: 'Note',
  tableName: 'note',
  schema: '*',
  properties: { id: p.string().primary(), body: p.string() },
});
class ServiceInit extends Migration {
  override name = '0001-service';
  up() {
    this.addSql('create table service_marker (id int primary key)');
  }
}
class TenantInit extends Migration {
  override name = '0001-tenant';
  up() {
    this.addSql('create table note (id varchar(40) primary key, body varchar(200) not null)');
  }
}

describe('database bootstrap', () => {
  it('every pooled connection gets the session settings (eq_range_index_dive_limit 10), not the server default of 200', async () => {
    const orm = await openDatabase({
      db,
      name: 'settings',
      entities: [Note],
      migrations: [ServiceInit],
      logger: log,
    });
    try {
      // Several at once, so the pool opens several connections.
      const values = await Promise.all(
        [1, 2, 3, 4].map(() =>
          forkEm(orm).execute<{ v: number; id: number }[]>(
            'select @@session.eq_range_index_dive_limit v, connection_id() id, sleep(0.05) s',
          ),
        ),
      );
      expect(new Set(values.map((r) => r[0]!.id)).size).toBeGreaterThan(1);
      for (const r of values) expect(Number(r[0]!.v)).toBe(10);
      const [global] = await forkEm(orm).execute<{ v: number }[]>(
        'select @@global.eq_range_index_dive_limit v',
      );
      expect(Number(global!.v)).not.toBe(10);
    } finally {
      await orm.close();
    }
  });

  it('several processes opening one new database at once: created once, migrated once, none fails', async () => {
    // `create table` without `if not exists`: a second run of the migration would fail
    const orms = await Promise.all(
      [1, 2, 3, 4].map(() =>
        openDatabase({ db, name: 'racing', entities: [Note], migrations: [ServiceInit], logger: log }),
      ),
    );
    try {
      const rows = await forkEm(orms[0]!).execute<{ n: number }[]>(
        "select count(*) n from schema_migrations where name like '0001-service%'",
      );
      expect(Number(rows[0]!.n)).toBe(1);
    } finally {
      await Promise.all(orms.map((o) => o.close()));
    }
  });

  it('creates the service database, migrates it once, and provisions tenant databases idempotently and isolated', async () => {
    const orm = await openDatabase({
      db,
      name: 'svc',
      entities: [Note],
      migrations: [ServiceInit],
      logger: log,
    });
    const again = await openDatabase({
      db,
      name: 'svc',
      entities: [Note],
      migrations: [ServiceInit],
      logger: log,
    });
    const applied = await forkEm(orm).execute('select name from schema_migrations');
    expect(applied.map((r) => r.name)).toEqual(['0001-service']);
    await again.close();

    const tenants = await createTenantProvisioner({
      db,
      name: 'svc',
      entities: [Note],
      tenantMigrations: [TenantInit],
      logger: log,
    });
    const a = `${db.DB_PREFIX}t_a`;
    const b = `${db.DB_PREFIX}t_b`;
    expect(await tenants.provision(a)).toEqual(['0001-tenant']);
    expect(await tenants.provision(a)).toEqual([]);
    expect(await tenants.provision(b)).toEqual(['0001-tenant']);
    await expect(tenants.provision('bad name; drop')).rejects.toThrow(/invalid tenant database/);
    // Provisioned concurrently, every tenant still gets its own tables.
    const many = [1, 2, 3, 4].map((i) => `${db.DB_PREFIX}t_c${i}`);
    expect(await Promise.all(many.map((t) => tenants.provision(t)))).toEqual(many.map(() => ['0001-tenant']));
    for (const t of many) expect(await forkEm(orm, t).count(Note)).toBe(0);

    await forkEm(orm, a).transactional(async (em) => {
      em.create(Note, { id: 'n1', body: 'only in a' });
    });
    expect(await forkEm(orm, a).count(Note)).toBe(1);
    expect(await forkEm(orm, b).count(Note)).toBe(0);

    const counter = { count: 0 };
    await withSqlCounter(counter, async () => {
      await forkEm(orm, a).find(Note, {});
      await forkEm(orm, b).find(Note, {});
    });
    expect(counter.count).toBe(2);
    await tenants.close();
    await orm.close();
  });
});
