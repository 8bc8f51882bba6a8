import type { DatabaseConfig } from '@tradegraph/shared';
import { type Connection, createConnection, type RowDataPacket } from 'mysql2/promise';

/**
 * Cross-service invariants of the order saga, read straight from the
 * databases of one stack (its DB_PREFIX): what the tests assert after the
 * dust settles. Each check answers a list of violations (empty = holds).
 */

async function connectTo(db: DatabaseConfig): Promise<Connection> {
  return createConnection({ host: db.DB_HOST, port: db.DB_PORT, user: db.DB_USER, password: db.DB_PASSWORD });
}

async function rows<T>(c: Connection, sql: string, params: unknown[] = []): Promise<T[]> {
  const [r] = await c.query<RowDataPacket[]>(sql, params);
  return r as T[];
}

/** Every ledger transaction sums to zero in one currency with ≥ 2 entries; all accounts together sum to zero. */
export async function ledgerViolations(db: DatabaseConfig): Promise<string[]> {
  const c = await connectTo(db);
  try {
    const p = `\`${db.DB_PREFIX}payments\``;
    const bad = await rows<{ transaction_id: string; n: number; total: string; currencies: number }>(
      c,
      `select transaction_id, count(*) n, sum(amount_minor) total, count(distinct currency_code) currencies
         from ${p}.ledger_entries group by transaction_id
        having total <> 0 or n < 2 or currencies <> 1`,
    );
    const orphan = await rows<{ n: number }>(
      c,
      `select count(*) n from ${p}.ledger_entries e left join ${p}.ledger_transactions t on t.id = e.transaction_id where t.id is null`,
    );
    const totals = await rows<{ currency_code: string; total: string }>(
      c,
      `select currency_code, sum(amount_minor) total from ${p}.ledger_entries group by currency_code having total <> 0`,
    );
    return [
      ...bad.map(
        (b) =>
          `transaction ${b.transaction_id}: ${b.n} entries sum to ${b.total} (${b.currencies} currencies)`,
      ),
      ...(Number(orphan[0]!.n) ? [`${orphan[0]!.n} entries without a transaction`] : []),
      ...totals.map((t) => `all ${t.currency_code} accounts sum to ${t.total}`),
    ];
  } finally {
    await c.end();
  }
}

export interface StockPicture {
  /** Per variant: on hand, reserved (summed over warehouses). */
  levels: Map<string, { onHand: number; reserved: number }>;
  /** Units shipped per variant (SHIPPED movements). */
  shipped: Map<string, number>;
  violations: string[];
}

/**
 * One supplier's stock: every level equals the replay of its movements, its
 * `reserved` equals the sum of its ACTIVE reservations, and every ACTIVE
 * reservation belongs to a group whose saga still holds it (not RELEASED).
 */
export async function stockPicture(db: DatabaseConfig, supplierId: string): Promise<StockPicture> {
  const c = await connectTo(db);
  try {
    const [tenant] = await rows<{ db_name: string }>(
      c,
      `select db_name from \`${db.DB_PREFIX}supplier\`.tenants where organization_id = ?`,
      [supplierId],
    );
    if (!tenant)
      return { levels: new Map(), shipped: new Map(), violations: [`no tenant for ${supplierId}`] };
    const t = `\`${tenant.db_name}\``;
    const violations: string[] = [];
    const levels = await rows<{
      id: string;
      warehouse_id: string;
      variant_id: string;
      on_hand: number;
      reserved: number;
    }>(c, `select id, warehouse_id, variant_id, on_hand, reserved from ${t}.inventory_levels`);
    const picture: StockPicture = { levels: new Map(), shipped: new Map(), violations };
    for (const l of levels) {
      const moves = await rows<{
        type: string;
        quantity: number;
        on_hand_after: number;
        reserved_after: number;
      }>(
        c,
        `select type, quantity, on_hand_after, reserved_after from ${t}.stock_movements
          where warehouse_id = ? and variant_id = ? order by seq`,
        [l.warehouse_id, l.variant_id],
      );
      let onHand = 0;
      let reserved = 0;
      for (const m of moves) {
        if (m.type === 'RECEIVED' || m.type === 'ADJUSTED') onHand += m.quantity;
        else if (m.type === 'RESERVED' || m.type === 'RELEASED') reserved += m.quantity;
        else if (m.type === 'SHIPPED') {
          onHand += m.quantity;
          reserved += m.quantity;
          picture.shipped.set(l.variant_id, (picture.shipped.get(l.variant_id) ?? 0) - m.quantity);
        }
        if (onHand !== m.on_hand_after || reserved !== m.reserved_after)
          violations.push(
            `level ${l.id}: replay ${onHand}/${reserved} but movement says ${m.on_hand_after}/${m.reserved_after}`,
          );
      }
      if (onHand !== l.on_hand || reserved !== l.reserved)
        violations.push(
          `level ${l.id}: ${l.on_hand}/${l.reserved}, movements replay to ${onHand}/${reserved}`,
        );
      const [active] = await rows<{ q: string | null }>(
        c,
        `select sum(quantity) q from ${t}.reservations where level_id = ? and status = 'ACTIVE'`,
        [l.id],
      );
      if (Number(active!.q ?? 0) !== l.reserved)
        violations.push(
          `level ${l.id}: reserved ${l.reserved} but ACTIVE reservations hold ${active!.q ?? 0}`,
        );
      if (l.reserved < 0 || l.on_hand < l.reserved)
        violations.push(`level ${l.id}: ${l.on_hand}/${l.reserved}`);
      const prev = picture.levels.get(l.variant_id) ?? { onHand: 0, reserved: 0 };
      picture.levels.set(l.variant_id, {
        onHand: prev.onHand + l.on_hand,
        reserved: prev.reserved + l.reserved,
      });
    }
    const leaks = await rows<{ id: string; group_id: string }>(
      c,
      `select r.id, fr.group_id from ${t}.reservations r
         join ${t}.fulfillment_reservations fr on fr.reservation_id = r.id
         join ${t}.fulfillment_groups g on g.id = fr.group_id
        where r.status = 'ACTIVE' and g.reservation_status <> 'RESERVED'`,
    );
    for (const l of leaks)
      violations.push(`reservation ${l.id} still ACTIVE for group ${l.group_id} not RESERVED`);
    return picture;
  } finally {
    await c.end();
  }
}

