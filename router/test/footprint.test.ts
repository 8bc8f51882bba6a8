/**
 * The router process loads only what it uses: @tradegraph/shared's main entry
 * brings the ORM, the MySQL and Kafka drivers and the subgraph server, ~35 MiB
 * of resident memory the router never touches (docs/router.md), so the router
 * imports `@tradegraph/shared/edge`. This loads the router's modules in a fresh
 * process and lists every package it loaded.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const src = (p: string) => fileURLToPath(new URL(`../src/${p}`, import.meta.url));

/** Packages the router must not load (a value import of the main entry pulls them all). */
const UNUSED = ['@mikro-orm/', 'mysql2', 'kysely', 'kafkajs', '@apollo/subgraph', 'dataloader'];

function loadedBy(modules: string[]): string[] {
  const script = `
    import { registerHooks } from 'node:module';
    const urls = [];
    registerHooks({ load(url, context, next) { urls.push(url); return next(url, context); } });
    for (const m of ${JSON.stringify(modules)}) await import(m);
    process.stdout.write(JSON.stringify(urls));`;
  const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
    encoding: 'utf8',
    timeout: 60_000,
  });
  if (child.status !== 0) throw new Error(`loading the router failed: ${child.stderr}`);
  return JSON.parse(child.stdout) as string[];
}

describe('router footprint', () => {
  it('loads no ORM, database or event-bus driver and no subgraph server', () => {
    // main.ts's imports, without starting a router.
    const urls = loadedBy([src('router.ts'), src('config.ts'), src('cluster.ts'), src('supergraph.ts')]);
    expect(urls.some((u) => u.includes('/router/src/router.ts'))).toBe(true);
    expect(urls.some((u) => u.includes('/packages/shared/src/edge.ts'))).toBe(true);
    const unused = urls.filter((u) => UNUSED.some((name) => u.includes(`/node_modules/${name}`)));
    expect(unused).toEqual([]);
  });

  it('would see them loaded through the main entry (the check can fail)', () => {
    const urls = loadedBy(['@tradegraph/shared']);
    expect(urls.some((u) => u.includes('/node_modules/@mikro-orm/'))).toBe(true);
  });
});
