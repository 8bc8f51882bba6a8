import { loadSubgraphSdl } from '@tradegraph/shared';

/** The __name__ subgraph's SDL: the common types plus this folder's files. */
export const sdl = loadSubgraphSdl(new URL('./', import.meta.url), ['__name__.graphql']);
