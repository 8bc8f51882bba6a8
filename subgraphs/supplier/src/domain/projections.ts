import type { ConnectionEventPayload, ProductChangedPayload } from '@tradegraph/contracts';
import { dbDate, supersedes } from '@tradegraph/shared';
import type { AccessStatus, VariantStatus } from '../entities/index.ts';
import type { CatalogVariantRecord, PartnerAccessRecord } from '../store/projections.ts';

/**
 * What supplier's projections make of other services' events, as pure
 * decisions (consumers.ts reads the stored rows, asks here, writes the
 * answer). Every decision goes through the kernel's `supersedes`, so each
 * projection reaches the same state whatever order its events arrive in.
 */

/**
 * Tie-break of two states of one connection at the same instant, in the
 * order a connection's life moves: a closed connection is never reopened by
 * its predecessor.
 */
const CONNECTION_RANK: Record<AccessStatus, number> = { PENDING: 0, ACTIVE: 1, DECLINED: 2, REVOKED: 3 };
/** Tie-break of two product states at the same instant, in the order a product's life moves. */
const VARIANT_RANK: Record<VariantStatus, number> = { DRAFT: 0, ACTIVE: 1, ARCHIVED: 2, REMOVED: 3 };

/**
 * The partner_access row a connection event gives, normalised so `supplierId`
 * is the supplier; null for connections without a supplier on one side, and
 * when the stored row reflects a newer event.
 */
export function partnerAccessUpdate(
  stored: { eventAt: Date | string; status: AccessStatus } | null,
  p: ConnectionEventPayload,
  occurredAt: string,
): PartnerAccessRecord | null {
  let side: Pick<PartnerAccessRecord, 'supplierId' | 'partnerId' | 'partnerKind'> | null = null;
  if (p.requesterKind === 'SUPPLIER' && (p.partnerKind === 'BRAND' || p.partnerKind === 'RETAILER'))
    side = { supplierId: p.requesterId, partnerId: p.partnerId, partnerKind: p.partnerKind };
  else if (p.partnerKind === 'SUPPLIER' && (p.requesterKind === 'BRAND' || p.requesterKind === 'RETAILER'))
    side = { supplierId: p.partnerId, partnerId: p.requesterId, partnerKind: p.requesterKind };
  if (!side) return null;
  const rank = stored
    ? { stored: CONNECTION_RANK[stored.status], incoming: CONNECTION_RANK[p.status] }
    : undefined;
  if (!supersedes(stored, occurredAt, rank)) return null;
  const scopes = Array.isArray(p.scopes) ? p.scopes.map(String) : [];
  return {
    connectionId: p.connectionId,
    ...side,
    scopes,
    status: p.status,
    canFulfill: p.status === 'ACTIVE' && scopes.includes('FULFILL_ORDERS'),
    eventAt: new Date(occurredAt),
  };
}

export interface StoredVariant {
  variantId: string;
  status: VariantStatus;
  eventAt: Date | string;
}

/**
 * What a `catalog.product.changed` event does to the product's stored
 * variants: rows to write and variants to mark REMOVED. Per variant, only an
 * event newer than the row applies. A variant the event lists but a newer
 * event of the product (already applied) did not is written as REMOVED as of
 * that newer event, exactly what the events in time order would have left.
 * (A product whose newest event lists no variant leaves no row to compare
 * against; catalog never publishes a product without variants.)
 */
export function productVariantUpdates(
  stored: readonly StoredVariant[],
  p: ProductChangedPayload,
  occurredAt: string,
): { save: CatalogVariantRecord[]; remove: string[] } {
  const eventAt = new Date(occurredAt);
  const byId = new Map(stored.map((s) => [s.variantId, s]));
  const newest = stored.reduce<StoredVariant | null>(
    (n, s) => (n && !supersedes(n, s.eventAt) ? n : s),
    null,
  );
  const listed = Array.isArray(p.variants) ? p.variants : [];
  const save: CatalogVariantRecord[] = [];
  for (const v of listed) {
    const row: CatalogVariantRecord = {
      variantId: v.variantId,
      productId: p.productId,
      brandId: p.brandId,
      sku: v.sku,
      productName: p.name,
      status: p.status,
      msrpMinor: v.msrpMinor,
      currencyCode: v.currencyCode,
      eventAt,
    };
    const own = byId.get(v.variantId);
    if (own) {
      if (supersedes(own, eventAt, { stored: VARIANT_RANK[own.status], incoming: VARIANT_RANK[p.status] }))
        save.push(row);
    } else if (newest && !supersedes(newest, eventAt)) {
      // unknown so far, and not listed by the newer event already applied: removed since
      save.push({ ...row, status: 'REMOVED', eventAt: dbDate(newest.eventAt) });
    } else {
      save.push(row);
    }
  }
  const listedIds = new Set(listed.map((v) => v.variantId));
  const remove = stored
    .filter(
      (s) =>
        !listedIds.has(s.variantId) &&
        supersedes(s, eventAt, { stored: VARIANT_RANK[s.status], incoming: VARIANT_RANK.REMOVED }),
    )
    .map((s) => s.variantId);
  return { save, remove };
}
