/**
 * `npm run env:docker`: writes docker/.env, the one file of secrets docker/compose.yml reads
 * (and `kubectl create secret generic tradegraph --from-env-file=docker/.env` turns into the
 * Kubernetes Secret, see docs/deploy.md). Written by this process itself, so npm's banner never
 * ends up in it (`npm run keys:internal > docker/.env` captured "> tradegraph@… keys:internal").
 *
 *   npm run env:docker                      # docker/.env, refused if it exists
 *   npm run env:docker -- --force           # replace it (new secrets: see the warning below)
 *   npm run env:docker -- --out other.env   # elsewhere
 *
 * An existing file is kept unless --force: KEY_ENCRYPTION_SECRET seals identity's signing keys and
 * the DB passwords are baked into MySQL's accounts on its first start, so new values break both.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { discoverSubgraphs, repoRoot } from '@tradegraph/schema/subgraphs.ts';
import { generateInternalKeyPair } from '@tradegraph/shared';

/** Letters and digits only: safe in .env files, shell, SQL and URLs without quoting. */
const secret = (bytes = 24) => randomBytes(bytes).toString('hex');
const base64 = (pem: string) => Buffer.from(pem).toString('base64');

/** The password variable of a service's MySQL account (docker/mysql/init/10-service-users.sh). */
export function dbPasswordVariable(service: string): string {
  return `DB_PASSWORD_${service.toUpperCase()}`;
}

/** The lines of a fresh docker/.env, every secret newly generated. */
export function dockerEnvLines(services: string[] = discoverSubgraphs().map((s) => s.name)): string[] {
  const keys = generateInternalKeyPair();
  return [
    '# Secrets of the Tradegraph containers, made by `npm run env:docker`. Never commit or bake into an image.',
    'COMPOSE_PROJECT_NAME=tradegraph',
    '# MySQL: root (only the mysql container and the init script use it) and one account per service',
    `MYSQL_ROOT_PASSWORD=${secret()}`,
    ...services.map((s) => `${dbPasswordVariable(s)}=${secret()}`),
    '# mysqld-exporter (observability profile): server status only',
    `DB_PASSWORD_EXPORTER=${secret()}`,
    '# The router signs internal tokens with the private key; subgraphs verify them with the public one',
    `INTERNAL_TOKEN_PRIVATE_KEY=${base64(keys.privateKey)}`,
    `INTERNAL_TOKEN_PUBLIC_KEY=${base64(keys.publicKey)}`,
    '# identity seals its signing keys at rest with this; losing it means rotating every signing key',
    `KEY_ENCRYPTION_SECRET=${secret(32)}`,
    '# orders derives guest order-access tokens from this',
    `ORDERS_ACCESS_TOKEN_SECRET=${secret(32)}`,
    `GRAFANA_ADMIN_PASSWORD=${secret(12)}`,
    '# Optional profiles (docs/deploy.md): uncomment to run Kafka as the event transport and/or',
    '# Prometheus, Grafana, Loki and Promtail beside the services.',
    '# COMPOSE_PROFILES=kafka,observability',
    '# KAFKA_BROKERS=kafka:19092',
  ];
}

function main(): void {
  const { values } = parseArgs({
    options: { out: { type: 'string' }, force: { type: 'boolean', default: false } },
  });
  const out = resolve(process.env.INIT_CWD ?? process.cwd(), values.out ?? `${repoRoot}docker/.env`);
  if (existsSync(out) && !values.force) {
    console.error(
      `${out} exists; kept. Its KEY_ENCRYPTION_SECRET and DB passwords are in use once the stack has run.\n` +
        'Use --force to replace it (then also recreate the MySQL volume or ALTER USER the accounts).',
    );
    process.exit(1);
  }
  writeFileSync(out, `${dockerEnvLines().join('\n')}\n`, { mode: 0o600 });
  console.log(`wrote ${out} (mode 600): MySQL passwords, internal key pair, KEY_ENCRYPTION_SECRET`);
}

if (import.meta.url === `file://${process.argv[1]}`) main();
