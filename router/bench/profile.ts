/**
 * Summarises a V8 .cpuprofile (from BENCH_CPU_PROF): self time by package and
 * by function, and inclusive time of the functions named on the command line.
 *
 * `node router/bench/profile.ts <file.cpuprofile> [top=25] [inclusive function names…]`
 */
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

const [file, topArg, ...inclusiveNames] = process.argv.slice(2);
if (!file) {
  console.error('usage: node router/bench/profile.ts <file.cpuprofile> [top] [function names…]');
  process.exit(2);
}
const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
const top = Number(topArg ?? 25);
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const self = new Map<number, number>();
let total = 0;
profile.samples.forEach((id, i) => {
  const dt = profile.timeDeltas[i] ?? 0;
  self.set(id, (self.get(id) ?? 0) + dt);
  total += dt;
});

function packageOf(url: string): string {
  if (!url) return '(native/vm)';
  const nm = url.lastIndexOf('node_modules/');
  if (nm >= 0) {
    const rest = url.slice(nm + 13).split('/');
    return rest[0]!.startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0]!;
  }
  if (url.startsWith('node:')) return 'node:internal';
  const m = /\/work\/[^/]+\/(.*)$/.exec(url);
  return m ? m[1]!.split('/').slice(0, 2).join('/') : url;
}

const pct = (us: number) => `${((100 * us) / total).toFixed(1).padStart(5)}%`;
const byPackage = new Map<string, number>();
const byFunction = new Map<string, number>();
for (const [id, us] of self) {
  const { callFrame: f } = byId.get(id)!;
  const pkg = packageOf(f.url);
  byPackage.set(pkg, (byPackage.get(pkg) ?? 0) + us);
  const key = `${f.functionName || '(anonymous)'}  ${pkg}:${f.lineNumber + 1}`;
  byFunction.set(key, (byFunction.get(key) ?? 0) + us);
}
const sorted = (m: Map<string, number>) => [...m].sort((a, b) => b[1] - a[1]).slice(0, top);
console.log(`total ${(total / 1e6).toFixed(1)} s sampled`);
console.log('\nself time by package');
for (const [k, v] of sorted(byPackage)) console.log(`${pct(v)}  ${k}`);
console.log('\nself time by function');
for (const [k, v] of sorted(byFunction)) console.log(`${pct(v)}  ${k}`);

if (inclusiveNames.length) {
  // Inclusive time: samples whose stack contains the function (counted once per sample).
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const inclusive = new Map<string, number>(inclusiveNames.map((n) => [n, 0]));
  profile.samples.forEach((id, i) => {
    const seen = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const name = byId.get(at)!.callFrame.functionName;
      if (inclusive.has(name) && !seen.has(name)) {
        seen.add(name);
        inclusive.set(name, inclusive.get(name)! + (profile.timeDeltas[i] ?? 0));
      }
    }
  });
  console.log('\ninclusive time');
  for (const [k, v] of inclusive) console.log(`${pct(v)}  ${k}`);
}
