import { commonEnv, databaseEnv, env, loadConfig } from '@tradegraph/shared';

export const __camel__Env = {
  ...commonEnv,
  ...databaseEnv,
  PORT: env.int({ default: __port__, min: 0, max: 65535 }),
  HOST: env.string({ default: '0.0.0.0' }),
  INTERNAL_TOKEN_PUBLIC_KEY: env.string({ doc: "the router's Ed25519 public key (PEM or base64 PEM)" }),
};

export type __Pascal__Config = ReturnType<typeof load__Pascal__Config>;

export function load__Pascal__Config(source: Record<string, string | undefined> = process.env) {
  return loadConfig(__camel__Env, source);
}
