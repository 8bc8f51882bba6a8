/**
 * The least-privilege MySQL accounts (docker/mysql/init/10-service-users.sh) against the real
 * MariaDB: each service migrates its databases with its own account through docker/migrate.ts (the
 * migration Job's entry point), may create its tenant databases, and is refused everyone else's.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { generateInternalKeyPair } from '@tradegraph/shared';
import { type Connection, createConnection } from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dbPasswordVariable } from '../src/docker-env.ts';
import { repoRoot, subgraphs } from './helpers.ts';

const host = process.env.DB_HOST ?? '127.0.0.1';
const port = Number(process.env.DB_PORT ?? 3306);
const rootUser = process.env.DB_USER ?? 'root';
const rootPassword = process.env.DB_PASSWORD ?? '';
const prefix = `tgd${randomBytes(3).toString('hex')}_`;
const passwords = Object.fromEntries(subgraphs.map((s) => [s.name, randomBytes(12).toString('hex')]));
const scriptEnv = {
  PATH: process.env.PATH,
  DB_PREFIX: prefix,
  DB_PASSWORD_EXPORTER: randomBytes(12).toString('hex'),
  ...Object.fromEntries(subgraphs.map((s) => [dbPasswordVariable(s.name), passwords[s.name]])),
};

let root: Connection;
const connectAs = (service: string) =>
  createConnection({ host, port, user: `${prefix}${service}`, password: passwords[service] });

function migrate(service: string) {
  const { publicKey } = generateInternalKeyPair();
  return spawnSync(
    process.execPath,
    ['--disable-warning=ExperimentalWarning', 'docker/migrate.ts', service],
    {
      cwd: repoRoot,
      encoding: 'utf8',
      timeout: 90_000,
      env: {
        PATH: process.env.PATH,
        NODE_ENV: 'production',
        LOG_LEVEL: 'warn',
        DB_HOST: host,
        DB_PORT: String(port),
        DB_PREFIX: prefix,
        DB_USER: `${prefix}${service}`,
        DB_PASSWORD: passwords[service],
        INTERNAL_TOKEN_PUBLIC_KEY: Buffer.from(publicKey).toString('base64'),
        KEY_ENCRYPTION_SECRET: randomBytes(32).toString('hex'),
        // identity: no Redis here
        REDIS_URL: '',
      },
    },
  );
}

beforeAll(async () => {
  root = await createConnection({
    host,
    port,
    user: rootUser,
    password: rootPassword,
    multipleStatements: true,
  });
  const sql = spawnSync('sh', ['docker/mysql/init/10-service-users.sh'], {
    cwd: repoRoot,
    env: scriptEnv,
    encoding: 'utf8',
  });
  expect(sql.status, sql.stderr).toBe(0);
  await root.query(sql.stdout);
});

afterAll(async () => {
  const [dbs] = await root.query(
    'SELECT schema_name AS name FROM information_schema.schemata WHERE schema_name LIKE ?',
    [`${prefix}%`],
  );
  for (const { name } of dbs as { name: string }[]) await root.query(`DROP DATABASE \`${name}\``);
  for (const user of [...subgraphs.map((s) => s.name), 'exporter']) {
    await root.query(`DROP USER IF EXISTS '${prefix}${user}'@'%'`);
  }
  await root.end();
});

describe('service accounts', () => {
  it('refuses a password that would need quoting', () => {
    const r = spawnSync('sh', ['docker/mysql/init/10-service-users.sh'], {
      cwd: repoRoot,
      env: { ...scriptEnv, DB_PASSWORD_CATALOG: "x'; DROP USER root; --" },
      encoding: 'utf8',
    });
    expect(r.stderr).toContain('DB_PASSWORD_CATALOG must be letters and digits only');
    expect(r.stdout).not.toContain('DROP USER');
  });

  it.each(['catalog', 'platform'])(
    'lets %s migrate its own databases through docker/migrate.ts',
    async (service) => {
      const r = migrate(service);
      expect(r.status, `${r.stdout}\n${r.stderr}`).toBe(0);
      expect(r.stdout).toContain(`${service}: migrations applied`);
      const [rows] = await root.query(`SELECT COUNT(*) AS n FROM \`${prefix}${service}\`.schema_migrations`);
      expect((rows as { n: number }[])[0]!.n).toBeGreaterThan(0);
      const [events] = await root.query(
        'SELECT COUNT(*) AS n FROM information_schema.tables WHERE table_schema = ?',
        [`${prefix}events`],
      );
      expect((events as { n: number }[])[0]!.n, 'the event log tables exist').toBeGreaterThan(0);
    },
  );

  it('allows a service its tenant databases and refuses it every other database', async () => {
    const catalog = await connectAs('catalog');
    try {
      await catalog.query(`CREATE DATABASE \`${prefix}catalog_tenant1\``);
      await catalog.query(`CREATE TABLE \`${prefix}catalog_tenant1\`.t (id int primary key)`);
      await expect(catalog.query(`CREATE DATABASE \`${prefix}orders\``)).rejects.toThrow(/denied/i);
      await expect(catalog.query(`CREATE DATABASE \`${prefix}catalogue\``)).rejects.toThrow(/denied/i);
      await expect(catalog.query(`CREATE DATABASE \`${prefix.replace('_', 'x')}catalog\``)).rejects.toThrow(
        /denied/i,
      );
      await root.query(`CREATE DATABASE IF NOT EXISTS \`${prefix}orders\``);
      await expect(catalog.query(`CREATE TABLE \`${prefix}orders\`.t (id int)`)).rejects.toThrow(/denied/i);
      await expect(catalog.query('SELECT user FROM mysql.user')).rejects.toThrow(/denied/i);
      const [dbs] = await catalog.query('SHOW DATABASES');
      const visible = (dbs as { Database: string }[])
        .map((d) => d.Database)
        .filter((d) => d.startsWith(prefix));
      expect(visible.toSorted()).toEqual([`${prefix}catalog`, `${prefix}catalog_tenant1`, `${prefix}events`]);
    } finally {
      await catalog.end();
    }
  });
});
