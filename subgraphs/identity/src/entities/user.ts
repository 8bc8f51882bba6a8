import { defineEntity, p } from '@mikro-orm/core';
import type { Role } from '@tradegraph/shared';

/** A person: a MEMBER of organisations, or a CUSTOMER (shopper) of storefronts. */
export const User = defineEntity({
  name: 'User',
  tableName: 'users',
  properties: {
    id: p.string().primary(),
    email: p.string(),
    /** When the user proved they own `email` (null: not yet; they cannot accept connections or create API keys). */
    emailVerifiedAt: p.datetime().nullable(),
    name: p.string(),
    kind: p.string().$type<'MEMBER' | 'CUSTOMER'>(),
    passwordHash: p.string().hidden(),
    status: p.string().$type<'ACTIVE' | 'DISABLED'>(),
    lastLoginAt: p.datetime().nullable(),
    createdAt: p.datetime(),
    updatedAt: p.datetime(),
  },
});
export type User = InstanceType<typeof User.class>;

export const Membership = defineEntity({
  name: 'Membership',
  tableName: 'memberships',
  properties: {
    id: p.string().primary(),
    organizationId: p.string(),
    userId: p.string(),
    role: p.string().$type<Role>(),
    createdAt: p.datetime(),
    updatedAt: p.datetime(),
  },
});
export type Membership = InstanceType<typeof Membership.class>;
