/**
 * `npm run new:subgraph -- <name> [--port <port>] [--dir <root>] [--no-install]`
 * scaffolds a working subgraph from packages/runner/templates: subgraphs/<name>
 * (the kernel's shape: schema, resolvers, domain, store, entities, events,
 * migrations, config, services, service, main, tests) and its event contract
 * packages/contracts/src/<name>.ts, registered in the contracts index. Then it
 * links the workspace (`npm install`), generates the typed resolvers (codegen)
 * and recomposes the supergraph, so `npm start` runs it at once.
 *
 * `npm run new:subgraph -- --remove <name>` undoes it: the folder, the contract
 * and its export go, and the workspace is relinked and recomposed.
 *
 * Names: `demo-xyz` is the folder and package (`@tradegraph/demo-xyz`);
 * `demo_xyz` is the subgraph's name in the supergraph, its database, consumer
 * group and event domain (database names cannot hold `-`); `DemoXyz` prefixes
 * its GraphQL types so that two scaffolds never clash in the supergraph.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const templates = fileURLToPath(new URL('../templates/', import.meta.url));
const defaultRoot = fileURLToPath(new URL('../../../', import.meta.url));

export const NAME_PATTERN = /^[a-z][a-z0-9-]{1,30}$/;
/** Names taken by workspace packages, the contracts index, GraphQL's root types or generated folders. */
export const RESERVED_NAMES = new Set([
  'common',
  'contracts',
  'e2e',
  'events',
  'generated',
  'graphql',
  'index',
  'internal',
  'kernel',
  'mutation',
  'query',
  'router',
  'runner',
  'schema',
  'shared',
  'subscription',
  'supergraph',
  'test',
  'testing',
  'tradegraph',
]);
/** The first port handed out when no subgraph exists yet (the router listens on 4000). */
export const FIRST_PORT = 4001;

export interface SubgraphNames {
  /** Folder, package and file name: `demo-xyz`. */
  name: string;
  /** Name in the supergraph (internal-token audience), database, consumer group, event domain: `demo_xyz`. */
  service: string;
  /** Prefix of its GraphQL and TypeScript types: `DemoXyz`. */
  pascal: string;
  /** Prefix of its root fields and functions: `demoXyz`. */
  camel: string;
  /** Constant prefix: `DEMO_XYZ`. */
  constant: string;
}

export function namesOf(name: string): SubgraphNames {
  const words = name.split('-');
  const pascal = words.map((w) => w.charAt(0).toUpperCase() + w.slice(1)).join('');
  return {
    name,
    service: words.join('_'),
    pascal,
    camel: pascal.charAt(0).toLowerCase() + pascal.slice(1),
    constant: words.join('_').toUpperCase(),
  };
}

/** The subgraphs under `root`/subgraphs (folders whose package.json has a `tradegraph` block). */
export function existingSubgraphs(root: string): { folder: string; subgraph: string; port: number }[] {
  const base = join(root, 'subgraphs');
  if (!existsSync(base)) return [];
  return readdirSync(base, { withFileTypes: true }).flatMap((entry) => {
    const pkgPath = join(base, entry.name, 'package.json');
    if (!entry.isDirectory() || !existsSync(pkgPath)) return [];
    const pkg = JSON.parse(readFileSync(pkgPath, 'utf8')) as {
      tradegraph?: { subgraph: string; port: number };
    };
    return pkg.tradegraph ? [{ folder: entry.name, ...pkg.tradegraph }] : [];
  });
}

/** Why `name` cannot be scaffolded under `root`, or null when it can. */
export function nameProblem(name: string, root: string): string | null {
  if (!NAME_PATTERN.test(name)) {
    return `"${name}" is not a subgraph name: 2 to 31 characters, lower-case letters, digits and "-", starting with a letter`;
  }
  if (name.endsWith('-') || name.includes('--')) return `"${name}" must not end with "-" or contain "--"`;
  if (RESERVED_NAMES.has(name)) return `"${name}" is reserved`;
  if (existsSync(join(root, 'subgraphs', name))) return `subgraphs/${name} already exists`;
  const { service } = namesOf(name);
  if (existingSubgraphs(root).some((s) => s.subgraph === service)) {
    return `a subgraph named "${service}" already exists`;
  }
  if (existsSync(join(root, 'packages/contracts/src', `${name}.ts`))) {
    return `packages/contracts/src/${name}.ts already exists`;
  }
  return null;
}

