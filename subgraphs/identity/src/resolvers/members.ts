import { payload } from '@tradegraph/shared';
import { inTransaction } from '../context.ts';
import {
  changeMemberRole,
  inviteMember,
  listInvitations,
  previewInvitation,
  removeMember,
  revokeInvitation,
} from '../domain/members.ts';
import type { InvitationResolvers, MutationResolvers, QueryResolvers } from '../generated/resolvers.ts';
import { referencedOrganization } from './references.ts';

export const memberQueries = {
  invitations: (_, args, ctx) => listInvitations(ctx, args.status, args),
  invitation: (_, { token }, ctx) => previewInvitation(ctx, token),
} satisfies Pick<QueryResolvers, 'invitations' | 'invitation'>;

export const memberMutations = {
  inviteMember: (_, { input }, ctx) =>
    payload('invitation', async () => {
      const { invitation, token } = await inTransaction(ctx, (tx) => inviteMember(tx, input));
      return Object.assign(invitation, { token });
    }),
  revokeInvitation: (_, { input }, ctx) =>
    payload('invitation', () => inTransaction(ctx, (tx) => revokeInvitation(tx, input.id))),
  changeMemberRole: (_, { input }, ctx) =>
    payload('membership', () => inTransaction(ctx, (tx) => changeMemberRole(tx, input))),
  removeMember: (_, { input }, ctx) =>
    payload('membership', () => inTransaction(ctx, (tx) => removeMember(tx, input.membershipId))),
} satisfies Pick<
  MutationResolvers,
  'inviteMember' | 'revokeInvitation' | 'changeMemberRole' | 'removeMember'
>;

export const invitationResolvers = {
  organization: (i, _, ctx) => referencedOrganization(ctx, i.organizationId),
  // Only the invitation just created carries its token (shown once).
  token: (i) => ('token' in i && typeof i.token === 'string' ? i.token : null),
} satisfies InvitationResolvers;
