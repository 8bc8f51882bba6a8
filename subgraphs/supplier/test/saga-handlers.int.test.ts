import { metricsRegistry, tenantDatabaseName, tenantKeyOf } from '@tradegraph/shared';
import { createConnection } from 'mysql2/promise';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type Harness, startHarness } from './harness.ts';

/**
 * The saga's handlers answer without waiting for their reply to reach the log
 * (a mutation waits so that its client reads its writes; a handler has no
 * client, and waiting held its partition and the commands queued behind it).
 */

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ RESERVATION_SWEEP_INTERVAL_MS: '0' });
});
afterAll(async () => h?.stop());

/** How many units of work of the supplier waited for their events to be published. */
async function publishWaits(): Promise<number> {
  const metric = await metricsRegistry.getSingleMetric('tradegraph_publish_wait_seconds')?.get();
  return (metric?.values ?? [])
    .filter(
      (v) =>
        v.labels.service === 'supplier' &&
        String((v as { metricName?: unknown }).metricName).endsWith('_count'),
    )
    .reduce((n, v) => n + v.value, 0);
}

it('a reservation command is answered with no publish wait', async () => {
  const s = await h.sagaSupplier();
  const before = await publishWaits();
  const cmd = h.reservationCommand(s, [{ variantId: s.variantIds[0]!, quantity: 1 }]);
  await h.requestReservation(cmd);
  await h.requestRelease(cmd);
  expect((await h.replies(cmd.groupId)).map((r) => r.type)).toEqual([
    'supplier.fulfillment.reserved',
    'supplier.fulfillment.released',
  ]);
  expect(await publishWaits()).toBe(before);
});

/** Units of work the supplier ran again after a deadlock or lock wait. */
async function retries(): Promise<number> {
  const metric = await metricsRegistry.getSingleMetric('tradegraph_unit_of_work_retries_total')?.get();
  return (metric?.values ?? [])
    .filter((v) => v.labels.service === 'supplier')
    .reduce((n, v) => n + v.value, 0);
}

it('a status change and a saga step on the same order lock in one order: no deadlock', async () => {
  const s = await h.sagaSupplier();
  const cmd = h.reservationCommand(s, [{ variantId: s.variantIds[0]!, quantity: 1 }]);
  await h.placeOrder(cmd);
  await h.requestReservation(cmd);
  const before = await retries();
  // A saga step or shipment on the group, held open between its two locks: its group first ...
  const step = await createConnection({
    host: h.db.DB_HOST,
    port: h.db.DB_PORT,
    user: h.db.DB_USER,
    password: h.db.DB_PASSWORD,
    database: tenantDatabaseName(h.db, 'supplier', tenantKeyOf(s.supplierId)),
  });
  let status: Promise<unknown> | undefined;
  try {
    await step.query('set innodb_lock_wait_timeout = 10');
    await step.beginTransaction();
    await step.query('select id from fulfillment_groups where id = ? for update', [cmd.groupId]);
    // ... while the status change arrives and takes what it can ...
    status = h.orderStatus(cmd, 'CONFIRMED');
    await new Promise((r) => setTimeout(r, 500));
    // ... then the order's status row. The status change used to hold it here while it waited
    // for the group: a deadlock, and one of the two rolled back.
    await step.query('select order_id from fulfillment_orders where order_id = ? for update', [cmd.orderId]);
    await step.commit();
    await status;
  } finally {
    await step.end();
    await status?.catch(() => {});
  }
  expect(await retries()).toBe(before);
  const [order] = await h.sql(
    'select status from fulfillment_orders where order_id = ?',
    [cmd.orderId],
    s.supplierId,
  );
  expect(order?.status).toBe('CONFIRMED');
});
