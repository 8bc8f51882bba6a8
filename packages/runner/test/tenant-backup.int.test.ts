import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { TENANTS_TABLE_SQL, tenantDatabaseName, tenantKeyOf } from '@tradegraph/shared';
import { dropTestDatabases, testDatabaseConfig } from '@tradegraph/shared/testing';
import { type Connection, createConnection } from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backupTenant, listTenants, readManifest, restoreTenant } from '../src/tenant-ops.ts';

/**
 * `npm run tenants -- backup|restore` against real MariaDB: one organisation's
 * tenant databases in two services, dumped in one consistent snapshot and
 * restored into new databases with the same rows.
 */

const db = testDatabaseConfig();
const SERVICES = ['bka', 'bkb'];
const ORG = 'org_backup_roundtrip';
const OTHER_ORG = 'org_backup_other';
const dir = mkdtempSync(`${tmpdir()}/tg-backup-`);
let conn: Connection;

async function rowCounts(dbName: string): Promise<Record<string, number>> {
  const [tables] = await conn.query(
    'select table_name as t from information_schema.tables where table_schema = ? order by table_name',
    [dbName],
  );
  const out: Record<string, number> = {};
  for (const { t } of tables as { t: string }[]) {
    const [rows] = await conn.query(`select count(*) as n from \`${dbName}\`.\`${t}\``);
    out[t] = Number((rows as { n: number }[])[0]!.n);
  }
  return out;
}

async function checksum(dbName: string, table: string): Promise<string> {
  const [rows] = await conn.query(`checksum table \`${dbName}\`.\`${table}\``);
  return String((rows as { Checksum: string }[])[0]!.Checksum);
}

/** A tenant database like a service makes: recorded in the service's `tenants` table. */
async function makeTenant(service: string, org: string, rows: number): Promise<string> {
  const serviceDb = `${db.DB_PREFIX}${service}`;
  await conn.query(`create database if not exists \`${serviceDb}\``);
  await conn.query(`use \`${serviceDb}\``);
  await conn.query(TENANTS_TABLE_SQL);
  const dbName = tenantDatabaseName(db, service, tenantKeyOf(org));
  await conn.query(`insert into tenants values (?, ?, 'BRAND', ?, now(3))`, [org, tenantKeyOf(org), dbName]);
  await conn.query(`create database \`${dbName}\` character set utf8mb4 collate utf8mb4_unicode_ci`);
  await conn.query(`use \`${dbName}\``);
  await conn.query(
    'create table product (id varchar(40) primary key, title varchar(200) not null, note text null, image blob null, price_minor bigint not null) engine=InnoDB',
  );
  await conn.query('create table audit (id int auto_increment primary key, what varchar(40)) engine=InnoDB');
  await conn.query(
    "create trigger product_audit after insert on product for each row insert into audit (what) values (concat('added ', new.id))",
  );
  for (let i = 0; i < rows; i++) {
    await conn.query('insert into product values (?, ?, ?, ?, ?)', [
      `prd_${i}`,
      `Grüße ‘${i}’ — 製品 🚲`,
      i % 3 === 0 ? null : `line one\nline two; -- not a comment\n'quoted'`,
      i % 2 ? Buffer.from([0, 1, 2, 255, i % 256]) : null,
      i * 1999,
    ]);
  }
  return dbName;
}

let liveA: string;
let liveB: string;

beforeAll(async () => {
  conn = await createConnection({
    host: db.DB_HOST,
    port: db.DB_PORT,
    user: db.DB_USER,
    password: db.DB_PASSWORD,
  });
  liveA = await makeTenant('bka', ORG, 120);
  liveB = await makeTenant('bkb', ORG, 45);
  await makeTenant('bka', OTHER_ORG, 3);
});
afterAll(async () => {
  await conn?.end();
  await dropTestDatabases(db);
  rmSync(dir, { recursive: true, force: true });
});

