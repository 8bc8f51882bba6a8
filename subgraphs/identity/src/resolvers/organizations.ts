import { type OrganizationKind, payload } from '@tradegraph/shared';
import { type IdentityContext, inTransaction } from '../context.ts';
import { listMembers, membershipsOfUser, userLoader } from '../domain/members.ts';
import {
  findOrganization,
  listOrganizations,
  organizationLoader,
  updateOrganization,
} from '../domain/organizations.ts';
import { permissionsFor } from '../domain/roles.ts';
import type { Membership, Organization, User } from '../entities/index.ts';

export const organizationQueries = {
  me: async (_: unknown, __: unknown, ctx: IdentityContext) => {
    const p = ctx.principal;
    if (p.kind === 'user') return userLoader(ctx).load(p.userId);
    if (p.kind === 'customer') return userLoader(ctx).load(p.customerId);
    return null;
  },
  currentOrganization: (_: unknown, __: unknown, ctx: IdentityContext) => {
    const p = ctx.principal;
    const id = p.kind === 'user' || p.kind === 'apiKey' ? p.organizationId : null;
    return id ? findOrganization(ctx, id) : null;
  },
  organization: (_: unknown, { id }: { id: string }, ctx: IdentityContext) => findOrganization(ctx, id),
  organizations: (
    _: unknown,
    args: { filter?: { kind?: OrganizationKind; nameContains?: string }; first?: number; after?: string },
    ctx: IdentityContext,
  ) => listOrganizations(ctx, args.filter, args),
};

export const organizationMutations = {
  updateOrganization: (
    _: unknown,
    { input }: { input: Parameters<typeof updateOrganization>[1] },
    ctx: IdentityContext,
  ) => payload('organization', () => inTransaction(ctx, (tx) => updateOrganization(tx, input))),
};

export const organizationTypes = {
  Organization: {
    __resolveReference: (ref: { id: string }, ctx: IdentityContext) => findOrganization(ctx, ref.id),
    members: (org: Organization, args: { first?: number; after?: string }, ctx: IdentityContext) =>
      listMembers(ctx, org.id, args),
  },
  User: {
    /** Other services may reference a user; only the user themselves sees it. */
    __resolveReference: (ref: { id: string }, ctx: IdentityContext) => {
      const p = ctx.principal;
      const self = p.kind === 'user' ? p.userId : p.kind === 'customer' ? p.customerId : null;
      return self === ref.id ? userLoader(ctx).load(ref.id) : null;
    },
    memberships: (user: User, _: unknown, ctx: IdentityContext) => membershipsOfUser(ctx, user.id),
  },
  Membership: {
    organization: (m: Membership, _: unknown, ctx: IdentityContext) =>
      organizationLoader(ctx).load(m.organizationId),
    user: (m: Membership, _: unknown, ctx: IdentityContext) => userLoader(ctx).load(m.userId),
    permissions: async (m: Membership, _: unknown, ctx: IdentityContext) => {
      const org = await organizationLoader(ctx).load(m.organizationId);
      return org ? permissionsFor(m.role, org.kind) : [];
    },
  },
};
