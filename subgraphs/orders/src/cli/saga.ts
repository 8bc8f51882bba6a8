/**
 * `npm run saga -- inspect <orderId>`: where an order's saga stands — the
 * order, its step and deadline, payment, fulfilment groups, status history
 * and every event the saga sent or received (saga_log), from the orders
 * database (DB_* environment, as the service reads it).
 */
import { databaseEnv, loadConfig } from '@tradegraph/shared';
import { createConnection } from 'mysql2/promise';

async function inspect(orderId: string): Promise<number> {
  const db = loadConfig(databaseEnv, process.env);
  const conn = await createConnection({
    host: db.DB_HOST,
    port: db.DB_PORT,
    user: db.DB_USER,
    password: db.DB_PASSWORD,
    database: `${db.DB_PREFIX}orders`,
    dateStrings: true,
  });
  try {
    const q = async (sql: string) => (await conn.query(sql, [orderId]))[0] as Record<string, unknown>[];
    const [order] = await q(
      'select id, number, status, status_reason, retailer_id, customer_id, currency_code, total_minor, payment_id, created_at from orders where id = ?',
    );
    if (!order) {
      console.error(`no order ${orderId} in ${db.DB_PREFIX}orders`);
      return 1;
    }
    const [saga] = await q(
      'select step, deadline, payment_status, void_requested, refund_pending, updated_at from order_sagas where order_id = ?',
    );
    const print = (title: string, rows: Record<string, unknown>[]) => {
      console.log(`\n${title}`);
      if (rows.length) console.table(rows);
      else console.log('  (none)');
    };
    console.log(
      `order ${order.number} (${order.id}): ${order.status}${order.status_reason ? ` — ${order.status_reason}` : ''}`,
    );
    console.log(
      `  retailer ${order.retailer_id}, ${order.customer_id ? `customer ${order.customer_id}` : 'guest'}, total ${order.total_minor} ${order.currency_code} (minor units), payment ${order.payment_id}, placed ${order.created_at}`,
    );
    console.log(
      `saga: step ${saga?.step}, deadline ${saga?.deadline ?? 'none'}, payment ${saga?.payment_status}, void requested ${saga?.void_requested ? 'yes' : 'no'}, refund pending ${saga?.refund_pending ? 'yes' : 'no'}`,
    );
    print(
      'fulfilment groups',
      await q(
        'select id, supplier_id, reservation_status, updated_at from order_groups where order_id = ? order by id',
      ),
    );
    print(
      'lines',
      await q(
        'select id, group_id, variant_id, quantity, unit_price_minor, wholesale_unit_minor, refunded_quantity from order_lines where order_id = ? order by position',
      ),
    );
    print(
      'shipments',
      await q('select shipment_id, group_id, status, event_at from order_shipments where order_id = ?'),
    );
    print(
      'status history',
      await q(
        'select at, previous_status, status, actor_kind, actor_id, reason from order_status_history where order_id = ? order by id',
      ),
    );
    print(
      'saga events',
      await q(
        'select at, direction, event_type, event_id, note from saga_log where order_id = ? order by id',
      ),
    );
    return 0;
  } finally {
    await conn.end();
  }
}

const [command, orderId] = process.argv.slice(2);
if (command !== 'inspect' || !orderId) {
  console.error('usage: npm run saga -- inspect <orderId>');
  process.exitCode = 2;
} else {
  process.exitCode = await inspect(orderId);
}
