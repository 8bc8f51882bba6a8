/**
 * Events produced by the identity subgraph. Organisations, users and
 * connections are created here; the other subgraphs keep projections of them
 * (tenant databases, partner access, supplier fulfilment). Events of one
 * aggregate share its `aggregateId` and are delivered in order; different
 * aggregates are not ordered against each other.
 */
import type { ApiKeyScope, OrganizationKind, Role } from '@tradegraph/shared';
import { type EventVersions, registerEventTypes } from '@tradegraph/shared/events';

/** An organisation was created (sign-up or platform staff). Aggregate: the organisation. */
export interface OrganizationCreatedPayload {
  organizationId: string;
  name: string;
  kind: OrganizationKind;
  slug: string;
  /** The user who created it; null when created by the system (seed, platform). */
  createdByUserId: string | null;
}

/** An organisation's name or status changed (e.g. suspended). Aggregate: the organisation. */
export interface OrganizationUpdatedPayload {
  organizationId: string;
  name: string;
  kind: OrganizationKind;
  status: string;
}

/** A person signed up as a user of organisations. Aggregate: the user. */
export interface UserRegisteredPayload {
  userId: string;
  email: string;
  name: string;
}

/** A shopper created a customer account. Aggregate: the customer. */
export interface CustomerRegisteredPayload {
  customerId: string;
  email: string;
  name: string;
}

/** A user joined an organisation with a role. Aggregate: the organisation (membership changes of one org are ordered). */
export interface MembershipCreatedPayload {
  membershipId: string;
  organizationId: string;
  userId: string;
  role: Role;
}

/** A member's role changed. Aggregate: the organisation. */
export interface MembershipRoleChangedPayload {
  membershipId: string;
  organizationId: string;
  userId: string;
  role: Role;
  previousRole: Role;
}

/** A member left or was removed. Aggregate: the organisation. */
export interface MembershipRemovedPayload {
  membershipId: string;
  organizationId: string;
  userId: string;
}

/** A member invited someone by email. Aggregate: the invitation. */
export interface InvitationCreatedPayload {
  invitationId: string;
  organizationId: string;
  email: string;
  role: Role;
  invitedByUserId: string;
  /** ISO-8601 instant after which the invitation cannot be accepted. */
  expiresAt: string;
}

/** An invitation was accepted (a membership.created follows on the organisation). Aggregate: the invitation. */
export interface InvitationAcceptedPayload {
  invitationId: string;
  organizationId: string;
  userId: string;
  role: Role;
}

/** An invitation was withdrawn before acceptance. Aggregate: the invitation. */
export interface InvitationRevokedPayload {
  invitationId: string;
  organizationId: string;
}

/**
 * State of a partner connection between two organisations (brand ↔ supplier,
 * brand ↔ retailer, retailer ↔ supplier) after a change. Every connection
 * event carries the whole state, so a consumer can apply the latest one.
 * Aggregate: the connection.
 */
export interface ConnectionEventPayload {
  connectionId: string;
  requesterId: string;
  requesterKind: OrganizationKind;
  partnerId: string;
  partnerKind: OrganizationKind;
  /** What the partner may do with the requester's data (e.g. CATALOG_READ, SELL_PRODUCTS, FULFILL_ORDERS). */
  scopes: string[];
  status: 'PENDING' | 'ACTIVE' | 'DECLINED' | 'REVOKED';
}

/** A connection was ended by one side. Aggregate: the connection. */
export interface ConnectionRevokedPayload extends ConnectionEventPayload {
  revokedByOrganizationId: string;
}

/** An organisation created an API key for a partner app. Aggregate: the key. */
export interface ApiKeyCreatedPayload {
  apiKeyId: string;
  organizationId: string;
  name: string;
  scopes: ApiKeyScope[];
  createdByUserId: string | null;
}

/** An API key was revoked; it is refused from now on. Aggregate: the key. */
export interface ApiKeyRevokedPayload {
  apiKeyId: string;
  organizationId: string;
}

/** A refresh-token family was revoked (logout, or reuse of a rotated token). Aggregate: the user. */
export interface SessionRevokedPayload {
  subjectId: string;
  familyId: string;
  reason: 'logout' | 'reuse-detected';
}

/** Why access was revoked (see AccessRevokedPayload). */
export type AccessRevocationReason =
  | 'member-removed'
  | 'role-changed'
  | 'logout'
  | 'password-changed'
  | 'organization-suspended'
  | 'api-key-revoked'
  | 'reuse-detected';

/**
 * Access ended: every access token (or cached API-key introspection) that
 * matches ALL the non-null fields and was issued before `notBefore` must be
 * refused from now on. Examples: `{ userId, organizationId }` when a member is
 * removed or their role changes (tokens acting for that organisation),
 * `{ userId }` after a password change (every token of the user),
 * `{ sessionId }` at logout, `{ organizationId }` when the organisation is
 * suspended (its members' tokens and its API keys), `{ apiKeyId }` when a key
 * is revoked. The router also learns these through Redis or identity's
 * revocation feed within a second (docs/security.md). Aggregate: the revocation.
 */
