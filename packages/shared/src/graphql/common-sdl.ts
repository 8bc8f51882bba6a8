import { readFileSync } from 'node:fs';

/**
 * SDL every subgraph includes: scalars and the value types shared across the
 * supergraph (marked @shareable so each subgraph may return them).
 */
export const COMMON_SDL = readFileSync(new URL('./common.graphql', import.meta.url), 'utf8');

/**
 * The `@cacheControl` directive (composed into the supergraph, read by the
 * router's entity cache). A subgraph that marks fields with it includes this
 * and imports `@composeDirective` from the federation spec.
 */
export const CACHE_CONTROL_SDL = readFileSync(new URL('./cache-control.graphql', import.meta.url), 'utf8');

/**
 * Reads a subgraph's SDL files (relative to `base`) and prepends the common SDL
 * (and CACHE_CONTROL_SDL with `cacheControl`).
 */
export function loadSubgraphSdl(base: URL, files: string[], opts: { cacheControl?: boolean } = {}): string {
  const common = opts.cacheControl ? [COMMON_SDL, CACHE_CONTROL_SDL] : [COMMON_SDL];
  return [...common, ...files.map((f) => readFileSync(new URL(f, base), 'utf8'))].join('\n');
}
