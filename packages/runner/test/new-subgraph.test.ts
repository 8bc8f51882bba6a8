import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { graphqlRequest, newId } from '@tradegraph/shared';
import { dropTestDatabases, testDatabaseConfig, testInternalKeys } from '@tradegraph/shared/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { FIRST_PORT, nameProblem, namesOf, nextPort } from '../src/new-subgraph.ts';

const repo = fileURLToPath(new URL('../../../', import.meta.url));
const cli = join(repo, 'packages/runner/src/new-subgraph.ts');
const bin = (name: string) => join(repo, 'node_modules/.bin', name);

const roots: string[] = [];
afterAll(() => {
  for (const root of roots) rmSync(root, { recursive: true, force: true });
});

/** An empty repository root under the system temp directory (removed after the tests). */
function emptyRoot(): string {
  const root = mkdtempSync(join(tmpdir(), 'tg-new-subgraph-'));
  roots.push(root);
  mkdirSync(join(root, 'subgraphs'));
  return root;
}

function fakeSubgraph(root: string, folder: string, subgraph: string, port: number): void {
  mkdirSync(join(root, 'subgraphs', folder), { recursive: true });
  writeFileSync(
    join(root, 'subgraphs', folder, 'package.json'),
    JSON.stringify({ name: `@tradegraph/${folder}`, tradegraph: { subgraph, port } }),
  );
}

/**
 * A workspace to scaffold into, outside the repository: copies of the files
 * the generator changes or runs (contracts, schema scripts, root configs) and
 * a node_modules whose entries link to the repository's, except the
 * contracts package, which is the copy (so the new contract is seen there
 * and never in the repository).
 */
function tempWorkspace(): string {
  const root = emptyRoot();
  for (const file of ['package.json', 'tsconfig.base.json', 'vitest.shared.ts', 'biome.json', '.gitignore']) {
    cpSync(join(repo, file), join(root, file));
  }
  for (const file of ['package.json', 'tsconfig.json', 'src']) {
    cpSync(join(repo, 'packages/contracts', file), join(root, 'packages/contracts', file), {
      recursive: true,
    });
  }
  for (const file of ['package.json', 'codegen.ts', 'compose.ts', 'subgraphs.ts']) {
    cpSync(join(repo, 'schema', file), join(root, 'schema', file));
  }
  const modules = join(root, 'node_modules');
  mkdirSync(join(modules, '@tradegraph'), { recursive: true });
  for (const entry of readdirSync(join(repo, 'node_modules'))) {
    if (entry !== '@tradegraph') symlinkSync(join(repo, 'node_modules', entry), join(modules, entry));
  }
  for (const pkg of ['shared', 'testing']) {
    symlinkSync(join(repo, 'packages', pkg), join(modules, '@tradegraph', pkg));
  }
  symlinkSync(join(root, 'packages/contracts'), join(modules, '@tradegraph/contracts'));
  symlinkSync(join(root, 'schema'), join(modules, '@tradegraph/schema'));
  return root;
}

