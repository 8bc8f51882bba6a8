import { read, write } from '@tradegraph/shared';
import {
  connectionOfParty,
  requestConnection,
  respondToConnection,
  revokeConnection,
} from '../domain/connections.ts';
import { identityPayload, uniqueKeyError } from '../domain/errors.ts';
import type {
  MutationResolvers,
  PartnerConnectionResolvers,
  QueryResolvers,
} from '../generated/resolvers.ts';
import { actingOrganization } from '../services.ts';
import { listConnectionsOf } from '../store/connections.ts';
import { referencedOrganization } from './references.ts';

const READ = { permission: 'connections:read', tenant: 'service' } as const;
const MANAGE = {
  permission: 'connections:manage',
  tenant: 'service',
  // two requests between the same pair racing: the loser gets the answer a later request would
  uniqueKeys: {
    partner_connections_pair_uq: uniqueKeyError(
      'ALREADY_CONNECTED',
      'A pending or active connection with this partner already exists',
      'partnerId',
    ),
  },
} as const;

export const connectionQueries = {
  connections: (_, args, ctx) =>
    read(ctx, READ, (rx) =>
      listConnectionsOf(
        rx,
        actingOrganization(rx).organizationId,
        { status: args.filter?.status ?? null, direction: args.filter?.direction ?? null },
        args,
      ),
    ),
  connection: (_, { id }, ctx) =>
    read(ctx, READ, (rx) => connectionOfParty(rx, id, actingOrganization(rx).organizationId)),
} satisfies Pick<QueryResolvers, 'connections' | 'connection'>;

export const connectionMutations = {
  requestConnection: (_, { input }, ctx) =>
    identityPayload('connection', () => write(ctx, MANAGE, (tx) => requestConnection(tx, input))),
  respondToConnection: (_, { input }, ctx) =>
    identityPayload('connection', () => write(ctx, MANAGE, (tx) => respondToConnection(tx, input))),
  revokeConnection: (_, { input }, ctx) =>
    identityPayload('connection', () => write(ctx, MANAGE, (tx) => revokeConnection(tx, input))),
} satisfies Pick<MutationResolvers, 'requestConnection' | 'respondToConnection' | 'revokeConnection'>;

export const partnerConnectionResolvers = {
  requester: (c, _, ctx) => referencedOrganization(ctx, c.requesterId),
  partner: (c, _, ctx) => referencedOrganization(ctx, c.partnerId),
} satisfies PartnerConnectionResolvers;
