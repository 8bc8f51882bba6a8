import { commonEnv, databaseEnv, env, loadConfig } from '@tradegraph/shared';

export const retailerEnv = {
  ...commonEnv,
  ...databaseEnv,
  PORT: env.int({ default: 4004, min: 0, max: 65535 }),
  HOST: env.string({ default: '0.0.0.0' }),
  INTERNAL_TOKEN_PUBLIC_KEY: env.string({ doc: "the router's Ed25519 public key (PEM or base64 PEM)" }),
  /** How long a slug → storefront lookup is cached in memory (writes in this process invalidate at once). */
  STOREFRONT_CACHE_TTL_MS: env.int({ default: 5_000, min: 0, max: 600_000 }),
  /** A cart expires after this many days without activity (creation, line changes). */
  CART_TTL_DAYS: env.int({ default: 30, min: 1, max: 365 }),
  /** How often expired carts are deleted from the tenant databases. */
  CART_PURGE_INTERVAL_MS: env.int({ default: 3_600_000, min: 1_000 }),
};

export type RetailerConfig = ReturnType<typeof loadRetailerConfig>;

export function loadRetailerConfig(source: Record<string, string | undefined> = process.env) {
  return loadConfig(retailerEnv, source);
}
