import {
  commonEnv,
  DEFAULT_ACCESS_TOKEN_AUDIENCE,
  DEFAULT_ACCESS_TOKEN_ISSUER,
  databaseEnv,
  env,
  loadConfig,
} from '@tradegraph/shared';

export const identityEnv = {
  ...commonEnv,
  ...databaseEnv,
  PORT: env.int({ default: 4001, min: 0, max: 65535 }),
  HOST: env.string({ default: '0.0.0.0' }),
  INTERNAL_TOKEN_PUBLIC_KEY: env.string({ doc: "the router's Ed25519 public key (PEM or base64 PEM)" }),
  ACCESS_TOKEN_ISSUER: env.string({ default: DEFAULT_ACCESS_TOKEN_ISSUER }),
  ACCESS_TOKEN_AUDIENCE: env.string({ default: DEFAULT_ACCESS_TOKEN_AUDIENCE }),
  ACCESS_TOKEN_TTL_SECONDS: env.int({ default: 900, min: 60, max: 86_400 }),
  REFRESH_TOKEN_TTL_SECONDS: env.int({ default: 1_209_600, min: 300 }),
  /** Absolute life of a refresh-token family: after it, the user signs in again. */
  SESSION_MAX_AGE_SECONDS: env.int({ default: 2_592_000, min: 300 }),
  INVITATION_TTL_SECONDS: env.int({ default: 604_800, min: 60 }),
  /** Failed sign-ins per (account, source IP) within the window before each further one adds a delay. */
  LOGIN_MAX_FAILURES: env.int({ default: 5, min: 1 }),
  LOGIN_WINDOW_SECONDS: env.int({ default: 900, min: 1 }),
  /** First delay after LOGIN_MAX_FAILURES, doubled by each further failure, at most LOGIN_LOCK_SECONDS. */
  LOGIN_DELAY_SECONDS: env.int({ default: 1, min: 1 }),
  /** Longest delay per (account, IP), and how long a source IP over LOGIN_IP_MAX_FAILURES is refused. */
  LOGIN_LOCK_SECONDS: env.int({ default: 900, min: 1 }),
  /** Failed sign-ins from one source IP across all accounts within the window before that IP is refused. */
  LOGIN_IP_MAX_FAILURES: env.int({ default: 50, min: 1 }),
  /** Life of an email-verification token (sign-up, registration, email change). */
  EMAIL_VERIFICATION_TTL_SECONDS: env.int({ default: 172_800, min: 60 }),
  /** Life of a password-reset token; short, since it is as good as the password. */
  PASSWORD_RESET_TTL_SECONDS: env.int({ default: 3_600, min: 60, max: 86_400 }),
  /**
   * Accounts created by signUp / registerCustomer start verified and no
   * verification is mailed. For the local demo only (npm start sets it);
   * refused when NODE_ENV=production.
   */
  IDENTITY_AUTO_VERIFY_EMAILS: env.bool({ default: false }),
  /** Life of an API key created without an expiry. */
  API_KEY_DEFAULT_TTL_DAYS: env.int({ default: 90, min: 1, max: 3650 }),
  /** Shared with the router: revocations are published there (pub/sub and a sorted set) when set. */
  REDIS_URL: env.string({ optional: true }),
  /** How often identity reads new revocations from its database for the feed and Redis (its own are read at commit; this finds other identity processes'). */
  REVOCATION_POLL_MS: env.int({ default: 250, min: 10, max: 5000 }),
  /** Seals signing keys at rest (AES-256-GCM); required in production. */
  KEY_ENCRYPTION_SECRET: env.string({ optional: true }),
  /** argon2id cost; defaults are OWASP's minimum for argon2id (19 MiB, 2 passes, 1 lane). */
  ARGON2_MEMORY_KIB: env.int({ default: 19_456, min: 8_192 }),
  ARGON2_ITERATIONS: env.int({ default: 2, min: 1 }),
  /** Bootstraps the platform operator's first administrator (idempotent). */
  PLATFORM_ADMIN_EMAIL: env.string({ optional: true }),
  PLATFORM_ADMIN_PASSWORD: env.string({ optional: true }),
  PLATFORM_ADMIN_NAME: env.string({ default: 'Platform Admin' }),
  PLATFORM_ORG_NAME: env.string({ default: 'Tradegraph Platform' }),
};

export type IdentityConfig = ReturnType<typeof loadIdentityConfig>;

export function loadIdentityConfig(source: Record<string, string | undefined> = process.env) {
  const config = loadConfig(identityEnv, source);
  if (config.NODE_ENV === 'production' && !config.KEY_ENCRYPTION_SECRET) {
    throw new Error(
      'Invalid configuration:\n  - KEY_ENCRYPTION_SECRET is required in production (it seals signing keys at rest)',
    );
  }
  if (config.NODE_ENV === 'production' && config.IDENTITY_AUTO_VERIFY_EMAILS) {
    throw new Error(
      'Invalid configuration:\n  - IDENTITY_AUTO_VERIFY_EMAILS is for local demos and refused in production (every account must prove its email)',
    );
  }
  return config;
}
