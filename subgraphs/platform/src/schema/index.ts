import { loadSubgraphSdl } from '@tradegraph/shared';

/** The platform subgraph's SDL: the common types plus this folder's files. */
export const sdl = loadSubgraphSdl(new URL('./', import.meta.url), ['platform.graphql']);
