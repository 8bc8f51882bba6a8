import { dbDate, type EntityManager, placeholders, rows } from '@tradegraph/shared';
import type { TransactionDraft, TransactionKind } from '../domain/ledger.ts';

/**
 * The ledger's SQL. Only inserts: there is no UPDATE or DELETE of a ledger
 * row anywhere in this code, and the database refuses them (triggers in
 * migrations/0001-init.ts). The entries are inserted before their
 * transaction row, whose insert trigger checks they sum to zero in one currency.
 */

/** One stored entry, as the ledgerEntries query lists it. */
export interface LedgerEntryRecord {
  id: string;
  transactionId: string;
  kind: TransactionKind;
  account: string;
  orderId: string | null;
  referenceId: string;
  currencyCode: string;
  /** Signed posting: debit positive, credit negative. */
  amount: bigint;
  createdAt: Date;
}

/** Writes a balanced transaction (the domain built it with balancedTransaction). */
export async function postTransaction(
  em: EntityManager,
  id: string,
  draft: TransactionDraft,
  at: Date,
): Promise<void> {
  const values = draft.postings.flatMap((p) => [
    id,
    p.account,
    p.organizationId,
    draft.currencyCode,
    p.amount.toString(),
    at,
  ]);
  await em.execute(
    `insert into ledger_entries (transaction_id, account, organization_id, currency_code, amount_minor, created_at)
     values ${draft.postings.map(() => `(${placeholders(6)})`).join(', ')}`,
    values,
  );
  await em.execute(
    'insert into ledger_transactions (id, kind, reference_id, order_id, currency_code, created_at) values (?, ?, ?, ?, ?, ?)',
    [id, draft.kind, draft.referenceId, draft.orderId, draft.currencyCode, at],
  );
}

/** Sum of the postings on `account` in `currency` (signed); `lock` holds them until the transaction ends. */
export async function accountSum(
  em: EntityManager,
  account: string,
  currencyCode: string,
  lock = false,
): Promise<bigint> {
  const [row] = await rows<{ total: string | null }>(
    em,
    `select cast(coalesce(sum(amount_minor), 0) as char) as total from ledger_entries
     where account = ? and currency_code = ?${lock ? ' for update' : ''}`,
    [account, currencyCode],
  );
  return BigInt(row?.total ?? '0');
}

/** The currency of the latest entry on `account`; null when it has none. */
export async function latestCurrency(em: EntityManager, account: string): Promise<string | null> {
  const [row] = await rows<{ currency_code: string }>(
    em,
    'select currency_code from ledger_entries where account = ? order by id desc limit 1',
    [account],
  );
  return row?.currency_code ?? null;
}

export interface EntryFilter {
  from: Date | null;
  to: Date | null;
  currencyCode: string | null;
}

function where(account: string, filter: EntryFilter) {
  const clauses = ['e.account = ?'];
  const params: unknown[] = [account];
  if (filter.from) {
    clauses.push('e.created_at >= ?');
    params.push(filter.from);
  }
  if (filter.to) {
    clauses.push('e.created_at < ?');
    params.push(filter.to);
  }
  if (filter.currencyCode) {
    clauses.push('e.currency_code = ?');
    params.push(filter.currencyCode);
  }
  return { sql: clauses.join(' and '), params };
}

interface EntryRow {
  id: string;
  transaction_id: string;
  kind: TransactionKind;
  account: string;
  order_id: string | null;
  reference_id: string;
  currency_code: string;
  amount_minor: string;
  created_at: Date | string;
}

/** A page of `account`'s entries after entry id `afterId` (ids increase with time), oldest first. */
export async function entriesOf(
  em: EntityManager,
  account: string,
  filter: EntryFilter,
  afterId: string | null,
  limit: number,
): Promise<LedgerEntryRecord[]> {
  const w = where(account, filter);
  const found = await rows<EntryRow>(
    em,
    `select cast(e.id as char) as id, e.transaction_id, t.kind, e.account, t.order_id, t.reference_id,
            e.currency_code, cast(e.amount_minor as char) as amount_minor, e.created_at
     from ledger_entries e join ledger_transactions t on t.id = e.transaction_id
     where ${w.sql}${afterId ? ' and e.id > ?' : ''}
     order by e.id limit ?`,
    [...w.params, ...(afterId ? [afterId] : []), limit],
  );
  return found.map((r) => ({
    id: r.id,
    transactionId: r.transaction_id,
    kind: r.kind,
    account: r.account,
    orderId: r.order_id,
    referenceId: r.reference_id,
    currencyCode: r.currency_code,
    amount: BigInt(r.amount_minor),
    createdAt: dbDate(r.created_at),
  }));
}

/** How many of `account`'s entries match `filter`. */
export async function countEntries(em: EntityManager, account: string, filter: EntryFilter): Promise<number> {
  const w = where(account, filter);
  const [row] = await rows<{ n: number }>(
    em,
    `select count(*) as n from ledger_entries e where ${w.sql}`,
    w.params,
  );
  return Number(row?.n ?? 0);
}
