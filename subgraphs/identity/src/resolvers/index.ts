import { scalarResolvers } from '@tradegraph/shared';
import type { Resolvers } from '../generated/resolvers.ts';
import { accountMutations } from './account.ts';
import { apiKeyMutations, apiKeyQueries, apiKeyResolvers } from './api-keys.ts';
import { connectionMutations, connectionQueries, partnerConnectionResolvers } from './connections.ts';
import { invitationResolvers, memberMutations, memberQueries } from './members.ts';
import {
  membershipResolvers,
  organizationMutations,
  organizationQueries,
  organizationResolvers,
  userResolvers,
} from './organizations.ts';
import { sessionMutations } from './session.ts';

/** Typed from the SDL (src/generated/resolvers.ts): a missing, misnamed or mis-shaped resolver fails typecheck. */
export const resolvers: Resolvers = {
  ...scalarResolvers,
  Query: { ...organizationQueries, ...memberQueries, ...connectionQueries, ...apiKeyQueries },
  Mutation: {
    ...sessionMutations,
    ...accountMutations,
    ...organizationMutations,
    ...memberMutations,
    ...connectionMutations,
    ...apiKeyMutations,
  },
  Organization: organizationResolvers,
  User: userResolvers,
  Membership: membershipResolvers,
  Invitation: invitationResolvers,
  PartnerConnection: partnerConnectionResolvers,
  ApiKey: apiKeyResolvers,
};
