import { loadSubgraphSdl } from '@tradegraph/shared';

/** The catalog subgraph's SDL: the common types plus this folder's files. */
export const sdl = loadSubgraphSdl(new URL('./', import.meta.url), ['catalog.graphql'], {
  cacheControl: true,
});
