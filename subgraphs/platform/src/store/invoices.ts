import { dbDate, type EntityManager, rows } from '@tradegraph/shared';

export interface InvoiceLineRecord {
  kind: 'SUBSCRIPTION' | 'TRANSACTION_FEES';
  description: string;
  amountMinor: string;
  currencyCode: string;
  baseMinor: string | null;
  rateBps: number | null;
}

export interface InvoiceRecord {
  id: string;
  organizationId: string;
  month: string;
  planId: string;
  lines: InvoiceLineRecord[];
  totals: { amountMinor: string; currencyCode: string }[];
  issuedAt: Date;
}

interface InvoiceRow {
  id: string;
  organization_id: string;
  month: string;
  plan_id: string;
  line_items: string | InvoiceLineRecord[];
  totals: string | InvoiceRecord['totals'];
  issued_at: Date | string;
}

const json = <T>(v: string | T): T => (typeof v === 'string' ? (JSON.parse(v) as T) : v);

function parse(r: InvoiceRow): InvoiceRecord {
  return {
    id: r.id,
    organizationId: r.organization_id,
    month: r.month,
    planId: r.plan_id,
    lines: json(r.line_items),
    totals: json(r.totals),
    issuedAt: dbDate(r.issued_at),
  };
}

/**
 * Writes the invoice unless the organisation already has one for the month
 * (unique key (organization_id, month)): true when it was written now. A
 * concurrent generator's insert of the same invoice waits on the key and then adds nothing.
 */
export async function insertInvoiceOnce(em: EntityManager, inv: InvoiceRecord): Promise<boolean> {
  const res = await em.execute<{ affectedRows: number }>(
    `insert ignore into invoices (id, organization_id, month, plan_id, line_items, totals, issued_at)
     values (?, ?, ?, ?, ?, ?, ?)`,
    [
      inv.id,
      inv.organizationId,
      inv.month,
      inv.planId,
      JSON.stringify(inv.lines),
      JSON.stringify(inv.totals),
      inv.issuedAt,
    ],
    'run',
  );
  return res.affectedRows === 1;
}

export async function invoicedOrganizations(em: EntityManager, month: string): Promise<Set<string>> {
  const list = await rows<{ organization_id: string }>(
    em,
    'select organization_id from invoices where month = ?',
    [month],
  );
  return new Set(list.map((r) => r.organization_id));
}

export interface InvoiceSearch {
  organizationId?: string | null;
  month?: string | null;
}

function where(f: InvoiceSearch): { sql: string; params: unknown[] } {
  const parts: string[] = [];
  const params: unknown[] = [];
  if (f.organizationId) {
    parts.push('organization_id = ?');
    params.push(f.organizationId);
  }
  if (f.month) {
    parts.push('month = ?');
    params.push(f.month);
  }
  return { sql: parts.length ? parts.join(' and ') : '1 = 1', params };
}

/** A page of invoices by (month desc, id desc) after the keyset `after`. */
export async function listInvoices(
  em: EntityManager,
  filter: InvoiceSearch,
  limit: number,
  after: [string, string] | null,
): Promise<InvoiceRecord[]> {
  const w = where(filter);
  const keyset = after ? ' and (month < ? or (month = ? and id < ?))' : '';
  const list = await rows<InvoiceRow>(
    em,
    `select id, organization_id, month, plan_id, line_items, totals, issued_at from invoices
     where ${w.sql}${keyset} order by month desc, id desc limit ?`,
    [...w.params, ...(after ? [after[0], after[0], after[1]] : []), limit],
  );
  return list.map(parse);
}

export async function countInvoices(em: EntityManager, filter: InvoiceSearch): Promise<number> {
  const w = where(filter);
  const [row] = await rows<{ n: number | string }>(
    em,
    `select count(*) as n from invoices where ${w.sql}`,
    w.params,
  );
  return Number(row?.n ?? 0);
}
