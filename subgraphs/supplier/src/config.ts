import { commonEnv, databaseEnv, env, loadConfig } from '@tradegraph/shared';

export const supplierEnv = {
  ...commonEnv,
  ...databaseEnv,
  PORT: env.int({ default: 4003, min: 0, max: 65535 }),
  HOST: env.string({ default: '0.0.0.0' }),
  INTERNAL_TOKEN_PUBLIC_KEY: env.string({ doc: "the router's Ed25519 public key (PEM or base64 PEM)" }),
  /** How often the process releases ACTIVE reservations past their expiry (0 disables the sweeper). */
  RESERVATION_SWEEP_INTERVAL_MS: env.int({ default: 5_000, min: 0, max: 3_600_000 }),
  /** Reservations released per sweep pass (the rest wait for the next pass). */
  RESERVATION_SWEEP_BATCH: env.int({ default: 200, min: 1, max: 10_000 }),
  /** Default and maximum life of a reservation. */
  RESERVATION_DEFAULT_TTL_SECONDS: env.int({ default: 900, min: 1 }),
  RESERVATION_MAX_TTL_SECONDS: env.int({ default: 604_800, min: 1 }),
  /** Attempts of an optimistic stock update before the caller gets STOCK_CONTENTION. */
  STOCK_UPDATE_MAX_ATTEMPTS: env.int({ default: 30, min: 1, max: 1000 }),
  /**
   * Life of the reservations the order saga makes (capped at RESERVATION_MAX_TTL_SECONDS). They must
   * outlive the whole saga up to shipping: the saga releases them itself on every failure, so the
   * expiry only frees stock of a saga that never ends. Default 7 days.
   */
  SUPPLIER_SAGA_RESERVATION_TTL_SECONDS: env.int({ default: 604_800, min: 60 }),
  /**
   * Test/chaos setting, never for production: delays the answer to each `orders.reservation.requested`
   * by this many milliseconds, so a test can watch the saga's deadline pass. Default 0.
   */
  SUPPLIER_FULFILLMENT_DELAY_MS: env.int({ default: 0, min: 0, max: 600_000 }),
};

export type SupplierConfig = ReturnType<typeof loadSupplierConfig>;

export function loadSupplierConfig(source: Record<string, string | undefined> = process.env) {
  return loadConfig(supplierEnv, source);
}
