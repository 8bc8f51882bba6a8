import { read, write } from '@tradegraph/shared';
import { identityPayload } from '../domain/errors.ts';
import { requireOwnOrganization } from '../domain/members.ts';
import { directoryFilter, findOrganization, updateOrganization } from '../domain/organizations.ts';
import { permissionsFor } from '../domain/roles.ts';
import type {
  MembershipResolvers,
  MutationResolvers,
  OrganizationResolvers,
  QueryResolvers,
  UserResolvers,
} from '../generated/resolvers.ts';
import { listMemberships, membershipsOfUser, userLoader } from '../store/accounts.ts';
import { listActiveOrganizations, organizationLoader } from '../store/organizations.ts';
import { referencedOrganization, referencedUser } from './references.ts';

export const organizationQueries = {
  me: async (_, __, ctx) => {
    const p = ctx.principal;
    if (p.kind === 'user') return userLoader(ctx).load(p.userId);
    if (p.kind === 'customer') return userLoader(ctx).load(p.customerId);
    return null;
  },
  currentOrganization: (_, __, ctx) => {
    const p = ctx.principal;
    const id = p.kind === 'user' || p.kind === 'apiKey' ? p.organizationId : null;
    return id ? findOrganization(ctx, id) : null;
  },
  organization: (_, { id }, ctx) => findOrganization(ctx, id),
  organizations: (_, args, ctx) => listActiveOrganizations(ctx, directoryFilter(args.filter), args),
} satisfies Pick<QueryResolvers, 'me' | 'currentOrganization' | 'organization' | 'organizations'>;

export const organizationMutations = {
  updateOrganization: (_, { input }, ctx) =>
    identityPayload('organization', () =>
      write(ctx, { permission: 'org:manage', tenant: 'service' }, (tx) => updateOrganization(tx, input)),
    ),
} satisfies Pick<MutationResolvers, 'updateOrganization'>;

export const organizationResolvers = {
  __resolveReference: (ref, ctx) => findOrganization(ctx, ref.id),
  members: (org, args, ctx) =>
    read(ctx, { permission: 'members:read', tenant: 'service' }, (rx) => {
      requireOwnOrganization(rx, org.id);
      return listMemberships(rx, org.id, args);
    }),
} satisfies OrganizationResolvers;

export const userResolvers = {
  /** Other services may reference a user; only the user themselves sees it. */
  __resolveReference: (ref, ctx) => {
    const p = ctx.principal;
    const self = p.kind === 'user' ? p.userId : p.kind === 'customer' ? p.customerId : null;
    return self === ref.id ? userLoader(ctx).load(ref.id) : null;
  },
  memberships: (user, _, ctx) => membershipsOfUser(ctx, user.id),
  emailVerified: (user) => user.emailVerifiedAt !== null,
} satisfies UserResolvers;

export const membershipResolvers = {
  organization: (m, _, ctx) => referencedOrganization(ctx, m.organizationId),
  user: (m, _, ctx) => referencedUser(ctx, m.userId),
  permissions: async (m, _, ctx) => {
    const org = await organizationLoader(ctx).load(m.organizationId);
    return org ? permissionsFor(m.role, org.kind) : [];
  },
} satisfies MembershipResolvers;
