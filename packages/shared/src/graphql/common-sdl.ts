import { readFileSync } from 'node:fs';

/**
 * SDL every subgraph includes: scalars and the value types shared across the
 * supergraph (marked @shareable so each subgraph may return them).
 */
export const COMMON_SDL = readFileSync(new URL('./common.graphql', import.meta.url), 'utf8');

/** Reads a subgraph's SDL files (relative to `base`) and prepends the common SDL. */
export function loadSubgraphSdl(base: URL, files: string[]): string {
  return [COMMON_SDL, ...files.map((f) => readFileSync(new URL(f, base), 'utf8'))].join('\n');
}
