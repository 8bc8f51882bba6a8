import { dbDate, type EntityManager, rows } from '@tradegraph/shared';

export type AuditActorKind = 'USER' | 'API_KEY' | 'CUSTOMER' | 'GUEST' | 'SYSTEM';

/** One event of the bus as the audit trail holds it. */
export interface AuditRecord {
  seq: string;
  eventId: string;
  type: string;
  aggregateId: string;
  organizationId: string | null;
  actorKind: AuditActorKind;
  actorId: string | null;
  source: string;
  requestId: string | null;
  occurredAt: Date;
  recordedAt: Date;
  /** The payload as JSON text. */
  payload: string;
}

export type NewAuditEntry = Omit<AuditRecord, 'seq' | 'recordedAt'>;

interface AuditRow {
  seq: string | number;
  event_id: string;
  type: string;
  aggregate_id: string;
  organization_id: string | null;
  actor_kind: AuditActorKind;
  actor_id: string | null;
  source: string;
  request_id: string | null;
  occurred_at: Date | string;
  recorded_at: Date | string;
  payload: string | object;
}

/**
 * Appends an entry; a redelivered event (same id) adds nothing. The table's
 * triggers refuse every UPDATE and DELETE, so an entry, once written, stays as it is.
 */
export async function appendAuditEntry(em: EntityManager, e: NewAuditEntry): Promise<void> {
  await em.execute(
    `insert ignore into audit_entries
       (event_id, type, aggregate_id, organization_id, actor_kind, actor_id, source, request_id, occurred_at, recorded_at, payload)
     values (?, ?, ?, ?, ?, ?, ?, ?, ?, utc_timestamp(3), ?)`,
    [
      e.eventId,
      e.type,
      e.aggregateId,
      e.organizationId,
      e.actorKind,
      e.actorId,
      e.source,
      e.requestId,
      e.occurredAt,
      e.payload,
    ],
    'run',
  );
}

export interface AuditFilter {
  organizationId?: string | null;
  type?: string | null;
  from?: Date | null;
  to?: Date | null;
}

function where(f: AuditFilter): { sql: string; params: unknown[] } {
  const parts: string[] = [];
  const params: unknown[] = [];
  if (f.organizationId) {
    parts.push('organization_id = ?');
    params.push(f.organizationId);
  }
  if (f.type) {
    parts.push('type = ?');
    params.push(f.type);
  }
  if (f.from) {
    parts.push('occurred_at >= ?');
    params.push(f.from);
  }
  if (f.to) {
    parts.push('occurred_at < ?');
    params.push(f.to);
  }
  return { sql: parts.length ? parts.join(' and ') : '1 = 1', params };
}

/** A page of entries, newest first, before the keyset `beforeSeq`. */
export async function listAuditEntries(
  em: EntityManager,
  filter: AuditFilter,
  limit: number,
  beforeSeq: string | null,
): Promise<AuditRecord[]> {
  const w = where(filter);
  const list = await rows<AuditRow>(
    em,
    `select seq, event_id, type, aggregate_id, organization_id, actor_kind, actor_id, source, request_id,
            occurred_at, recorded_at, payload
     from audit_entries where ${w.sql}${beforeSeq ? ' and seq < ?' : ''} order by seq desc limit ?`,
    [...w.params, ...(beforeSeq ? [beforeSeq] : []), limit],
  );
  return list.map((r) => ({
    seq: String(r.seq),
    eventId: r.event_id,
    type: r.type,
    aggregateId: r.aggregate_id,
    organizationId: r.organization_id,
    actorKind: r.actor_kind,
    actorId: r.actor_id,
    source: r.source,
    requestId: r.request_id,
    occurredAt: dbDate(r.occurred_at),
    recordedAt: dbDate(r.recorded_at),
    payload: typeof r.payload === 'string' ? r.payload : JSON.stringify(r.payload),
  }));
}

export async function countAuditEntries(em: EntityManager, filter: AuditFilter): Promise<number> {
  const w = where(filter);
  const [row] = await rows<{ n: number | string }>(
    em,
    `select count(*) as n from audit_entries where ${w.sql}`,
    w.params,
  );
  return Number(row?.n ?? 0);
}
