import { metricsRegistry } from '@tradegraph/shared';
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
