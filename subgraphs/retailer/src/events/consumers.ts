import {
  type EntityManager,
  type Kernel,
  type Logger,
  provisionTenantOn,
  supersedes,
  type TenantRegistry,
} from '@tradegraph/shared';
import type { HandlerMap, PublishContext, TypedEnvelope } from '@tradegraph/shared/events';
import { closeCheckedOutCart } from '../domain/carts.ts';
import { connectionRank, displayNameOf, minorOrNull } from '../domain/projections.ts';
import { refreshBrandListings, refreshVariantListings } from '../domain/refresh.ts';
import { activeListingEvents } from '../store/listings.ts';
import {
  lockFulfilment,
  lockPartnerAccess,
  pairCanFulfil,
  removeVariantsNotIn,
  upsertCatalogVariants,
  upsertFulfilment,
  upsertOffer,
  upsertPartnerAccess,
  upsertStock,
} from '../store/projections.ts';
import { announceListings, handlerPublisher } from './publish.ts';

/**
 * Event handlers of the retailer service (consumer group `retailer`). Each
 * runs in one transaction on the service database together with the dedupe
 * row; projection upserts ignore events older than what they already hold
 * (source_at), so redeliveries and cross-partition reordering cannot roll a
 * projection back. Derived listing columns in the tenant databases are
 * refreshed in the same transaction.
 */

export interface ConsumerDeps {
  kernel: Kernel;
  serviceDb: string;
  registry: TenantRegistry;
  logger: Logger;
}

type ConnectionEnvelope = TypedEnvelope<
  'identity.connection.accepted' | 'identity.connection.declined' | 'identity.connection.revoked'
>;

const at = (iso: string) => new Date(iso);