function run(command: string, args: string[], cwd: string) {
  const res = spawnSync(command, args, { cwd, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
  return { status: res.status, output: `${res.stdout}${res.stderr}` };
}

/**
 * The port a subgraph started on PORT=0 reports in its "listening" log line (JSON on stdout).
 * A port reserved and released before the spawn could be taken by another socket meanwhile.
 */
function listeningPort(child: ChildProcess, timeoutMs = 60_000): Promise<number> {
  return new Promise((resolve, reject) => {
    let buffered = '';
    const timer = setTimeout(
      () => reject(new Error(`no "listening" line within ${timeoutMs} ms`)),
      timeoutMs,
    );
    const onExit = (code: number | null) => {
      clearTimeout(timer);
      reject(new Error(`the subgraph exited with code ${code} before listening`));
    };
    child.once('exit', onExit);
    child.stdout!.on('data', (chunk: Buffer) => {
      buffered += chunk.toString('utf8');
      const lines = buffered.split('\n');
      buffered = lines.pop()!;
      for (const line of lines) {
        const entry = line.startsWith('{') ? (JSON.parse(line) as { msg?: string; port?: number }) : {};
        if (entry.msg?.endsWith('subgraph listening') && entry.port) {
          clearTimeout(timer);
          child.off('exit', onExit);
          resolve(entry.port);
        }
      }
    });
  });
}

async function untilReady(url: string, child: ChildProcess, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`the subgraph exited with code ${child.exitCode}`);
    try {
      if ((await fetch(url)).status === 200) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${url} was not ready within ${timeoutMs} ms`);
}

describe('names and ports', () => {
  it('derives the folder, supergraph, type and constant names', () => {
    expect(namesOf('demo-xyz')).toEqual({
      name: 'demo-xyz',
      service: 'demo_xyz',
      pascal: 'DemoXyz',
      camel: 'demoXyz',
      constant: 'DEMO_XYZ',
    });
  });

  it('refuses malformed, reserved and existing names', () => {
    const root = emptyRoot();
    fakeSubgraph(root, 'orders', 'orders', 4005);
    expect(nameProblem('ok-name', root)).toBeNull();
    for (const bad of [
      'x',
      'Upper',
      '1abc',
      'under_score',
      'with space',
      'a'.repeat(32),
      'trailing-',
      'dou--ble',
    ]) {
      expect(nameProblem(bad, root), bad).not.toBeNull();
    }
    expect(nameProblem('shared', root)).toMatch(/reserved/);
    expect(nameProblem('contracts', root)).toMatch(/reserved/);
    expect(nameProblem('orders', root)).toMatch(/already exists/);
  });

  it('takes the port after the highest one a subgraph declares', () => {
    const root = emptyRoot();
    expect(nextPort(root)).toBe(FIRST_PORT);
    fakeSubgraph(root, 'a', 'a', 4003);
    fakeSubgraph(root, 'b', 'b', 4010);
    expect(nextPort(root)).toBe(4011);
  });

  it('writes nothing when it refuses', () => {
    const root = emptyRoot();
    fakeSubgraph(root, 'orders', 'orders', 4005);
    const taken = run(bin('node'), [cli, 'billing', '--dir', root, '--no-install', '--port', '4005'], root);
    expect(taken.status).not.toBe(0);
    expect(taken.output).toMatch(/port 4005 is already used by subgraphs\/orders/);
    const reserved = run(bin('node'), [cli, 'testing', '--dir', root, '--no-install'], root);
    expect(reserved.status).not.toBe(0);
    expect(readdirSync(join(root, 'subgraphs'))).toEqual(['orders']);
  });
});

describe('npm run new:subgraph', () => {
  it('scaffolds a subgraph that typechecks, passes its tests, starts and serves its API', async () => {
    const root = tempWorkspace();
    const name = `demo-${Math.random().toString(36).slice(2, 8)}`;
    const names = namesOf(name);
    const dir = join(root, 'subgraphs', name);

    const scaffolded = run(bin('node'), [cli, name, '--dir', root, '--no-install'], root);
    expect(scaffolded.output).toContain('composed into the supergraph');
    expect(scaffolded.status).toBe(0);

    // the brief's shape, the contract registered, the resolvers generated, the supergraph composed
    for (const path of [
      'package.json',
      'tsconfig.json',
      'vitest.config.ts',
      'codegen.config.ts',
      `src/schema/${name}.graphql`,
      'src/schema/index.ts',
      'src/resolvers/index.ts',
      'src/domain/notes.ts',
      'src/domain/notes.test.ts',
      'src/store/notes.ts',
      'src/entities/index.ts',
      'src/events/consumers.ts',
      'src/migrations/0001-init.ts',
      'src/config.ts',
      'src/services.ts',
      'src/service.ts',
      'src/main.ts',
      'src/generated/resolvers.ts',
      'test/harness.ts',
    ]) {
      expect(existsSync(join(dir, path)), path).toBe(true);
    }
    const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
    expect(pkg.tradegraph).toEqual({ subgraph: names.service, port: FIRST_PORT });
    expect(readFileSync(join(root, 'packages/contracts/src/index.ts'), 'utf8')).toContain(
      `export * from './${name}.ts';`,
    );
    const supergraph = readFileSync(join(root, 'schema/supergraph.graphql'), 'utf8');
    expect(supergraph).toContain(`create${names.pascal}Note(`);
    expect(supergraph).toContain(`${names.camel}Note(`);
    expect(existsSync(join(repo, 'subgraphs', name))).toBe(false);

    const lint = run(bin('biome'), ['check', `subgraphs/${name}`, `packages/contracts/src/${name}.ts`], root);
    expect(lint.status, lint.output).toBe(0);
    const typecheck = run(bin('tsc'), ['-p', '.', '--noEmit'], dir);
    expect(typecheck.status, typecheck.output).toBe(0);
    const tests = run(bin('vitest'), ['run'], dir);
    // the colocated unit test of the rule and the integration test against MariaDB
    expect(tests.output).toMatch(/Test Files\s+2 passed \(2\)/);
    expect(tests.status, tests.output).toBe(0);

    // started as `npm start` starts it: its main.ts as a process
    const db = testDatabaseConfig();
    const keys = testInternalKeys();
    const child = spawn(bin('node'), [join(dir, 'src/main.ts')], {
      env: {
        ...process.env,
        ...Object.fromEntries(Object.entries(db).map(([k, v]) => [k, String(v)])),
        PORT: '0',
        HOST: '127.0.0.1',
        INTERNAL_TOKEN_PUBLIC_KEY: keys.publicKey,
        LOG_LEVEL: 'info',
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const exited = new Promise((resolve) => child.once('exit', resolve));
    try {
      const port = await listeningPort(child);
      const origin = `http://127.0.0.1:${port}`;
      await untilReady(`${origin}/ready`, child);
      expect((await fetch(`${origin}/health`)).status).toBe(200);
      const metrics = await fetch(`${origin}/metrics`);
      expect(metrics.status).toBe(200);
      expect(await metrics.text()).toMatch(/^# HELP /m);

      const organizationId = newId('org');
      const principal = {
        kind: 'user' as const,
        userId: newId('usr'),
        organizationId,
        organizationKind: 'BRAND' as const,
        role: 'OWNER' as const,
        permissions: ['org:read' as const, 'org:manage' as const],
      };
      const headers = { 'x-tradegraph-internal-token': await keys.sign(names.service, principal) };
      type Created = { note: { id: string; organizationId: string }; userErrors: unknown[] };
      const created = await graphqlRequest<Record<string, Created>>(
        `${origin}/graphql`,
        `mutation { create${names.pascal}Note(input: { title: "From the process" }) { note { id organizationId } userErrors { code } } }`,
        {},
        { headers },
      );
      const payload = created.data![`create${names.pascal}Note`]!;
      expect(payload.userErrors).toEqual([]);
      expect(payload.note.organizationId).toBe(organizationId);
      const read = await graphqlRequest<Record<string, { title: string } | null>>(
        `${origin}/graphql`,
        `query ($id: ID!) { ${names.camel}Note(id: $id) { title } }`,
        { id: payload.note.id },
        { headers },
      );
      expect(read.data![`${names.camel}Note`]).toEqual({ title: 'From the process' });
      const anonymous = await fetch(`${origin}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: '{ __typename }' }),
      });
      expect(anonymous.status).toBe(401);
    } finally {
      child.kill('SIGTERM');
      await exited;
      await dropTestDatabases(db);
    }

    // and it goes away cleanly
    const removed = run(bin('node'), [cli, '--remove', name, '--dir', root, '--no-install'], root);
    expect(removed.status).toBe(0);
    expect(existsSync(dir)).toBe(false);
    expect(existsSync(join(root, 'packages/contracts/src', `${name}.ts`))).toBe(false);
    expect(readFileSync(join(root, 'packages/contracts/src/index.ts'), 'utf8')).not.toContain(name);
  });
});
