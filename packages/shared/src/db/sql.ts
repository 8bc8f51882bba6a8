import type { EntityManager } from './orm.ts';

/**
 * The few raw-SQL helpers every service needs, once. Statements that join a
 * tenant database with the service database must name both databases, so
 * identifiers are quoted here and nowhere else.
 */

const DB_NAME = /^[A-Za-z0-9_]{1,64}$/;
const TABLE_NAME = /^[a-z][a-z0-9_]{0,63}$/;

/** `db` quoted as an identifier; throws on anything that is not a plain database name. */
export function quoteDb(db: string): string {
  if (!DB_NAME.test(db)) throw new Error(`invalid database name "${db}"`);
  return `\`${db}\``;
}

/** `db`.`table`, for raw statements that address a database explicitly. */
export function qualified(db: string, table: string): string {
  if (!TABLE_NAME.test(table)) throw new Error(`invalid table name "${table}"`);
  return `${quoteDb(db)}.\`${table}\``;
}

/** `?, ?, ?` for an `in (…)` list of n values (n ≥ 1). */
export function placeholders(n: number): string {
  if (!Number.isInteger(n) || n < 1) throw new Error(`placeholders: need at least one value, got ${n}`);
  return new Array(n).fill('?').join(', ');
}

/** Runs a raw statement and returns its rows. */
export function rows<T>(em: EntityManager, sql: string, params: unknown[] = []): Promise<T[]> {
  return em.execute(sql, params) as Promise<T[]>;
}

/**
 * Whether `err` is a unique-key violation (MikroORM's exception or the raw
 * driver error), optionally of the named key. Anything else is not swallowed.
 */
export function isDuplicateKey(err: unknown, key?: string): boolean {
  const e = err as { name?: string; code?: string; message?: string; cause?: { code?: string } } | null;
  const dup =
    e?.name === 'UniqueConstraintViolationException' ||
    e?.code === 'ER_DUP_ENTRY' ||
    e?.cause?.code === 'ER_DUP_ENTRY';
  return dup && (key === undefined || String(e?.message ?? '').includes(key));
}

/** MySQL DATETIME values come back as Date or string depending on the path; always a Date here. */
export function dbDate(value: Date | string): Date {
  return value instanceof Date ? value : new Date(`${value.replace(' ', 'T')}Z`);
}