export function retailerHandlers(deps: ConsumerDeps): HandlerMap {
  const svc = deps.serviceDb;
  const ectx = (e: { id: string; traceparent?: string; requestId?: string }): PublishContext => ({
    source: 'retailer',
    ...(e.requestId ? { requestId: e.requestId } : {}),
    ...(e.traceparent ? { traceparent: e.traceparent } : {}),
  });

  /**
   * Applies a BRAND↔SUPPLIER connection event to supplier_fulfilment (one row
   * per connection; an event older than the row's source_at is ignored) and,
   * when the supplier's fulfilment access to the brand changes, recomputes the
   * `available` of the brand's listings in every retailer database.
   */
  async function onSupplierConnection(em: EntityManager, e: ConnectionEnvelope) {
    const p = e.payload;
    const supplierId = p.requesterKind === 'SUPPLIER' ? p.requesterId : p.partnerId;
    const brandId = p.requesterKind === 'BRAND' ? p.requesterId : p.partnerId;
    const occurred = at(e.occurredAt);
    const current = await lockFulfilment(em, svc, p.connectionId);
    if (current && !supersedes(current, occurred, connectionRank(current.status, p.status))) return;
    const scopes = Array.isArray(p.scopes) ? p.scopes.map(String) : [];
    const active = p.status === 'ACTIVE' && scopes.includes('FULFILL_ORDERS');
    const before = await pairCanFulfil(em, svc, supplierId, brandId);
    await upsertFulfilment(em, svc, {
      connectionId: p.connectionId,
      supplierId,
      brandId,
      status: p.status,
      active,
      sourceAt: occurred,
    });
    const after = await pairCanFulfil(em, svc, supplierId, brandId);
    if (before === after) return;
    const n = await refreshBrandListings(em, handlerPublisher(em, ectx(e)), deps, brandId);
    deps.logger.info({ supplierId, brandId, canFulfill: after, listings: n }, 'supplier fulfilment changed');
  }

  /** Applies a BRAND↔RETAILER connection event to partner_access and re-announces the brand's listings. */
  async function onConnection(em: EntityManager, e: ConnectionEnvelope) {
    const p = e.payload;
    const kinds = [p.requesterKind, p.partnerKind].sort().join(':');
    if (kinds === 'BRAND:SUPPLIER') return onSupplierConnection(em, e);
    if (kinds !== 'BRAND:RETAILER') return;
    const retailerId = p.requesterKind === 'RETAILER' ? p.requesterId : p.partnerId;
    const brandId = p.requesterKind === 'BRAND' ? p.requesterId : p.partnerId;
    const active = e.type === 'identity.connection.accepted' && p.status === 'ACTIVE';
    const occurred = at(e.occurredAt);
    const current = await lockPartnerAccess(em, svc, retailerId, brandId);
    if (current && !supersedes(current, occurred, connectionRank(current.status, p.status))) return;
    // A close (decline/revoke) only applies to the connection the row holds: a
    // later connection of the pair may already have been accepted.
    if (!active && current && current.connectionId !== p.connectionId) return;
    const canSellNow = active && p.scopes.includes('SELL_PRODUCTS');
    const canRead = active && (p.scopes.includes('CATALOG_READ') || canSellNow);
    await upsertPartnerAccess(em, svc, {
      retailerId,
      brandId,
      connectionId: p.connectionId,
      status: p.status,
      canSell: canSellNow,
      canRead,
      sourceAt: occurred,
    });
    if ((current?.canSell ?? false) === canSellNow) return;
    const tenant = await deps.registry.byOrganization(retailerId);
    if (!tenant) return;
    const listings = await activeListingEvents(em, {
      serviceDb: svc,
      tenantDb: tenant.dbName,
      retailerId,
      where: { brandId },
    });
    const n = announceListings(handlerPublisher(em, ectx(e)), listings);
    deps.logger.info({ retailerId, brandId, canSell: canSellNow, listings: n }, 'partner access changed');
  }

  return {
    'identity.organization.created': provisionTenantOn(deps, ['RETAILER']),
    'identity.connection.accepted': onConnection,
    'identity.connection.declined': onConnection,
    'identity.connection.revoked': onConnection,

    'catalog.product.changed': async (em, e) => {
      const p = e.payload;
      const occurred = at(e.occurredAt);
      const ids = p.variants.map((v) => v.variantId);
      await upsertCatalogVariants(
        em,
        svc,
        p.variants.map((v) => ({
          variantId: v.variantId,
          productId: p.productId,
          brandId: p.brandId,
          productName: p.name.slice(0, 300),
          sku: v.sku.slice(0, 120),
          options: v.options ?? [],
          displayName: displayNameOf(p.name, v.options ?? []),
          status: p.status,
          msrpMinor: minorOrNull(v.msrpMinor),
          msrpCurrency: v.msrpMinor === null ? null : v.currencyCode,
        })),
        occurred,
      );
      // Variants that left the product can no longer be sold.
      const gone = await removeVariantsNotIn(em, svc, p.productId, ids, occurred);
      await refreshVariantListings(em, handlerPublisher(em, ectx(e)), deps, [...ids, ...gone]);
    },

    'supplier.offer.changed': async (em, e) => {
      const p = e.payload;
      const wholesaleMinor = minorOrNull(p.wholesaleMinor);
      await upsertOffer(
        em,
        svc,
        {
          offerId: p.offerId,
          supplierId: p.supplierId,
          brandId: p.brandId,
          variantId: p.variantId,
          wholesaleMinor: wholesaleMinor ?? '0',
          currencyCode: p.currencyCode,
          minimumOrderQuantity: p.minimumOrderQuantity,
          leadTimeDays: p.leadTimeDays,
          active: p.active && wholesaleMinor !== null,
        },
        at(e.occurredAt),
      );
      await refreshVariantListings(em, handlerPublisher(em, ectx(e)), deps, [p.variantId]);
    },

    'supplier.stock.changed': async (em, e) => {
      const p = e.payload;
      await upsertStock(
        em,
        svc,
        {
          variantId: p.variantId,
          supplierId: p.supplierId,
          brandId: p.brandId,
          totalAvailable: Math.max(0, p.totalAvailable),
        },
        at(e.occurredAt),
      );
      await refreshVariantListings(em, handlerPublisher(em, ectx(e)), deps, [p.variantId]);
    },

    /** An order was placed from a cart: the cart is CHECKED_OUT (once; a redelivery finds it closed). */
    'orders.order.placed': async (em, e) => {
      const p = e.payload;
      const closed = await closeCheckedOutCart(em, handlerPublisher(em, ectx(e)), deps.registry, p);
      if (closed) deps.logger.info({ cartId: p.cartId, orderId: p.orderId }, 'cart checked out');
    },
  };
}