describe('tenant backup and restore', () => {
  it('lists every tenant database with its size', async () => {
    const rows = await listTenants(db, [...SERVICES, 'nosuchservice']);
    expect(rows.map((r) => [r.service, r.organizationId, r.dbName, r.tables])).toEqual(
      expect.arrayContaining([
        ['bka', ORG, liveA, 2],
        ['bkb', ORG, liveB, 2],
        ['bka', OTHER_ORG, tenantDatabaseName(db, 'bka', tenantKeyOf(OTHER_ORG)), 2],
      ]),
    );
    expect(rows).toHaveLength(3);
    expect(rows.every((r) => r.bytes > 0)).toBe(true);
  });

  it('round-trips one organisation across services with the same rows, into new databases only', async () => {
    const before = { a: await rowCounts(liveA), b: await rowCounts(liveB) };
    expect(before.a).toEqual({ audit: 120, product: 120 });
    const sums = { a: await checksum(liveA, 'product'), b: await checksum(liveB, 'product') };

    const file = `${dir}/roundtrip.sql.gz`;
    const manifest = await backupTenant(db, SERVICES, ORG, file);
    expect(manifest.databases).toEqual([
      { service: 'bka', dbName: liveA },
      { service: 'bkb', dbName: liveB },
    ]);
    expect((await readManifest(file)).tenantKey).toBe(tenantKeyOf(ORG));
    // writes after the backup are not in it
    await conn.query(`insert into \`${liveA}\`.product values ('prd_late', 'late', null, null, 1)`);

    const restored = await restoreTenant(db, ORG, file, { suffix: '_r1' });
    expect(restored.map((r) => r.to)).toEqual([`${liveA}_r1`, `${liveB}_r1`]);
    expect(await rowCounts(`${liveA}_r1`)).toEqual(before.a);
    expect(await rowCounts(`${liveB}_r1`)).toEqual(before.b);
    expect(await checksum(`${liveA}_r1`, 'product')).toBe(sums.a);
    expect(await checksum(`${liveB}_r1`, 'product')).toBe(sums.b);
    // the trigger came along and works in the restored database
    await conn.query(`insert into \`${liveA}_r1\`.product values ('prd_new', 'new', null, null, 2)`);
    expect((await rowCounts(`${liveA}_r1`)).audit).toBe(121);
    // the live databases were not touched by the restore
    expect((await rowCounts(liveA)).product).toBe(121);

    // never over an existing database without --force
    await expect(restoreTenant(db, ORG, file, { suffix: '_r1' })).rejects.toThrow(/exists.*--force/);
    await expect(restoreTenant(db, ORG, file, { suffix: '' })).rejects.toThrow(`database ${liveA} exists`);
    await expect(restoreTenant(db, ORG, file, { into: 'x' })).rejects.toThrow(
      /--into needs a backup of one database/,
    );
    await expect(restoreTenant(db, OTHER_ORG, file)).rejects.toThrow(/is a backup of/);
    await expect(restoreTenant(db, ORG, file, { suffix: '_r1', force: true })).resolves.toHaveLength(2);
    expect((await rowCounts(`${liveA}_r1`)).product).toBe(120);
  });

  it('restores a one-database backup under a chosen name, uncompressed too', async () => {
    const other = tenantDatabaseName(db, 'bka', tenantKeyOf(OTHER_ORG));
    const file = `${dir}/other.sql`;
    await backupTenant(db, SERVICES, OTHER_ORG, file);
    expect(readFileSync(file, 'utf8')).toContain('-- tradegraph-tenant-backup ');
    const into = `${db.DB_PREFIX}restored_other`;
    await restoreTenant(db, OTHER_ORG, file, { into });
    expect(await rowCounts(into)).toEqual(await rowCounts(other));
  });

  it('refuses an organisation without tenant databases', async () => {
    await expect(backupTenant(db, SERVICES, 'org_nobody', `${dir}/x.sql`)).rejects.toThrow(
      /has no tenant database/,
    );
  });
});
