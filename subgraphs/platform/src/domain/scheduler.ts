import { type Kernel, systemContext, write } from '@tradegraph/shared';
import type { BackgroundTask } from '@tradegraph/shared/service';
import type { PlatformServices } from '../services.ts';
import { issueInvoices, previousMonth } from './billing.ts';

/**
 * Issues the previous month's missing invoices at start and then every
 * `intervalMs` (0: never). Idempotent, so several instances or a restart
 * mid-run issue each invoice once.
 */
export function startInvoiceScheduler(
  kernel: Kernel,
  services: PlatformServices,
  intervalMs: number,
): BackgroundTask {
  if (intervalMs <= 0) return { stop: async () => {} };
  let running: Promise<void> = Promise.resolve();
  const tick = () => {
    running = running.then(async () => {
      const now = new Date();
      try {
        const issued = await write(
          systemContext(kernel, services, 'invoice-scheduler'),
          { permission: 'system', tenant: 'service' },
          (tx) => issueInvoices(tx, previousMonth(now), now),
        );
        if (issued) kernel.logger.info({ issued, month: previousMonth(now) }, 'platform: invoices issued');
      } catch (err) {
        kernel.logger.error({ err }, 'platform: issuing invoices failed; retried at the next tick');
      }
    });
  };
  const first = setTimeout(tick, 0);
  const timer = setInterval(tick, intervalMs);
  return {
    async stop() {
      clearTimeout(first);
      clearInterval(timer);
      await running;
    },
  };
}
