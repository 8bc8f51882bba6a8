import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * Every folder under subgraphs/ whose package.json has a `tradegraph` block is
 * a subgraph: `{ "subgraph": "<name>", "port": <default port> }`, with its SDL
 * exported as `sdl` from src/schema/index.ts. Adding a subgraph is adding a folder.
 */
export interface SubgraphInfo {
  name: string;
  port: number;
  dir: string;
  packageName: string;
}

export const repoRoot = fileURLToPath(new URL('..', import.meta.url));

/** The subgraphs of this checkout, or of another one at `root` (ending in `/`; a benchmark's baseline). */
export function discoverSubgraphs(root = repoRoot): SubgraphInfo[] {
  const base = `${root}subgraphs`;
  const found: SubgraphInfo[] = [];
  for (const entry of readdirSync(base, { withFileTypes: true })) {
    if (!entry.isDirectory()) continue;
    const pkgPath = `${base}/${entry.name}/package.json`;
    if (!existsSync(pkgPath)) continue;
    const pkg = JSON.parse(readFileSync(pkgPath, 'utf8')) as {
      name: string;
      tradegraph?: { subgraph: string; port: number };
    };
    if (!pkg.tradegraph) continue;
    found.push({
      name: pkg.tradegraph.subgraph,
      port: pkg.tradegraph.port,
      dir: `${base}/${entry.name}`,
      packageName: pkg.name,
    });
  }
  return found.sort((a, b) => a.port - b.port);
}

export async function loadSdl(sub: SubgraphInfo): Promise<string> {
  const mod = (await import(`${sub.dir}/src/schema/index.ts`)) as { sdl: string };
  return mod.sdl;
}
