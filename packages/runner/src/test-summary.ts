/**
 * Sums the JSON results every package's vitest run wrote (.vitest-results.json)
 * into one closing line, `N passed, N failed, N skipped`, and fails when a
 * package that has tests wrote no results (so "no tests ran" cannot pass).
 */
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { repoRoot } from '@tradegraph/schema/subgraphs.ts';

/** Every workspace package (root `workspaces`, `dir/*` globs expanded) that has a `test` script. */
function testedPackages(): string[] {
  const root = JSON.parse(readFileSync(`${repoRoot}package.json`, 'utf8')) as { workspaces: string[] };
  const dirs = root.workspaces.flatMap((w) =>
    w.endsWith('/*')
      ? readdirSync(`${repoRoot}${w.slice(0, -2)}`, { withFileTypes: true })
          .filter((e) => e.isDirectory())
          .map((e) => `${w.slice(0, -2)}/${e.name}`)
      : [w],
  );
  return dirs.filter((dir) => {
    const file = `${repoRoot}${dir}/package.json`;
    if (!existsSync(file)) return false;
    const pkg = JSON.parse(readFileSync(file, 'utf8')) as { scripts?: Record<string, string> };
    return !!pkg.scripts?.test;
  });
}

const packages = testedPackages();
if (process.argv.includes('--clean')) {
  // Before a run: stale results must not count.
  for (const pkg of packages) rmSync(`${repoRoot}${pkg}/.vitest-results.json`, { force: true });
  process.exit(0);
}
let passed = 0;
let failed = 0;
let skipped = 0;
const missing: string[] = [];
for (const pkg of packages) {
  const file = `${repoRoot}${pkg}/.vitest-results.json`;
  if (!existsSync(file)) {
    missing.push(pkg);
    continue;
  }
  const r = JSON.parse(readFileSync(file, 'utf8')) as {
    numPassedTests: number;
    numFailedTests: number;
    numPendingTests: number;
    numTodoTests: number;
  };
  passed += r.numPassedTests;
  failed += r.numFailedTests;
  skipped += r.numPendingTests + r.numTodoTests;
  console.log(
    `${pkg.padEnd(24)} ${r.numPassedTests} passed, ${r.numFailedTests} failed, ${r.numPendingTests} skipped`,
  );
}
if (missing.length) console.log(`no results from: ${missing.join(', ')}`);
console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(failed > 0 || missing.length > 0 || passed === 0 ? 1 : 0);
