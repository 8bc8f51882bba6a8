import { loadSubgraphSdl } from '@tradegraph/shared';

/** The identity subgraph's SDL: the common types plus this folder's files. */
export const sdl = loadSubgraphSdl(
  new URL('./', import.meta.url),
  [
    'identity.graphql',
    'errors.graphql',
    'members.graphql',
    'connections.graphql',
    'api-keys.graphql',
    'account.graphql',
  ],
  { cacheControl: true },
);
