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

/**
 * A DATETIME column of a raw row as the instant it stores. Every connection
 * runs in UTC and the driver returns DATETIME as text ('2026-01-02
 * 03:04:05.678'), which `new Date(text)` would read in the process's local
 * time zone: hours off anywhere but UTC. The usual shape is read digit by
 * digit (no string parsing, no intermediate strings: a storefront page reads
 * a few hundred of them); anything else (ISO text, a Date) goes through Date.
 */
export function utcDate(v: unknown): Date {
  if (v instanceof Date) return v;
  const s = String(v);
  if (s.length >= 19 && s.charCodeAt(4) === 45 && s.charCodeAt(7) === 45 && s.charCodeAt(10) === 32) {
    const n = (from: number, to: number) => {
      let x = 0;
      for (let i = from; i < to; i++) {
        const d = s.charCodeAt(i) - 48;
        if (d < 0 || d > 9) return Number.NaN;
        x = x * 10 + d;
      }
      return x;
    };
    let ms = 0;
    if (s.length > 20 && s.charCodeAt(19) === 46) {
      // .f, .ff, .fff or more: milliseconds are the first three digits.
      const digits = s.slice(20, 23);
      ms = n(20, 20 + digits.length) * 10 ** (3 - digits.length);
    } else if (s.length !== 19) {
      ms = Number.NaN;
    }
    const year = n(0, 4);
    const t = Date.UTC(year, n(5, 7) - 1, n(8, 10), n(11, 13), n(14, 16), n(17, 19), ms);
    // Date.UTC reads years below 100 as 19xx: those take the general path.
    if (year >= 100 && !Number.isNaN(t) && s.charCodeAt(13) === 58 && s.charCodeAt(16) === 58)
      return new Date(t);
  }
  return new Date(s.includes('T') ? s : `${s.replace(' ', 'T')}Z`);
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
