/**
 * The delivery sweeper: claims due deliveries, hands each to its channel
 * outside any transaction, and records the attempt: SENT, PENDING again after
 * a backoff, or FAILED for good (with `notifications.delivery.failed`) after
 * NOTIFICATIONS_MAX_ATTEMPTS or a permanent refusal. Runs in the process's
 * system context, on a timer (service.ts) or driven by tests.
 */
import { type Kernel, startPeriodicTask, systemContext, write } from '@tradegraph/shared';
import type { BackgroundTask } from '@tradegraph/shared/service';
import { PermanentDeliveryError } from '../channels/index.ts';
import type { NotificationsContext, NotificationsServices } from '../services.ts';
import { claimDue, type DeliveryRecord, recordAttempt } from '../store/deliveries.ts';
import { afterAttempt } from './retry.ts';

const BATCH = 50;

async function attempt(ctx: NotificationsContext, d: DeliveryRecord): Promise<void> {
  const { config, channels } = ctx.services;
  const number = d.attempts + 1;
  let failure: { error: string; permanent: boolean } | null = null;
  try {
    await channels[d.channel].send(d);
  } catch (err) {
    failure = {
      error: err instanceof Error ? err.message : String(err),
      permanent: err instanceof PermanentDeliveryError,
    };
    ctx.logger.warn(
      { err, deliveryId: d.id, channel: d.channel, attempt: number },
      'notification delivery attempt failed',
    );
  }
  const outcome = afterAttempt(
    number,
    failure,
    {
      maxAttempts: config.NOTIFICATIONS_MAX_ATTEMPTS,
      baseMs: config.NOTIFICATIONS_RETRY_BASE_MS,
      maxMs: config.NOTIFICATIONS_RETRY_MAX_MS,
    },
    new Date(),
  );
  await write(ctx, { permission: 'system', tenant: 'service' }, async (tx) => {
    await recordAttempt(tx.em, d.id, number, outcome);
    if (outcome.status === 'FAILED') {
      tx.publish('notifications.delivery.failed', {
        aggregateId: d.id,
        orgId: null,
        payload: {
          deliveryId: d.id,
          eventId: d.eventId,
          eventType: d.eventType,
          channel: d.channel,
          recipientId: d.recipientId,
          attempts: number,
          error: outcome.error ?? '',
        },
      });
    }
  });
}

/** One pass: sends what is due now; answers how many deliveries it attempted. */
export async function sweepDeliveries(ctx: NotificationsContext): Promise<number> {
  const now = new Date();
  // the lease outlives a send's timeout, so only a dead process's claims are taken over
  const leaseUntil = new Date(now.getTime() + 3 * ctx.services.config.NOTIFICATIONS_SEND_TIMEOUT_MS);
  const claimed = await write(ctx, { permission: 'system', tenant: 'service' }, (tx) =>
    claimDue(tx.em, now, leaseUntil, BATCH),
  );
  await Promise.all(claimed.map((d) => attempt(ctx, d)));
  return claimed.length;
}

/** Sweeps every `intervalMs` (0: never; tests call sweepDeliveries), at once again while a batch was full. */
export function startDeliverySweeper(
  kernel: Kernel,
  services: NotificationsServices,
  intervalMs: number,
): BackgroundTask {
  return startPeriodicTask({
    name: 'notification delivery sweep',
    intervalMs,
    logger: kernel.logger,
    run: () => sweepDeliveries(systemContext(kernel, services, 'delivery-sweeper')),
    // at once again while a batch was full
    nextDelay: (n) => (n >= BATCH ? 0 : intervalMs),
  });
}
