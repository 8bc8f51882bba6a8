import { loadSubgraphSdl } from '@tradegraph/shared';

/** The supplier subgraph's SDL: the common types plus this folder's files. */
export const sdl = loadSubgraphSdl(
  new URL('./', import.meta.url),
  [
    'federation.graphql',
    'errors.graphql',
    'warehouses.graphql',
    'offers.graphql',
    'inventory.graphql',
    'reservations.graphql',
    'fulfillment.graphql',
  ],
  { cacheControl: true },
);
