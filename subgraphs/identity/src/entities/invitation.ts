import { defineEntity, p } from '@mikro-orm/core';
import type { Role } from '@tradegraph/shared';

export const Invitation = defineEntity({
  name: 'Invitation',
  tableName: 'invitations',
  properties: {
    id: p.string().primary(),
    organizationId: p.string(),
    email: p.string(),
    role: p.string().$type<Role>(),
    tokenHash: p.string().hidden(),
    status: p.string().$type<'PENDING' | 'ACCEPTED' | 'REVOKED'>(),
    invitedByUserId: p.string(),
    acceptedByUserId: p.string().nullable(),
    expiresAt: p.datetime(),
    createdAt: p.datetime(),
    updatedAt: p.datetime(),
  },
});
export type Invitation = InstanceType<typeof Invitation.class>;
