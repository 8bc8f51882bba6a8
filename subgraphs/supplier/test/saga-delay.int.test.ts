import { afterAll, beforeAll, expect, it } from 'vitest';
import { type Harness, startHarness } from './harness.ts';

/**
 * SUPPLIER_FULFILLMENT_DELAY_MS, the test/chaos setting the saga's deadline
 * tests use: the answer to a reservation command comes that much later.
 */

const DELAY_MS = 1500;
let h: Harness;
beforeAll(async () => {
  h = await startHarness({
    RESERVATION_SWEEP_INTERVAL_MS: '0',
    SUPPLIER_FULFILLMENT_DELAY_MS: String(DELAY_MS),
  });
});
afterAll(async () => h?.stop());

it('answers a reservation command only after the configured delay', async () => {
  const s = await h.sagaSupplier();
  const cmd = h.reservationCommand(s, [{ variantId: s.variantIds[0]!, quantity: 1 }]);
  const sent = Date.now();
  const envelope = await h.emit('orders.reservation.requested', cmd, {
    aggregateId: cmd.groupId,
    orgId: null,
    source: 'orders',
  });
  await new Promise((r) => setTimeout(r, DELAY_MS / 2));
  expect(await h.replies(cmd.groupId)).toEqual([]);
  await h.processed(envelope.id);
  expect(Date.now() - sent).toBeGreaterThanOrEqual(DELAY_MS);
  expect((await h.replies(cmd.groupId)).map((r) => r.type)).toEqual(['supplier.fulfillment.reserved']);
});