/** The next port after the highest one a subgraph under `root` declares. */
export function nextPort(root: string): number {
  const ports = existingSubgraphs(root).map((s) => s.port);
  return ports.length ? Math.max(...ports) + 1 : FIRST_PORT;
}

function portProblem(port: number, root: string): string | null {
  if (!Number.isInteger(port) || port < 1024 || port > 65535) return `--port must be an integer 1024–65535`;
  const taken = existingSubgraphs(root).find((s) => s.port === port);
  return taken ? `port ${port} is already used by subgraphs/${taken.folder}` : null;
}

function render(text: string, n: SubgraphNames, port: number): string {
  return text
    .replaceAll('__name__', n.name)
    .replaceAll('__service__', n.service)
    .replaceAll('__Pascal__', n.pascal)
    .replaceAll('__camel__', n.camel)
    .replaceAll('__CONST__', n.constant)
    .replaceAll('__port__', String(port));
}

/** Copies the template tree to `target`, rendering names and contents and dropping the `.tpl` suffix. */
function renderTree(source: string, target: string, n: SubgraphNames, port: number): string[] {
  const written: string[] = [];
  for (const entry of readdirSync(source, { withFileTypes: true })) {
    const from = join(source, entry.name);
    const to = join(target, render(entry.name, n, port).replace(/\.tpl$/, ''));
    if (entry.isDirectory()) {
      written.push(...renderTree(from, to, n, port));
    } else {
      mkdirSync(target, { recursive: true });
      writeFileSync(to, render(readFileSync(from, 'utf8'), n, port));
      written.push(to);
    }
  }
  return written;
}

const contractsIndex = (root: string) => join(root, 'packages/contracts/src/index.ts');
const exportLine = (name: string) => `export * from './${name}.ts';`;

/** Adds the contract's export to the contracts index, keeping the exports sorted. */
function registerContract(root: string, name: string): void {
  const path = contractsIndex(root);
  const lines = readFileSync(path, 'utf8').trimEnd().split('\n');
  const exports = lines.filter((l) => l.startsWith('export * from '));
  const rest = lines.filter((l) => !l.startsWith('export * from '));
  const sorted = [...exports, exportLine(name)].sort();
  writeFileSync(path, `${[...rest, ...sorted].join('\n')}\n`);
}

function unregisterContract(root: string, name: string): void {
  const path = contractsIndex(root);
  const text = readFileSync(path, 'utf8');
  writeFileSync(path, text.replace(`${exportLine(name)}\n`, ''));
}

export interface ScaffoldOptions {
  name: string;
  root?: string;
  port?: number;
}

/** Writes the subgraph folder and its contract; returns what was written. Nothing is written on a refusal. */
export function scaffold(opts: ScaffoldOptions): {
  names: SubgraphNames;
  port: number;
  dir: string;
  contract: string;
  files: string[];
} {
  const root = resolve(opts.root ?? defaultRoot);
  const problem = nameProblem(opts.name, root);
  if (problem) throw new Error(problem);
  const port = opts.port ?? nextPort(root);
  const badPort = portProblem(port, root);
  if (badPort) throw new Error(badPort);
  const names = namesOf(opts.name);
  const dir = join(root, 'subgraphs', names.name);
  const contract = join(root, 'packages/contracts/src', `${names.name}.ts`);
  try {
    const files = renderTree(join(templates, 'subgraph'), dir, names, port);
    writeFileSync(contract, render(readFileSync(join(templates, 'contracts.ts.tpl'), 'utf8'), names, port));
    registerContract(root, names.name);
    return { names, port, dir, contract, files: [...files, contract] };
  } catch (err) {
    // a refusal or failure leaves nothing behind
    rmSync(dir, { recursive: true, force: true });
    rmSync(contract, { force: true });
    throw err;
  }
}

/** Deletes a scaffolded (or any) subgraph's folder, its contract file and its export. */
export function removeSubgraph(name: string, root = defaultRoot): string[] {
  if (!NAME_PATTERN.test(name) || RESERVED_NAMES.has(name))
    throw new Error(`"${name}" is not a subgraph name`);
  const removed: string[] = [];
  for (const path of [join(root, 'subgraphs', name), join(root, 'packages/contracts/src', `${name}.ts`)]) {
    if (existsSync(path)) {
      rmSync(path, { recursive: true, force: true });
      removed.push(path);
    }
  }
  unregisterContract(root, name);
  return removed;
}

