import { commonEnv, databaseEnv, env, loadConfig } from '@tradegraph/shared';

export const platformEnv = {
  ...commonEnv,
  ...databaseEnv,
  PORT: env.int({ default: 4008, min: 0, max: 65535 }),
  HOST: env.string({ default: '0.0.0.0' }),
  INTERNAL_TOKEN_PUBLIC_KEY: env.string({ doc: "the router's Ed25519 public key (PEM or base64 PEM)" }),
  PLATFORM_INVOICE_INTERVAL_MS: env.int({
    default: 3_600_000,
    min: 0,
    doc: 'how often the scheduler issues the previous month’s missing invoices (0: never; `npm run platform -- invoice` does it by hand)',
  }),
};

export type PlatformConfig = ReturnType<typeof loadPlatformConfig>;

export function loadPlatformConfig(source: Record<string, string | undefined> = process.env) {
  return loadConfig(platformEnv, source);
}