export interface SagaRow {
  orderId: string;
  status: string;
  step: string;
  paymentStatus: string;
  groups: string[];
}

/** Every order with its saga step, payment status and its groups' reservation statuses (orders' view). */
export async function sagas(db: DatabaseConfig): Promise<SagaRow[]> {
  const c = await connectTo(db);
  try {
    const o = `\`${db.DB_PREFIX}orders\``;
    const list = await rows<{
      id: string;
      status: string;
      step: string;
      payment_status: string;
      groups: string | null;
    }>(
      c,
      `select o.id, o.status, s.step, s.payment_status,
              (select group_concat(g.reservation_status order by g.id) from ${o}.order_groups g where g.order_id = o.id) \`groups\`
         from ${o}.orders o join ${o}.order_sagas s on s.order_id = o.id`,
    );
    return list.map((r) => ({
      orderId: r.id,
      status: r.status,
      step: r.step,
      paymentStatus: r.payment_status,
      groups: r.groups ? r.groups.split(',') : [],
    }));
  } finally {
    await c.end();
  }
}

/** payments' status per order id. */
export async function paymentStatuses(db: DatabaseConfig): Promise<Map<string, string>> {
  const c = await connectTo(db);
  try {
    const list = await rows<{ order_id: string; status: string }>(
      c,
      `select order_id, status from \`${db.DB_PREFIX}payments\`.payments`,
    );
    return new Map(list.map((r) => [r.order_id, r.status]));
  } finally {
    await c.end();
  }
}

export interface OrderFacts {
  /** Units per variant held by orders whose stock stays reserved (CONFIRMED, not shipped). */
  reservedByOrders: Map<string, number>;
  /** CAPTURE ledger transactions per order id, and the captured amount. */
  captures: Map<string, { count: number; amountMinor: number }>;
  /** Order total per order id. */
  totals: Map<string, number>;
  /** Idempotency keys that produced more than one order. */
  duplicateKeys: string[];
}

/** What orders and payments recorded, to compare with stock and the ledger. */
export async function orderFacts(db: DatabaseConfig): Promise<OrderFacts> {
  const c = await connectTo(db);
  try {
    const o = `\`${db.DB_PREFIX}orders\``;
    const p = `\`${db.DB_PREFIX}payments\``;
    const held = await rows<{ variant_id: string; q: string }>(
      c,
      `select l.variant_id, sum(l.quantity) q from ${o}.order_lines l join ${o}.orders x on x.id = l.order_id
        where x.status = 'CONFIRMED' group by l.variant_id`,
    );
    const caps = await rows<{ order_id: string; n: number; amount: string }>(
      c,
      `select t.order_id, count(distinct t.id) n, sum(case when e.account = 'PROVIDER_CLEARING' then e.amount_minor else 0 end) amount
         from ${p}.ledger_transactions t join ${p}.ledger_entries e on e.transaction_id = t.id
        where t.kind = 'CAPTURE' group by t.order_id`,
    );
    const totals = await rows<{ id: string; total_minor: string }>(
      c,
      `select id, total_minor from ${o}.orders`,
    );
    const dups = await rows<{ idempotency_key: string }>(
      c,
      `select idempotency_key from ${o}.orders group by idempotency_key having count(*) > 1`,
    );
    return {
      reservedByOrders: new Map(held.map((r) => [r.variant_id, Number(r.q)])),
      captures: new Map(caps.map((r) => [r.order_id, { count: Number(r.n), amountMinor: Number(r.amount) }])),
      totals: new Map(totals.map((r) => [r.id, Number(r.total_minor)])),
      duplicateKeys: dups.map((r) => r.idempotency_key),
    };
  } finally {
    await c.end();
  }
}
