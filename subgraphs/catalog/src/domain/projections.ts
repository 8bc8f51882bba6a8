import {
  type EntityManager,
  type Logger,
  parseId,
  type TenantRegistry,
  tenantKeyOf,
} from '@tradegraph/shared';
import type { ConnectionEventPayload, HandlerMap, TypedEnvelope } from '@tradegraph/shared/events';
import {
  type AccessStatus,
  ListingProjection,
  PartnerAccess,
  StorefrontProjection,
} from '../entities/index.ts';

/**
 * Consumers (group `catalog`). Each handler runs in one transaction on the
 * service database together with the processed_events row, so a redelivery is
 * a no-op. Events of one aggregate arrive in order; `event_at` additionally
 * makes a late replay of an older event (e.g. from a dead-letter queue) unable
 * to undo a newer state.
 */

const STATUS_RANK: Record<AccessStatus, number> = { PENDING: 0, ACTIVE: 1, DECLINED: 2, REVOKED: 2 };
const STATUSES = Object.keys(STATUS_RANK) as AccessStatus[];

/** Whether an event at `at` with `status` supersedes the stored state. */
function isNewer(stored: { eventAt: Date; status?: AccessStatus }, at: Date, status?: AccessStatus): boolean {
  const d = at.getTime() - stored.eventAt.getTime();
  if (d !== 0) return d > 0;
  return status && stored.status ? STATUS_RANK[status] >= STATUS_RANK[stored.status] : true;
}

async function applyConnection(
  em: EntityManager,
  e: TypedEnvelope<
    | 'identity.connection.requested'
    | 'identity.connection.accepted'
    | 'identity.connection.declined'
    | 'identity.connection.revoked'
  >,
  log: Logger,
) {
  const p = e.payload as ConnectionEventPayload;
  let brandId: string;
  let partnerId: string;
  let partnerKind: ConnectionEventPayload['partnerKind'];
  if (p.requesterKind === 'BRAND' && p.partnerKind !== 'BRAND') {
    brandId = p.requesterId;
    partnerId = p.partnerId;
    partnerKind = p.partnerKind;
  } else if (p.partnerKind === 'BRAND' && p.requesterKind !== 'BRAND') {
    brandId = p.partnerId;
    partnerId = p.requesterId;
    partnerKind = p.requesterKind;
  } else {
    return; // no brand on exactly one side (e.g. retailer ↔ supplier): nothing to see in the catalog
  }
  if (!STATUSES.includes(p.status)) {
    log.warn({ eventId: e.id, status: p.status }, 'connection event with unknown status ignored');
    return;
  }
  const at = new Date(e.occurredAt);
  const scopes = Array.isArray(p.scopes) ? p.scopes.map(String) : [];
  const row = await em.findOne(PartnerAccess, { connectionId: p.connectionId });
  if (row && !isNewer(row, at, p.status)) return;
  const values = {
    brandId,
    partnerId,
    partnerKind,
    scopes,
    // selling or fulfilling a brand's products implies reading its catalog (identity normalises it too)
    catalogRead: scopes.includes('CATALOG_READ') || scopes.includes('SELL_PRODUCTS'),
    sellProducts: scopes.includes('SELL_PRODUCTS'),
    status: p.status,
    eventAt: at,
    updatedAt: new Date(),
  };
  if (row) Object.assign(row, values);
  else em.create(PartnerAccess, { connectionId: p.connectionId, ...values });
}

export function catalogEventHandlers(registry: TenantRegistry, log: Logger): HandlerMap {
  const connection = (em: EntityManager, e: TypedEnvelope<'identity.connection.accepted'>) =>
    applyConnection(em, e, log);
  return {
    /** A brand's database is created as soon as the brand exists (idempotent; also done lazily on first write). */
    'identity.organization.created': async (_em, e) => {
      if (e.payload.kind !== 'BRAND') return;
      await registry.ensure(e.payload.organizationId, 'BRAND');
    },
    'identity.connection.requested': connection as never,
    'identity.connection.accepted': connection,
    'identity.connection.declined': connection as never,
    'identity.connection.revoked': connection as never,
    'retailer.listing.changed': async (em, e) => {
      const p = e.payload;
      const variant = parseId(p.variantId, 'var');
      if (!variant?.tenantKey || !p.brandId || variant.tenantKey !== tenantKeyOf(p.brandId)) {
        log.warn(
          { eventId: e.id, variantId: p.variantId, brandId: p.brandId },
          'listing of a variant that is not the brand’s ignored',
        );
        return;
      }
      const at = new Date(e.occurredAt);
      const row = await em.findOne(ListingProjection, { listingId: p.listingId });
      if (row && !isNewer(row, at)) return;
      const values = {
        retailerId: p.retailerId,
        storefrontId: p.storefrontId,
        variantId: p.variantId,
        brandId: p.brandId,
        visible: !!p.visible && !p.removed,
        removed: !!p.removed,
        eventAt: at,
        updatedAt: new Date(),
      };
      if (row) Object.assign(row, values);
      else em.create(ListingProjection, { listingId: p.listingId, ...values });
    },
    'retailer.storefront.changed': async (em, e) => {
      const p = e.payload;
      const at = new Date(e.occurredAt);
      const row = await em.findOne(StorefrontProjection, { storefrontId: p.storefrontId });
      if (row && !isNewer(row, at)) return;
      const values = {
        retailerId: p.retailerId,
        published: !!p.published,
        eventAt: at,
        updatedAt: new Date(),
      };
      if (row) Object.assign(row, values);
      else em.create(StorefrontProjection, { storefrontId: p.storefrontId, ...values });
    },
  };
}
