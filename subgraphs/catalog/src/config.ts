import { commonEnv, databaseEnv, env, loadConfig } from '@tradegraph/shared';

export const catalogEnv = {
  ...commonEnv,
  ...databaseEnv,
  PORT: env.int({ default: 4002, min: 0, max: 65535 }),
  HOST: env.string({ default: '0.0.0.0' }),
  INTERNAL_TOKEN_PUBLIC_KEY: env.string({ doc: "the router's Ed25519 public key (PEM or base64 PEM)" }),
  /**
   * Most brand databases one `products` query may read (one query per brand,
   * merged). A viewer who may see more brands narrows with `filter.brandIds`.
   */
  CATALOG_MAX_BRANDS_PER_QUERY: env.int({ default: 25, min: 1, max: 200 }),
};

export type CatalogConfig = ReturnType<typeof loadCatalogConfig>;

export function loadCatalogConfig(source: Record<string, string | undefined> = process.env) {
  return loadConfig(catalogEnv, source);
}
