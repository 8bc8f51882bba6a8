import { loadSubgraphSdl } from '@tradegraph/shared';

/** The orders subgraph's SDL: the common types plus this folder's files. */
export const sdl = loadSubgraphSdl(new URL('./', import.meta.url), [
  'orders.graphql',
  'subscriptions.graphql',
]);
