import { commonEnv, databaseEnv, env, loadConfig } from '@tradegraph/shared';

/**
 * The payments subgraph's environment (docs/payments.md). The split's basis
 * points are the same variables orders reads to refuse PRICE_BELOW_COST at
 * checkout: one name, one meaning, set once for both processes (and both
 * replace the platform fee by the retailer's plan fee once they know it).
 */
export const paymentsEnv = {
  ...commonEnv,
  ...databaseEnv,
  PORT: env.int({ default: 4006, min: 0, max: 65535 }),
  HOST: env.string({ default: '0.0.0.0' }),
  INTERNAL_TOKEN_PUBLIC_KEY: env.string({
    doc: "the router's Ed25519 public key (PEM or base64 PEM)",
  }),
  /** Brand commission in basis points of each line amount (500 = 5 %), floored to the minor unit. */
  PAYMENTS_BRAND_COMMISSION_BPS: env.int({ default: 500, min: 0, max: 10_000 }),
  /**
   * Platform fee in basis points of each line amount (300 = 3 %), floored to the minor unit, for a
   * retailer whose plan payments has not heard of yet: a retailer's plan fee arrives with
   * `platform.subscription.changed` (domain/platform-fees.ts) and replaces this for its splits.
   */
  PAYMENTS_PLATFORM_FEE_BPS: env.int({ default: 300, min: 0, max: 10_000 }),
  /**
   * How long the sandbox token `tok_timeout` makes the provider wait before it
   * authorises: longer than the saga's payment deadline (so the order fails
   * TIMEOUT and the late authorisation is voided), shorter than
   * EVENTS_HANDLER_TIMEOUT_MS (so the consumer's attempt is not abandoned).
   */
  PAYMENTS_SANDBOX_DELAY_MS: env.int({ default: 15_000, min: 0, max: 600_000 }),
  /** Currency of `ledgerBalance` for an organisation that has no ledger entry yet and names none. */
  PAYMENTS_DEFAULT_CURRENCY: env.string({ default: 'EUR' }),
  /** Set: payments go through Stripe Connect with this secret key. Unset: the built-in sandbox provider. */
  STRIPE_SECRET_KEY: env.string({ optional: true }),
  /** Signing secret of the Stripe webhook endpoint (`whsec_…`); unset: /webhooks/stripe answers 503. */
  STRIPE_WEBHOOK_SECRET: env.string({ optional: true }),
  /** Stripe API host, port and protocol: only tests point these at a local fake server. */
  STRIPE_API_HOST: env.string({ optional: true }),
  STRIPE_API_PORT: env.int({ optional: true, min: 1, max: 65535 }),
  STRIPE_API_PROTOCOL: env.oneOf(['http', 'https'] as const, { optional: true }),
};

export type PaymentsConfig = ReturnType<typeof loadPaymentsConfig>;

export function loadPaymentsConfig(source: Record<string, string | undefined> = process.env) {
  const config = loadConfig(paymentsEnv, source);
  if (config.PAYMENTS_BRAND_COMMISSION_BPS + config.PAYMENTS_PLATFORM_FEE_BPS > 10_000) {
    throw new Error('PAYMENTS_BRAND_COMMISSION_BPS + PAYMENTS_PLATFORM_FEE_BPS must not exceed 10000');
  }
  return config;
}
