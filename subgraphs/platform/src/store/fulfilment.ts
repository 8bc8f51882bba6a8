import { type EntityManager, rows } from '@tradegraph/shared';

/**
 * Facts about one fulfilment group, from whichever event brings them. Events
 * of three topics (the saga's request, the supplier's answer, its shipments)
 * arrive in any order: each fact is written once (the first value stays).
 */
export interface GroupFacts {
  groupId: string;
  supplierId: string;
  orderId: string;
  requestedAt?: Date;
  unitsRequested?: number;
  reservedAt?: Date;
  unitsReserved?: number;
  rejectedAt?: Date;
  shippedAt?: Date;
  deliveredAt?: Date;
}

const FACT_COLUMNS = {
  requestedAt: 'requested_at',
  unitsRequested: 'units_requested',
  reservedAt: 'reserved_at',
  unitsReserved: 'units_reserved',
  rejectedAt: 'rejected_at',
  shippedAt: 'shipped_at',
  deliveredAt: 'delivered_at',
} as const;

export async function recordGroupFacts(em: EntityManager, f: GroupFacts): Promise<void> {
  const keys = (Object.keys(FACT_COLUMNS) as (keyof typeof FACT_COLUMNS)[]).filter((k) => f[k] !== undefined);
  const columns = keys.map((k) => FACT_COLUMNS[k]);
  // the earliest shipment counts for lead time; other facts happen once
  const update = columns.map((c) =>
    c === 'shipped_at'
      ? `${c} = least(coalesce(${c}, values(${c})), values(${c}))`
      : `${c} = coalesce(${c}, values(${c}))`,
  );
  await em.execute(
    `insert into supplier_groups (group_id, supplier_id, order_id${columns.map((c) => `, ${c}`).join('')})
     values (?, ?, ?${columns.map(() => ', ?').join('')})
     on duplicate key update ${update.length ? update.join(', ') : 'group_id = group_id'}`,
    [f.groupId, f.supplierId, f.orderId, ...keys.map((k) => f[k])],
    'run',
  );
}

export interface SupplierDayRecord {
  day: string;
  requested: number;
  reserved: number;
  rejected: number;
  unitsRequested: number;
  unitsReserved: number;
  shipped: number;
  /** Average seconds from request to first shipment; null when none shipped. */
  averageLeadTimeSeconds: number | null;
}

type Num = number | string;

export async function supplierDays(
  em: EntityManager,
  supplierId: string,
  fromDay: string,
  toDay: string,
): Promise<SupplierDayRecord[]> {
  const list = await rows<{
    day: string;
    requested: Num;
    reserved: Num;
    rejected: Num;
    units_requested: Num;
    units_reserved: Num;
    shipped: Num;
    lead: Num | null;
  }>(
    em,
    `select date_format(requested_at, '%Y-%m-%d') as day, count(*) as requested,
            sum(reserved_at is not null) as reserved, sum(rejected_at is not null) as rejected,
            coalesce(sum(units_requested), 0) as units_requested, coalesce(sum(units_reserved), 0) as units_reserved,
            sum(shipped_at is not null) as shipped,
            avg(case when shipped_at is not null then timestampdiff(microsecond, requested_at, shipped_at) / 1000000 end) as lead
     from supplier_groups
     where supplier_id = ? and requested_at >= ? and requested_at < date_add(?, interval 1 day)
     group by day order by day`,
    [supplierId, fromDay, toDay],
  );
  return list.map((r) => ({
    day: r.day,
    requested: Number(r.requested),
    reserved: Number(r.reserved),
    rejected: Number(r.rejected),
    unitsRequested: Number(r.units_requested),
    unitsReserved: Number(r.units_reserved),
    shipped: Number(r.shipped),
    averageLeadTimeSeconds: r.lead === null ? null : Number(r.lead),
  }));
}
