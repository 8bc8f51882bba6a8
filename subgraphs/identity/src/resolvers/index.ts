import { scalarResolvers } from '@tradegraph/shared';
import { apiKeyMutations, apiKeyQueries } from './api-keys.ts';
import { connectionMutations, connectionQueries, connectionTypes } from './connections.ts';
import { memberMutations, memberQueries, memberTypes } from './members.ts';
import { organizationMutations, organizationQueries, organizationTypes } from './organizations.ts';
import { sessionMutations } from './session.ts';

export const resolvers = {
  ...scalarResolvers,
  Query: { ...organizationQueries, ...memberQueries, ...connectionQueries, ...apiKeyQueries },
  Mutation: {
    ...sessionMutations,
    ...organizationMutations,
    ...memberMutations,
    ...connectionMutations,
    ...apiKeyMutations,
  },
  ...organizationTypes,
  ...memberTypes,
  ...connectionTypes,
};
