import { payload } from '@tradegraph/shared';
import { type IdentityContext, inTransaction } from '../context.ts';
import {
  findConnection,
  listConnections,
  requestConnection,
  respondToConnection,
  revokeConnection,
} from '../domain/connections.ts';
import { organizationLoader } from '../domain/organizations.ts';
import type { PartnerConnection } from '../entities/index.ts';

export const connectionQueries = {
  connections: (
    _: unknown,
    args: { filter?: Parameters<typeof listConnections>[1]; first?: number; after?: string },
    ctx: IdentityContext,
  ) => listConnections(ctx, args.filter, args),
  connection: (_: unknown, { id }: { id: string }, ctx: IdentityContext) => findConnection(ctx, id),
};

export const connectionMutations = {
  requestConnection: (
    _: unknown,
    { input }: { input: Parameters<typeof requestConnection>[1] },
    ctx: IdentityContext,
  ) => payload('connection', () => inTransaction(ctx, (tx) => requestConnection(tx, input))),
  respondToConnection: (
    _: unknown,
    { input }: { input: Parameters<typeof respondToConnection>[1] },
    ctx: IdentityContext,
  ) => payload('connection', () => inTransaction(ctx, (tx) => respondToConnection(tx, input))),
  revokeConnection: (
    _: unknown,
    { input }: { input: Parameters<typeof revokeConnection>[1] },
    ctx: IdentityContext,
  ) => payload('connection', () => inTransaction(ctx, (tx) => revokeConnection(tx, input))),
};

export const connectionTypes = {
  PartnerConnection: {
    requester: (c: PartnerConnection, _: unknown, ctx: IdentityContext) =>
      organizationLoader(ctx).load(c.requesterId),
    partner: (c: PartnerConnection, _: unknown, ctx: IdentityContext) =>
      organizationLoader(ctx).load(c.partnerId),
  },
};
