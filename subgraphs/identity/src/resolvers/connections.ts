import { payload } from '@tradegraph/shared';
import { inTransaction } from '../context.ts';
import {
  findConnection,
  listConnections,
  requestConnection,
  respondToConnection,
  revokeConnection,
} from '../domain/connections.ts';
import type {
  MutationResolvers,
  PartnerConnectionResolvers,
  QueryResolvers,
} from '../generated/resolvers.ts';
import { referencedOrganization } from './references.ts';

export const connectionQueries = {
  connections: (_, args, ctx) => listConnections(ctx, args.filter, args),
  connection: (_, { id }, ctx) => findConnection(ctx, id),
} satisfies Pick<QueryResolvers, 'connections' | 'connection'>;

export const connectionMutations = {
  requestConnection: (_, { input }, ctx) =>
    payload('connection', () => inTransaction(ctx, (tx) => requestConnection(tx, input))),
  respondToConnection: (_, { input }, ctx) =>
    payload('connection', () => inTransaction(ctx, (tx) => respondToConnection(tx, input))),
  revokeConnection: (_, { input }, ctx) =>
    payload('connection', () => inTransaction(ctx, (tx) => revokeConnection(tx, input))),
} satisfies Pick<MutationResolvers, 'requestConnection' | 'respondToConnection' | 'revokeConnection'>;

export const partnerConnectionResolvers = {
  requester: (c, _, ctx) => referencedOrganization(ctx, c.requesterId),
  partner: (c, _, ctx) => referencedOrganization(ctx, c.partnerId),
} satisfies PartnerConnectionResolvers;
