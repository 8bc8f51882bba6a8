import type {
  ConnectionEventPayload,
  ListingChangedPayload,
  StorefrontChangedPayload,
} from '@tradegraph/contracts';
import { parseId, supersedes, tenantKeyOf } from '@tradegraph/shared';
import type { AccessStatus } from '../entities/index.ts';

/**
 * What catalog keeps of other services' events to decide visibility, as pure
 * decisions: which row an event writes, and whether it may overwrite the
 * stored one. Every projection row remembers the time of the event it
 * reflects and takes an event only if it `supersedes` it (the kernel's guard),
 * with a rank of the state breaking a tie of the same millisecond, so the
 * rows converge to the same state whatever order their events arrive in.
 */

/** Same-instant ties: a closed connection is never reopened by its predecessor (and every status ranks differently, so a tie has one answer). */
const STATUS_RANK: Record<AccessStatus, number> = { PENDING: 0, ACTIVE: 1, DECLINED: 2, REVOKED: 3 };

export function isAccessStatus(s: string): s is AccessStatus {
  return Object.hasOwn(STATUS_RANK, s);
}

export interface PartnerAccessValues {
  brandId: string;
  partnerId: string;
  partnerKind: ConnectionEventPayload['partnerKind'];
  scopes: string[];
  catalogRead: boolean;
  sellProducts: boolean;
  status: AccessStatus;
  eventAt: Date;
}

/**
 * The partner-access row a connection event describes; null when the
 * connection has no brand on exactly one side (retailer ↔ supplier) or an
 * unknown status: nothing to see in the catalog.
 */
export function partnerAccessOf(p: ConnectionEventPayload, at: Date): PartnerAccessValues | null {
  let side: { brandId: string; partnerId: string; partnerKind: ConnectionEventPayload['partnerKind'] };
  if (p.requesterKind === 'BRAND' && p.partnerKind !== 'BRAND') {
    side = { brandId: p.requesterId, partnerId: p.partnerId, partnerKind: p.partnerKind };
  } else if (p.partnerKind === 'BRAND' && p.requesterKind !== 'BRAND') {
    side = { brandId: p.partnerId, partnerId: p.requesterId, partnerKind: p.requesterKind };
  } else {
    return null;
  }
  if (!isAccessStatus(p.status)) return null;
  const scopes = Array.isArray(p.scopes) ? p.scopes.map(String) : [];
  return {
    ...side,
    scopes,
    // selling or fulfilling a brand's products implies reading its catalog (identity normalises it too)
    catalogRead: scopes.includes('CATALOG_READ') || scopes.includes('SELL_PRODUCTS'),
    sellProducts: scopes.includes('SELL_PRODUCTS'),
    status: p.status,
    eventAt: at,
  };
}

/** Whether a connection event at `at` with `status` may overwrite the stored row. */
export function accessSupersedes(
  stored: { eventAt: Date | string; status: AccessStatus } | null,
  incoming: { eventAt: Date; status: AccessStatus },
): boolean {
  return supersedes(
    stored,
    incoming.eventAt,
    stored ? { stored: STATUS_RANK[stored.status], incoming: STATUS_RANK[incoming.status] } : undefined,
  );
}

export interface ListingValues {
  retailerId: string;
  storefrontId: string;
  variantId: string;
  brandId: string;
  visible: boolean;
  removed: boolean;
  eventAt: Date;
}

/** Removal is final, hiding outranks showing: the tie-break of two listing events of one instant. */
const listingRank = (l: { visible: boolean; removed: boolean }) => (l.removed ? 2 : l.visible ? 0 : 1);

/** The listing row an event describes; null for a variant that is not the named brand's (ignored). */
export function listingOf(p: ListingChangedPayload, at: Date): ListingValues | null {
  const variant = parseId(p.variantId, 'var');
  if (!variant?.tenantKey || !p.brandId || variant.tenantKey !== tenantKeyOf(p.brandId)) return null;
  return {
    retailerId: p.retailerId,
    storefrontId: p.storefrontId,
    variantId: p.variantId,
    brandId: p.brandId,
    visible: !!p.visible && !p.removed,
    removed: !!p.removed,
    eventAt: at,
  };
}

export function listingSupersedes(
  stored: { eventAt: Date | string; visible: boolean; removed: boolean } | null,
  incoming: ListingValues,
): boolean {
  return supersedes(
    stored,
    incoming.eventAt,
    stored ? { stored: listingRank(stored), incoming: listingRank(incoming) } : undefined,
  );
}

export interface StorefrontValues {
  retailerId: string;
  published: boolean;
  eventAt: Date;
}

export function storefrontOf(p: StorefrontChangedPayload, at: Date): StorefrontValues {
  return { retailerId: p.retailerId, published: !!p.published, eventAt: at };
}

/** Same-instant tie: unpublished wins (never show a storefront by accident). */
export function storefrontSupersedes(
  stored: { eventAt: Date | string; published: boolean } | null,
  incoming: StorefrontValues,
): boolean {
  return supersedes(
    stored,
    incoming.eventAt,
    stored ? { stored: stored.published ? 0 : 1, incoming: incoming.published ? 0 : 1 } : undefined,
  );
}
