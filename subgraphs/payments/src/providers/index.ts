import type { PaymentsConfig } from '../config.ts';
import type { PaymentProvider } from './provider.ts';
import { sandboxProvider } from './sandbox.ts';
import { stripeProvider } from './stripe.ts';

export type { PaymentProvider } from './provider.ts';

/** Stripe Connect when STRIPE_SECRET_KEY is set, the built-in sandbox otherwise (docs/payments.md). */
export function providerFor(config: PaymentsConfig): PaymentProvider {
  if (config.STRIPE_SECRET_KEY) {
    return stripeProvider({
      secretKey: config.STRIPE_SECRET_KEY,
      host: config.STRIPE_API_HOST,
      port: config.STRIPE_API_PORT,
      protocol: config.STRIPE_API_PROTOCOL,
    });
  }
  return sandboxProvider({ delayMs: config.PAYMENTS_SANDBOX_DELAY_MS });
}
