import type { ApiKeyScope, OrganizationKind, Role } from '../auth/principal.ts';

/**
 * The typed, versioned catalogue of every event type. Producers and consumers
 * both import it, so a payload change is a compile error on both sides. To
 * change a payload incompatibly, add a new version and keep the old one until
 * no consumer reads it.
 */
export interface EventCatalogue {
  'identity.organization.created': {
    version: 1;
    payload: {
      organizationId: string;
      name: string;
      kind: OrganizationKind;
      slug: string;
      createdByUserId: string | null;
    };
  };
  'identity.organization.updated': {
    version: 1;
    payload: { organizationId: string; name: string; kind: OrganizationKind; status: string };
  };
  'identity.user.registered': {
    version: 1;
    payload: { userId: string; email: string; name: string };
  };
  'identity.customer.registered': {
    version: 1;
    payload: { customerId: string; email: string; name: string };
  };
  'identity.membership.created': {
    version: 1;
    payload: { membershipId: string; organizationId: string; userId: string; role: Role };
  };
  'identity.membership.role-changed': {
    version: 1;
    payload: { membershipId: string; organizationId: string; userId: string; role: Role; previousRole: Role };
  };
  'identity.membership.removed': {
    version: 1;
    payload: { membershipId: string; organizationId: string; userId: string };
  };
  'identity.invitation.created': {
    version: 1;
    payload: {
      invitationId: string;
      organizationId: string;
      email: string;
      role: Role;
      invitedByUserId: string;
      expiresAt: string;
    };
  };
  'identity.invitation.accepted': {
    version: 1;
    payload: { invitationId: string; organizationId: string; userId: string; role: Role };
  };
  'identity.invitation.revoked': {
    version: 1;
    payload: { invitationId: string; organizationId: string };
  };
  'identity.connection.requested': {
    version: 1;
    payload: ConnectionEventPayload;
  };
  'identity.connection.accepted': {
    version: 1;
    payload: ConnectionEventPayload;
  };
  'identity.connection.declined': {
    version: 1;
    payload: ConnectionEventPayload;
  };
  'identity.connection.revoked': {
    version: 1;
    payload: ConnectionEventPayload & { revokedByOrganizationId: string };
  };
  'identity.api-key.created': {
    version: 1;
    payload: {
      apiKeyId: string;
      organizationId: string;
      name: string;
      scopes: ApiKeyScope[];
      createdByUserId: string | null;
    };
  };
  'identity.api-key.revoked': {
    version: 1;
    payload: { apiKeyId: string; organizationId: string };
  };
  'identity.session.revoked': {
    version: 1;
    payload: { subjectId: string; familyId: string; reason: 'logout' | 'reuse-detected' };
  };
  /** Snapshot of a brand's product after every change (create, update, publish, archive). */
  'catalog.product.changed': {
    version: 1;
    payload: {
      productId: string;
      brandId: string;
      name: string;
      status: 'DRAFT' | 'ACTIVE' | 'ARCHIVED';
      variants: {
        variantId: string;
        sku: string;
        gtin: string | null;
        options: { name: string; value: string }[];
        /** MSRP in minor units (decimal string), null when unset. */
        msrpMinor: string | null;
        currencyCode: string | null;
      }[];
    };
  };
  /** A supplier's offer for a brand variant (wholesale price in minor units). */
  'supplier.offer.changed': {
    version: 1;
    payload: {
      offerId: string;
      supplierId: string;
      brandId: string;
      variantId: string;
      wholesaleMinor: string;
      currencyCode: string;
      minimumOrderQuantity: number;
      leadTimeDays: number;
      active: boolean;
    };
  };
  /** Stock of one variant at one supplier changed; totals are across the supplier's warehouses. */
  'supplier.stock.changed': {
    version: 1;
    payload: {
      supplierId: string;
      brandId: string;
      variantId: string;
      warehouseId: string;
      onHand: number;
      reserved: number;
      available: number;
      totalAvailable: number;
      movement: 'RECEIVED' | 'ADJUSTED' | 'RESERVED' | 'RELEASED' | 'SHIPPED';
    };
  };
  'supplier.reservation.changed': {
    version: 1;
    payload: {
      reservationId: string;
      supplierId: string;
      variantId: string;
      warehouseId: string;
      quantity: number;
      status: 'ACTIVE' | 'RELEASED' | 'COMMITTED' | 'EXPIRED';
      reference: string | null;
      expiresAt: string;
    };
  };
  'retailer.storefront.changed': {
    version: 1;
    payload: { storefrontId: string; retailerId: string; slug: string; name: string; published: boolean };
  };
  /** A listing was created, changed or removed; `visible` = active listing on a published storefront. */
  'retailer.listing.changed': {
    version: 1;
    payload: {
      listingId: string;
      retailerId: string;
      storefrontId: string;
      variantId: string;
      brandId: string;
      visible: boolean;
      removed: boolean;
    };
  };
  /**
   * Synthetic probe with no business meaning: the event-bus benchmark, the
   * contract tests and end-to-end latency checks send it. `seq` numbers the
   * probes of one aggregate so consumers can check per-aggregate order.
   */
  'platform.probe.emitted': {
    version: 1;
    payload: { probeId: string; seq: number; note?: string };
  };
}

export interface ConnectionEventPayload {
  connectionId: string;
  requesterId: string;
  requesterKind: OrganizationKind;
  partnerId: string;
  partnerKind: OrganizationKind;
  scopes: string[];
  status: 'PENDING' | 'ACTIVE' | 'DECLINED' | 'REVOKED';
}

export type EventType = keyof EventCatalogue;
export type PayloadOf<T extends EventType> = EventCatalogue[T]['payload'];
export type VersionOf<T extends EventType> = EventCatalogue[T]['version'];

/** Current version of every type (what producers write). */
export const EVENT_VERSIONS: { [T in EventType]: VersionOf<T> } = {
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
  'catalog.product.changed': 1,
  'supplier.offer.changed': 1,
  'supplier.stock.changed': 1,
  'supplier.reservation.changed': 1,
  'retailer.storefront.changed': 1,
  'retailer.listing.changed': 1,
  'platform.probe.emitted': 1,
};

export function isEventType(type: string): type is EventType {
  return Object.hasOwn(EVENT_VERSIONS, type);
}

/** Topics of the given event types (deduplicated, sorted). */
export function topicsOf(types: readonly string[]): string[] {
  return [...new Set(types.map(topicOf))].sort();
}

/** Topic of an event type: its domain and entity (`identity.connection`), so one aggregate stays in one topic. */
export function topicOf(type: string): string {
  const parts = type.split('.');
  if (parts.length !== 3) throw new Error(`event type "${type}" is not <domain>.<entity>.<event>`);
  return `${parts[0]}.${parts[1]}`;
}