/** Runs a step of the set-up in `root`, echoing it; throws when it fails. */
function step(root: string, label: string, command: string, args: string[]): void {
  console.log(`\n> ${label}`);
  const res = spawnSync(command, args, { cwd: root, stdio: 'inherit' });
  if (res.status !== 0) throw new Error(`${label} failed (exit ${res.status ?? res.signal})`);
}

/**
 * Formats what was written with the repository's biome (line breaks and import
 * order depend on the name's length), links the workspace, regenerates the
 * resolver types and recomposes the supergraph under `root`.
 */
function finishSetup(root: string, install: boolean, written: string[]): void {
  if (written.length) {
    step(root, 'biome (format the new files)', join(root, 'node_modules/.bin/biome'), [
      'check',
      '--write',
      ...written.map((path) => relative(root, path)),
    ]);
  }
  if (install) step(root, 'npm install (links the workspace)', 'npm', ['install', '--no-audit', '--no-fund']);
  if (!existingSubgraphs(root).length) return;
  step(root, 'codegen (typed resolvers)', process.execPath, [join(root, 'schema/codegen.ts')]);
  step(root, 'compose (supergraph)', process.execPath, [join(root, 'schema/compose.ts')]);
}

function parseArgs(argv: string[]) {
  const flags = new Map<string, string | true>();
  const positional: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--no-install') flags.set('no-install', true);
    else if (arg === '--remove') flags.set('remove', true);
    else if (arg === '--port' || arg === '--dir') {
      const value = argv[++i];
      if (value === undefined) throw new Error(`${arg} needs a value`);
      flags.set(arg.slice(2), value);
    } else if (arg.startsWith('--')) throw new Error(`unknown option ${arg}`);
    else positional.push(arg);
  }
  if (positional.length !== 1) throw new Error('give exactly one subgraph name');
  return { name: positional[0]!, flags };
}

const USAGE = `usage: npm run new:subgraph -- <name> [--port <port>] [--dir <repo root>] [--no-install]
       npm run new:subgraph -- --remove <name> [--dir <repo root>] [--no-install]`;

function main(argv: string[]): number {
  let args: ReturnType<typeof parseArgs>;
  try {
    args = parseArgs(argv);
  } catch (err) {
    console.error(`${(err as Error).message}\n${USAGE}`);
    return 2;
  }
  const { name, flags } = args;
  const dirFlag = flags.get('dir');
  const root = resolve(typeof dirFlag === 'string' ? dirFlag : defaultRoot);
  const install = !flags.has('no-install');
  try {
    if (flags.has('remove')) {
      const removed = removeSubgraph(name, root);
      for (const path of removed) console.log(`Removed ${relative(root, path)}`);
      finishSetup(root, install, []);
      console.log(`\n${name} is gone. Commit the deletions together with schema/supergraph.graphql.`);
      return 0;
    }
    const portFlag = flags.get('port');
    const { names, port, dir, contract, files } = scaffold({
      name,
      root,
      ...(typeof portFlag === 'string' ? { port: Number(portFlag) } : {}),
    });
    for (const file of files) console.log(`Created ${relative(root, file)}`);
    finishSetup(root, install, [dir, contract, contractsIndex(root)]);
    const at = relative(root, dir);
    console.log(`
Subgraph ${names.service} (${at}, port ${port}) is ready and composed into the supergraph.

Next steps:
  npm run typecheck -w @tradegraph/${names.name}
  npm test -w @tradegraph/${names.name}     (real MariaDB; unit test of the rule + integration tests)
  npm start                                (starts it with the others; try the query ${names.camel}Note
                                            and the mutation create${names.pascal}Note through the router)
  Then replace the example note with your domain: SDL in ${at}/src/schema/${names.name}.graphql,
  events in packages/contracts/src/${names.name}.ts; run \`npm run codegen && npm run compose\` after SDL edits,
  add the service to docker/compose.yml, and commit the folder, the contract, the contracts index,
  schema/supergraph.graphql and package-lock.json.
  Undo: npm run new:subgraph -- --remove ${names.name}`);
    return 0;
  } catch (err) {
    console.error(`new:subgraph: ${(err as Error).message}`);
    return 1;
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  process.exitCode = main(process.argv.slice(2));
}
