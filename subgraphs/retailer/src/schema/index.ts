import { loadSubgraphSdl } from '@tradegraph/shared';

/** The retailer subgraph's SDL: the common types plus this folder's files. */
export const sdl = loadSubgraphSdl(
  new URL('./', import.meta.url),
  ['errors.graphql', 'retailer.graphql', 'carts.graphql'],
  { cacheControl: true },
);
