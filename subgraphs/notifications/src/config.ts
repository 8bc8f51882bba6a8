import { commonEnv, databaseEnv, env, loadConfig } from '@tradegraph/shared';

export const notificationsEnv = {
  ...commonEnv,
  ...databaseEnv,
  PORT: env.int({ default: 4007, min: 0, max: 65535 }),
  HOST: env.string({ default: '0.0.0.0' }),
  INTERNAL_TOKEN_PUBLIC_KEY: env.string({ doc: "the router's Ed25519 public key (PEM or base64 PEM)" }),
};

export type NotificationsConfig = ReturnType<typeof loadNotificationsConfig>;

export function loadNotificationsConfig(source: Record<string, string | undefined> = process.env) {
  return loadConfig(notificationsEnv, source);
}
