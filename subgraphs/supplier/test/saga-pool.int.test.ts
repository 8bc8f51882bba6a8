import { afterAll, beforeAll, expect, it } from 'vitest';
import { type Harness, startHarness } from './harness.ts';

/**
 * A burst of orders on every partition of the saga's two topics with
 * a small configured pool: each saga handler holds the consumer's connection
 * while its unit of work needs a second one, so a pool no larger than the
 * partitions would deadlock (every reply late, the saga failing on its
 * deadline). The service sizes its pool above the partitions.
 */

let h: Harness;
beforeAll(async () => {
  h = await startHarness({
    DB_POOL_MAX: '2',
    EVENTS_PARTITIONS: '8',
    RESERVATION_SWEEP_INTERVAL_MS: '0',
    // every handler holds its consumer connection a while before its unit starts
    SUPPLIER_FULFILLMENT_DELAY_MS: '300',
  });
});
afterAll(async () => h?.stop());

it('answers 24 concurrent orders (placed + reservation command) with a pool of 2 configured', async () => {
  const s = await h.sagaSupplier({ stock: [100] });
  const commands = Array.from({ length: 24 }, () =>
    h.reservationCommand(s, [{ variantId: s.variantIds[0]!, quantity: 1 }]),
  );
  const started = Date.now();
  // both saga topics at once: orders.order (placed: projected in a unit of work) and orders.reservation
  const sent = await Promise.all(
    commands.map((cmd) =>
      h.emit('orders.reservation.requested', cmd, {
        aggregateId: cmd.groupId,
        orgId: null,
        source: 'orders',
      }),
    ),
  );
  await Promise.all(commands.map((cmd) => h.placeOrder(cmd)));
  for (const e of sent) await h.processed(e.id);
  expect(Date.now() - started).toBeLessThan(15_000);
  for (const cmd of commands)
    expect((await h.replies(cmd.groupId)).map((r) => r.type)).toEqual(['supplier.fulfillment.reserved']);
});
