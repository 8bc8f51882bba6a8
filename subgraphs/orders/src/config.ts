import { commonEnv, databaseEnv, env, loadConfig } from '@tradegraph/shared';

export const ordersEnv = {
  ...commonEnv,
  ...databaseEnv,
  PORT: env.int({ default: 4005, min: 0, max: 65535 }),
  HOST: env.string({ default: '0.0.0.0' }),
  INTERNAL_TOKEN_PUBLIC_KEY: env.string({ doc: "the router's Ed25519 public key (PEM or base64 PEM)" }),
  ORDERS_RESERVATION_DEADLINE_MS: env.int({
    default: 10_000,
    min: 1,
    doc: 'how long suppliers have to answer a reservation request before the saga compensates',
  }),
  ORDERS_PAYMENT_DEADLINE_MS: env.int({
    default: 15_000,
    min: 1,
    doc: 'how long payments has to answer an authorisation request before the saga compensates',
  }),
  ORDERS_CAPTURE_DEADLINE_MS: env.int({
    default: 30_000,
    min: 1,
    doc: 'after this long without a capture answer the capture command is sent again',
  }),
  ORDERS_SAGA_SWEEP_INTERVAL_MS: env.int({
    default: 1_000,
    min: 0,
    doc: 'how often the deadline sweeper looks for overdue sagas (0: never, for tests that drive it)',
  }),
  ORDERS_ACCESS_TOKEN_SECRET: env.string({
    default: 'tradegraph-dev-order-access-secret',
    doc: 'HMAC secret guest order-access tokens are derived from (set a long random value in production)',
  }),
  ORDERS_LIVE_GROUP: env.string({
    default: 'orders-live',
    doc: "consumer group feeding this process's orderStatusChanged subscribers; give each orders process its own",
  }),
  ORDERS_LIVE_BUFFER_SIZE: env.int({
    default: 10_000,
    min: 0,
    doc: 'status changes kept so a reconnecting router receives what it missed',
  }),
  ORDERS_LIVE_BUFFER_MS: env.int({
    default: 300_000,
    min: 0,
    doc: 'how long a status change stays resumable',
  }),
  // The same names payments reads: both sides of the split use one setting (docs/orders.md, Money); the
  // platform fee is the default for a retailer whose plan (platform.subscription.changed) is not known yet.
  PAYMENTS_BRAND_COMMISSION_BPS: env.int({ default: 500, min: 0, max: 10_000 }),
  PAYMENTS_PLATFORM_FEE_BPS: env.int({ default: 300, min: 0, max: 10_000 }),
};

export type OrdersConfig = ReturnType<typeof loadOrdersConfig>;

export function loadOrdersConfig(source: Record<string, string | undefined> = process.env) {
  return loadConfig(ordersEnv, source);
}
