import { type Kernel, startPeriodicTask, systemContext, write } from '@tradegraph/shared';
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
  return startPeriodicTask({
    name: 'platform: issuing invoices',
    intervalMs,
    immediately: true,
    logger: kernel.logger,
    run: async () => {
      const now = new Date();
      const issued = await write(
        systemContext(kernel, services, 'invoice-scheduler'),
        { permission: 'system', tenant: 'service' },
        (tx) => issueInvoices(tx, previousMonth(now), now),
      );
      if (issued) kernel.logger.info({ issued, month: previousMonth(now) }, 'platform: invoices issued');
    },
  });
}
