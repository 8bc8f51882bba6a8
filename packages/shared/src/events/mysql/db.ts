import { IsolationLevel, type Transaction } from '@mikro-orm/core';
import type { Orm } from '../../db/orm.ts';

export type Trx = Transaction;
export interface RunResult {
  affectedRows: number;
  insertId: number | string;
}

/**
 * Thin raw-SQL helper over a MikroORM connection (no entity manager, no
 * identity map: the hot paths of the relay and the mysql transport are plain
 * statements). Transactions run at READ COMMITTED so locking reads take record
 * locks only, never gap locks that would block concurrent inserts.
 */
export class Sql {
  readonly orm: Orm;
  constructor(orm: Orm) {
    this.orm = orm;
  }
  private get conn() {
    return this.orm.em.getConnection();
  }
  all<T>(sql: string, params: readonly unknown[] = [], trx?: Trx): Promise<T[]> {
    return this.conn.execute<T[] & object[]>(sql, params, 'all', trx) as Promise<T[]>;
  }
  async one<T>(sql: string, params: readonly unknown[] = [], trx?: Trx): Promise<T | undefined> {
    return (await this.all<T>(sql, params, trx))[0];
  }
  async run(sql: string, params: readonly unknown[] = [], trx?: Trx): Promise<RunResult> {
    const res = (await this.conn.execute(sql, params, 'run', trx)) as unknown as RunResult;
    return { affectedRows: Number(res.affectedRows ?? 0), insertId: res.insertId };
  }
  tx<T>(fn: (trx: Trx) => Promise<T>): Promise<T> {
    return this.conn.transactional(fn, { isolationLevel: IsolationLevel.READ_COMMITTED });
  }
}

/** Milliseconds of a DATETIME column read with dateStrings (`2025-01-02 03:04:05.678`, UTC) or as a Date. */
export function utcMillis(v: string | Date): number {
  return v instanceof Date ? v.getTime() : Date.parse(`${String(v).replace(' ', 'T')}Z`);
}