export interface AccessRevokedPayload {
  revocationId: string;
  userId: string | null;
  organizationId: string | null;
  /** The refresh-token family (access tokens' `sid`). */
  sessionId: string | null;
  apiKeyId: string | null;
  /** ISO-8601 instant with milliseconds; tokens whose issue time (`iat_ms`, else `iat`) is earlier are refused. */
  notBefore: string;
  reason: AccessRevocationReason;
}

/**
 * Someone tried to sign up (or register as a shopper) with an email that
 * already has an account. The caller was answered as if it had worked; the
 * owner should be told by email (sign in, or reset the password). Aggregate: the existing user.
 */
export interface RegistrationEmailTakenPayload {
  userId: string;
  email: string;
  /** Which registration was attempted. */
  attempted: 'MEMBER' | 'CUSTOMER';
}

/**
 * A user (or customer) must prove they own `email`: after sign-up or an email
 * change. Notifications emails a link holding `token` (single use, checked by
 * identity); the token is in the event log, so it must expire. Aggregate: the user.
 */
export interface EmailVerificationRequestedPayload {
  /** The account (`usr_…` or `cus_…`) whose email is to be verified. */
  userId: string;
  /** The address to verify (the new one after an email change). */
  email: string;
  token: string;
  /** ISO-8601 instant after which the token is refused. */
  expiresAt: string;
}

/**
 * Someone asked to reset the password of the account with `email` (only
 * published when the account exists; the caller gets the same answer either
 * way). Notifications emails a link holding `token`. Aggregate: the account.
 */
export interface PasswordResetRequestedPayload {
  email: string;
  token: string;
  /** ISO-8601 instant after which the token is refused. */
  expiresAt: string;
}

/**
 * A user (or customer) proved they own a new address and it is now their
 * sign-in email (after changeEmail and verifyEmail). Projections of users'
 * emails (notifications) switch to `email`. Aggregate: the user.
 */
export interface UserEmailChangedPayload {
  userId: string;
  email: string;
  previousEmail: string;
}

/** The identity slice of the event catalogue: type → current version and payload. */
export interface IdentityEvents {
  'identity.organization.created': { version: 1; payload: OrganizationCreatedPayload };
  'identity.organization.updated': { version: 1; payload: OrganizationUpdatedPayload };
  'identity.user.registered': { version: 1; payload: UserRegisteredPayload };
  'identity.customer.registered': { version: 1; payload: CustomerRegisteredPayload };
  'identity.membership.created': { version: 1; payload: MembershipCreatedPayload };
  'identity.membership.role-changed': { version: 1; payload: MembershipRoleChangedPayload };
  'identity.membership.removed': { version: 1; payload: MembershipRemovedPayload };
  'identity.invitation.created': { version: 1; payload: InvitationCreatedPayload };
  'identity.invitation.accepted': { version: 1; payload: InvitationAcceptedPayload };
  'identity.invitation.revoked': { version: 1; payload: InvitationRevokedPayload };
  'identity.connection.requested': { version: 1; payload: ConnectionEventPayload };
  'identity.connection.accepted': { version: 1; payload: ConnectionEventPayload };
  'identity.connection.declined': { version: 1; payload: ConnectionEventPayload };
  'identity.connection.revoked': { version: 1; payload: ConnectionRevokedPayload };
  'identity.api-key.created': { version: 1; payload: ApiKeyCreatedPayload };
  'identity.api-key.revoked': { version: 1; payload: ApiKeyRevokedPayload };
  'identity.session.revoked': { version: 1; payload: SessionRevokedPayload };
  'identity.access.revoked': { version: 1; payload: AccessRevokedPayload };
  'identity.registration.email-taken': { version: 1; payload: RegistrationEmailTakenPayload };
  'identity.email-verification.requested': { version: 1; payload: EmailVerificationRequestedPayload };
  'identity.password-reset.requested': { version: 1; payload: PasswordResetRequestedPayload };
  'identity.user.email-changed': { version: 1; payload: UserEmailChangedPayload };
}

declare module '@tradegraph/shared/events/catalogue' {
  interface EventCatalogue extends IdentityEvents {}
}

/** The four connection events, which share one payload shape. */
export const CONNECTION_EVENT_TYPES = [
  'identity.connection.requested',
  'identity.connection.accepted',
  'identity.connection.declined',
  'identity.connection.revoked',
] as const;
export type ConnectionEventType = (typeof CONNECTION_EVENT_TYPES)[number];

export const IDENTITY_EVENT_VERSIONS: EventVersions<keyof IdentityEvents> = {
  'identity.organization.created': 1,
  'identity.organization.updated': 1,
  'identity.user.registered': 1,
  'identity.customer.registered': 1,
  'identity.membership.created': 1,
  'identity.membership.role-changed': 1,
  'identity.membership.removed': 1,
  'identity.invitation.created': 1,
  'identity.invitation.accepted': 1,
  'identity.invitation.revoked': 1,
  'identity.connection.requested': 1,
  'identity.connection.accepted': 1,
  'identity.connection.declined': 1,
  'identity.connection.revoked': 1,
  'identity.api-key.created': 1,
  'identity.api-key.revoked': 1,
  'identity.session.revoked': 1,
  'identity.access.revoked': 1,
  'identity.registration.email-taken': 1,
  'identity.email-verification.requested': 1,
  'identity.password-reset.requested': 1,
  'identity.user.email-changed': 1,
};
registerEventTypes(IDENTITY_EVENT_VERSIONS);
