import type {
  AccessRevokedPayload,
  ApiKeyCreatedPayload,
  ConnectionEventPayload,
  InvitationCreatedPayload,
  MembershipCreatedPayload,
  OrganizationCreatedPayload,
  OrganizationUpdatedPayload,
} from '@tradegraph/contracts';
import type { OrganizationKind } from '@tradegraph/shared';
import type {
  AccessRevocation,
  ApiKey,
  Invitation,
  Membership,
  Organization,
  PartnerConnection,
} from '../entities/index.ts';

/**
 * What identity publishes, built from the rows a unit of work just wrote (see
 * @tradegraph/contracts/identity for the meaning of each payload). Identity
 * consumes no events: it is the source of organisations, users and connections.
 */

export const organizationCreated = (
  org: Organization,
  createdByUserId: string | null,
): OrganizationCreatedPayload => ({
  organizationId: org.id,
  name: org.name,
  kind: org.kind,
  slug: org.slug,
  createdByUserId,
});

export const organizationUpdated = (org: Organization): OrganizationUpdatedPayload => ({
  organizationId: org.id,
  name: org.name,
  kind: org.kind,
  status: org.status,
});

export const membershipCreated = (m: Membership): MembershipCreatedPayload => ({
  membershipId: m.id,
  organizationId: m.organizationId,
  userId: m.userId,
  role: m.role,
});

export const invitationCreated = (inv: Invitation): InvitationCreatedPayload => ({
  invitationId: inv.id,
  organizationId: inv.organizationId,
  email: inv.email,
  role: inv.role,
  invitedByUserId: inv.invitedByUserId,
  expiresAt: inv.expiresAt.toISOString(),
});

/** The whole state of a connection after a change; consumers apply the latest one. */
export const connectionState = (
  c: PartnerConnection,
  kinds: { requester: OrganizationKind; partner: OrganizationKind },
): ConnectionEventPayload => ({
  connectionId: c.id,
  requesterId: c.requesterId,
  requesterKind: kinds.requester,
  partnerId: c.partnerId,
  partnerKind: kinds.partner,
  scopes: c.scopes,
  status: c.status,
});

export const apiKeyCreated = (key: ApiKey): ApiKeyCreatedPayload => ({
  apiKeyId: key.id,
  organizationId: key.organizationId,
  name: key.name,
  scopes: key.scopes,
  createdByUserId: key.createdByUserId ?? null,
});

/** A revocation as the event, the revocation feed and Redis carry it. */
export const accessRevoked = (r: AccessRevocation): AccessRevokedPayload => ({
  revocationId: r.id,
  userId: r.userId ?? null,
  organizationId: r.organizationId ?? null,
  sessionId: r.sessionId ?? null,
  apiKeyId: r.apiKeyId ?? null,
  notBefore: r.notBefore.toISOString(),
  reason: r.reason,
});
