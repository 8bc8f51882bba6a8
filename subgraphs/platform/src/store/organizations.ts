import { dbDate, type EntityManager, type OrganizationKind, rows } from '@tradegraph/shared';

export type OrganizationStatus = 'ACTIVE' | 'SUSPENDED';

/** An organisation as the platform knows it: identity's facts plus the platform's own status. */
export interface OrganizationRecord {
  id: string;
  name: string;
  kind: OrganizationKind;
  status: OrganizationStatus;
  suspendedReason: string | null;
  suspendedAt: Date | null;
  createdAt: Date;
  /** Time of the identity event the name reflects (see `supersedes`). */
  eventAt: Date;
}

interface OrganizationRow {
  id: string;
  name: string;
  kind: OrganizationKind;
  status: OrganizationStatus;
  suspended_reason: string | null;
  suspended_at: Date | string | null;
  created_at: Date | string;
  event_at: Date | string;
}

const COLUMNS = 'id, name, kind, status, suspended_reason, suspended_at, created_at, event_at';

function parse(r: OrganizationRow): OrganizationRecord {
  return {
    id: r.id,
    name: r.name,
    kind: r.kind,
    status: r.status,
    suspendedReason: r.suspended_reason,
    suspendedAt: r.suspended_at ? dbDate(r.suspended_at) : null,
    createdAt: dbDate(r.created_at),
    eventAt: dbDate(r.event_at),
  };
}

export async function findOrganization(
  em: EntityManager,
  id: string,
  opts: { forUpdate?: boolean } = {},
): Promise<OrganizationRecord | null> {
  const [row] = await rows<OrganizationRow>(
    em,
    `select ${COLUMNS} from organizations where id = ?${opts.forUpdate ? ' for update' : ''}`,
    [id],
  );
  return row ? parse(row) : null;
}

export async function findOrganizations(
  em: EntityManager,
  ids: readonly string[],
): Promise<OrganizationRecord[]> {
  if (!ids.length) return [];
  const list = await rows<OrganizationRow>(
    em,
    `select ${COLUMNS} from organizations where id in (${ids.map(() => '?').join(', ')})`,
    [...ids],
  );
  return list.map(parse);
}

/** Inserts the organisation or replaces identity's facts (name, kind); the platform's status is kept. */
export async function saveOrganizationFacts(
  em: EntityManager,
  o: { id: string; name: string; kind: OrganizationKind; createdAt: Date; eventAt: Date },
): Promise<void> {
  await em.execute(
    `insert into organizations (id, name, kind, status, created_at, event_at, updated_at)
     values (?, ?, ?, 'ACTIVE', ?, ?, utc_timestamp(3))
     on duplicate key update name = values(name), kind = values(kind), event_at = values(event_at),
       created_at = least(created_at, values(created_at)), updated_at = values(updated_at)`,
    [o.id, o.name, o.kind, o.createdAt, o.eventAt],
    'run',
  );
}

export async function saveOrganizationStatus(
  em: EntityManager,
  id: string,
  status: OrganizationStatus,
  reason: string | null,
  at: Date | null,
): Promise<void> {
  await em.execute(
    'update organizations set status = ?, suspended_reason = ?, suspended_at = ?, updated_at = utc_timestamp(3) where id = ?',
    [status, reason, at, id],
    'run',
  );
}

export interface OrganizationSearch {
  nameContains?: string | null;
  kind?: OrganizationKind | null;
  status?: OrganizationStatus | null;
}

function where(filter: OrganizationSearch): { sql: string; params: unknown[] } {
  const parts: string[] = [];
  const params: unknown[] = [];
  if (filter.nameContains) {
    parts.push("name like concat('%', ?, '%')");
    params.push(filter.nameContains.replace(/[\\%_]/g, (c) => `\\${c}`));
  }
  if (filter.kind) {
    parts.push('kind = ?');
    params.push(filter.kind);
  }
  if (filter.status) {
    parts.push('status = ?');
    params.push(filter.status);
  }
  return { sql: parts.length ? parts.join(' and ') : '1 = 1', params };
}

/** A page of organisations by (name, id) after the keyset `after`. */
export async function searchOrganizations(
  em: EntityManager,
  filter: OrganizationSearch,
  limit: number,
  after: [string, string] | null,
): Promise<OrganizationRecord[]> {
  const w = where(filter);
  const keyset = after ? ' and (name > ? or (name = ? and id > ?))' : '';
  const list = await rows<OrganizationRow>(
    em,
    `select ${COLUMNS} from organizations where ${w.sql}${keyset} order by name, id limit ?`,
    [...w.params, ...(after ? [after[0], after[0], after[1]] : []), limit],
  );
  return list.map(parse);
}

export async function countOrganizations(em: EntityManager, filter: OrganizationSearch): Promise<number> {
  const w = where(filter);
  const [row] = await rows<{ n: number | string }>(
    em,
    `select count(*) as n from organizations where ${w.sql}`,
    w.params,
  );
  return Number(row?.n ?? 0);
}
