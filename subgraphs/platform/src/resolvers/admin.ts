import { pageArgs, payload, read, toConnection, write } from '@tradegraph/shared';
import { STAFF } from '../domain/access.ts';
import { listAuditTrail } from '../domain/audit.ts';
import {
  knownOrganization,
  reactivateOrganization,
  searchOrganizations,
  suspendOrganization,
} from '../domain/organizations.ts';
import { subscriptionOf } from '../domain/subscriptions.ts';
import type {
  AuditEntryResolvers,
  MutationResolvers,
  PlatformOrganizationResolvers,
  QueryResolvers,
} from '../generated/resolvers.ts';

export const adminQueries = {
  auditTrail: (_, { filter, first, after }, ctx) =>
    read(ctx, STAFF, async (rx) => {
      const page = pageArgs<string>({ first, after });
      const found = await listAuditTrail(rx, filter ?? {}, page);
      return toConnection(found.list, page, (e) => e.seq, found.total);
    }),
  searchOrganizations: (_, { filter, first, after }, ctx) =>
    read(ctx, STAFF, async (rx) => {
      const page = pageArgs<[string, string]>({ first, after });
      const found = await searchOrganizations(rx, filter ?? {}, page);
      return toConnection(found.list, page, (o) => [o.name, o.id], found.total);
    }),
} satisfies Pick<QueryResolvers, 'auditTrail' | 'searchOrganizations'>;

export const adminMutations = {
  suspendOrganization: (_, { input }, ctx) =>
    payload('organization', async () => {
      // refused before any lookup; then let a just-created organisation reach the projection
      await read(ctx, STAFF, (rx) => knownOrganization(rx, input.organizationId));
      return write(ctx, STAFF, (tx) => suspendOrganization(tx, input));
    }),
  reactivateOrganization: (_, { input }, ctx) =>
    payload('organization', () => write(ctx, STAFF, (tx) => reactivateOrganization(tx, input))),
} satisfies Pick<MutationResolvers, 'suspendOrganization' | 'reactivateOrganization'>;

export const platformOrganizationResolvers = {
  organization: (o) => ({ id: o.id }),
  subscription: (o, _, ctx) => subscriptionOf(ctx, o.id),
} satisfies PlatformOrganizationResolvers;

export const auditEntryResolvers = {
  id: (e) => e.seq,
} satisfies AuditEntryResolvers;
