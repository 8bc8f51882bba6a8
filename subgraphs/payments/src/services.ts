import type { ServiceContext } from '@tradegraph/shared';
import type { PaymentsConfig } from './config.ts';
import type { PaymentProvider } from './providers/index.ts';

/** The service's long-lived collaborators, reached through `ctx.services`. */
export interface PaymentsServices {
  config: PaymentsConfig;
  /** Sandbox or Stripe Connect (providers/index.ts chooses by STRIPE_SECRET_KEY). */
  provider: PaymentProvider;
}

/** What every resolver and domain function of this subgraph receives (the kernel's context). */
export type PaymentsContext = ServiceContext<PaymentsServices>;
