import { commonEnv, databaseEnv, env, loadConfig } from '@tradegraph/shared';

/** The notifications subgraph's environment (docs/notifications.md). */
export const notificationsEnv = {
  ...commonEnv,
  ...databaseEnv,
  PORT: env.int({ default: 4007, min: 0, max: 65535 }),
  HOST: env.string({ default: '0.0.0.0' }),
  INTERNAL_TOKEN_PUBLIC_KEY: env.string({ doc: "the router's Ed25519 public key (PEM or base64 PEM)" }),
  /** Where email goes: the local mail catcher of `npm start` by default. */
  SMTP_URL: env.string({
    default: 'smtp://127.0.0.1:2525',
    doc: 'nodemailer SMTP URL, e.g. smtps://user:pass@host:465',
  }),
  MAIL_FROM: env.string({ default: 'Tradegraph <no-reply@tradegraph.local>' }),
  /** Base of the links in emails (email verification, password reset, sign in). */
  NOTIFICATIONS_APP_URL: env.string({ default: 'http://localhost:4000' }),
  /** How often the delivery sweeper looks for due deliveries (0: never, for tests that drive it). */
  NOTIFICATIONS_SWEEP_INTERVAL_MS: env.int({ default: 500, min: 0, max: 600_000 }),
  /** Attempts of one delivery before it is recorded as permanently FAILED. */
  NOTIFICATIONS_MAX_ATTEMPTS: env.int({ default: 6, min: 1, max: 100 }),
  /** Backoff before the n-th retry: base × 2^(n-1), at most the max. */
  NOTIFICATIONS_RETRY_BASE_MS: env.int({ default: 5_000, min: 0, max: 3_600_000 }),
  NOTIFICATIONS_RETRY_MAX_MS: env.int({ default: 15 * 60_000, min: 0, max: 86_400_000 }),
  /** How long one send may take (SMTP, Slack) before it counts as a failed attempt. */
  NOTIFICATIONS_SEND_TIMEOUT_MS: env.int({ default: 10_000, min: 100, max: 120_000 }),
  /** LOW_STOCK threshold of an organisation that set none (units). */
  NOTIFICATIONS_LOW_STOCK_THRESHOLD: env.int({ default: 5, min: 0, max: 1_000_000 }),
  /**
   * Comma-separated URL prefixes a Slack webhook must start with: the service
   * POSTs to it, so an organisation must not point it at internal addresses.
   */
  NOTIFICATIONS_SLACK_WEBHOOK_PREFIXES: env.string({ default: 'https://hooks.slack.com/' }),
};

export type NotificationsConfig = ReturnType<typeof loadNotificationsConfig>;

export function loadNotificationsConfig(source: Record<string, string | undefined> = process.env) {
  return loadConfig(notificationsEnv, source);
}
