import { randomBytes } from 'node:crypto';
import { createConnection } from 'mysql2/promise';
import {
  generateInternalKeyPair,
  loadInternalPrivateKey,
  signInternalToken,
} from '../auth/internal-token.ts';
import type { Principal } from '../auth/principal.ts';
import { databaseEnv, loadConfig } from '../config.ts';
import type { DatabaseConfig } from '../db/orm.ts';

/**
 * Test helpers. Each test file gets its own database prefix (`tg_t<random>_`),
 * so files can run against one MySQL without seeing each other's rows, and
 * drops everything under that prefix when it is done.
 */
export function testDatabaseConfig(): DatabaseConfig {
  const base = loadConfig(databaseEnv);
  return { ...base, DB_PREFIX: `tg_t${randomBytes(4).toString('hex')}_`, DB_POOL_MAX: 5 };
}

/** Drops every database whose name starts with the config's prefix. */
export async function dropTestDatabases(db: DatabaseConfig): Promise<void> {
  if (!/^tg_t[0-9a-f]{8}_$/.test(db.DB_PREFIX))
    throw new Error(`refusing to drop non-test prefix ${db.DB_PREFIX}`);
  const conn = await createConnection({
    host: db.DB_HOST,
    port: db.DB_PORT,
    user: db.DB_USER,
    password: db.DB_PASSWORD,
  });
  try {
    const [rows] = await conn.query('SHOW DATABASES LIKE ?', [`${db.DB_PREFIX.replace(/_/g, '\\_')}%`]);
    for (const row of rows as Record<string, string>[]) {
      const name = Object.values(row)[0]!;
      await conn.query(`DROP DATABASE IF EXISTS \`${name}\``);
    }
  } finally {
    await conn.end();
  }
}

/** An internal key pair and a signer, to call a subgraph directly as the router would. */
export function testInternalKeys() {
  const pair = generateInternalKeyPair();
  const privateKey = loadInternalPrivateKey(pair.privateKey);
  return {
    ...pair,
    sign: (audience: string, principal: Principal, requestId = 'test') =>
      signInternalToken(privateKey, audience, { principal, requestId }),
  };
}
