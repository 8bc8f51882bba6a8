import { read, write } from '@tradegraph/shared';
import { identityPayload } from '../domain/errors.ts';
import {
  changeMemberRole,
  inviteMember,
  previewInvitation,
  removeMember,
  revokeInvitation,
} from '../domain/members.ts';
import type { InvitationResolvers, MutationResolvers, QueryResolvers } from '../generated/resolvers.ts';
import { actingOrganization } from '../services.ts';
import { listInvitations } from '../store/invitations.ts';
import { referencedOrganization } from './references.ts';

const INVITE = { permission: 'members:invite', tenant: 'service' } as const;
const MANAGE = { permission: 'members:manage', tenant: 'service' } as const;

export const memberQueries = {
  invitations: (_, args, ctx) =>
    read(ctx, { permission: 'members:read', tenant: 'service' }, (rx) =>
      listInvitations(rx, actingOrganization(rx).organizationId, args.status ?? null, args),
    ),
  invitation: (_, { token }, ctx) => previewInvitation(ctx, token),
} satisfies Pick<QueryResolvers, 'invitations' | 'invitation'>;

export const memberMutations = {
  inviteMember: (_, { input }, ctx) =>
    identityPayload('invitation', async () => {
      const { invitation, token } = await write(ctx, INVITE, (tx) => inviteMember(tx, input));
      return Object.assign(invitation, { token });
    }),
  revokeInvitation: (_, { input }, ctx) =>
    identityPayload('invitation', () => write(ctx, INVITE, (tx) => revokeInvitation(tx, input.id))),
  changeMemberRole: (_, { input }, ctx) =>
    identityPayload('membership', () => write(ctx, MANAGE, (tx) => changeMemberRole(tx, input))),
  removeMember: (_, { input }, ctx) =>
    identityPayload('membership', () => write(ctx, MANAGE, (tx) => removeMember(tx, input.membershipId))),
} satisfies Pick<
  MutationResolvers,
  'inviteMember' | 'revokeInvitation' | 'changeMemberRole' | 'removeMember'
>;

export const invitationResolvers = {
  organization: (i, _, ctx) => referencedOrganization(ctx, i.organizationId),
  // Only the invitation just created carries its token (shown once).
  token: (i) => ('token' in i && typeof i.token === 'string' ? i.token : null),
} satisfies InvitationResolvers;
