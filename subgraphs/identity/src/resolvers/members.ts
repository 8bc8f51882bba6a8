import { payload, type Role } from '@tradegraph/shared';
import { type IdentityContext, inTransaction } from '../context.ts';
import {
  changeMemberRole,
  inviteMember,
  listInvitations,
  previewInvitation,
  removeMember,
  revokeInvitation,
} from '../domain/members.ts';
import { organizationLoader } from '../domain/organizations.ts';
import type { Invitation } from '../entities/index.ts';

export const memberQueries = {
  invitations: (
    _: unknown,
    args: { status?: string; first?: number; after?: string },
    ctx: IdentityContext,
  ) => listInvitations(ctx, args.status, args),
  invitation: (_: unknown, { token }: { token: string }, ctx: IdentityContext) =>
    previewInvitation(ctx, token),
};

export const memberMutations = {
  inviteMember: (_: unknown, { input }: { input: { email: string; role: Role } }, ctx: IdentityContext) =>
    payload('invitation', async () => {
      const { invitation, token } = await inTransaction(ctx, (tx) => inviteMember(tx, input));
      return Object.assign(invitation, { token });
    }),
  revokeInvitation: (_: unknown, { input }: { input: { id: string } }, ctx: IdentityContext) =>
    payload('invitation', () => inTransaction(ctx, (tx) => revokeInvitation(tx, input.id))),
  changeMemberRole: (
    _: unknown,
    { input }: { input: { membershipId: string; role: Role } },
    ctx: IdentityContext,
  ) => payload('membership', () => inTransaction(ctx, (tx) => changeMemberRole(tx, input))),
  removeMember: (_: unknown, { input }: { input: { membershipId: string } }, ctx: IdentityContext) =>
    payload('membership', () => inTransaction(ctx, (tx) => removeMember(tx, input.membershipId))),
};

export const memberTypes = {
  Invitation: {
    organization: (i: Invitation, _: unknown, ctx: IdentityContext) =>
      organizationLoader(ctx).load(i.organizationId),
    token: (i: Invitation & { token?: string }) => i.token ?? null,
  },
};
