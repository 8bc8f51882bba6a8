import {
  type EntityManager,
  type Kernel,
  type Logger,
  placeholders,
  provisionTenantOn,
  qualified,
  supersedes,
  type TenantRegistry,
} from '@tradegraph/shared';
import type { HandlerMap, PublishContext, TypedEnvelope } from '@tradegraph/shared/events';
import { handlerPublisher, republishListings } from './events.ts';
import { displayNameOf } from './projections.ts';
import { refreshBrandListings, refreshVariantListings } from './refresh.ts';

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

/** Order of a connection's statuses, to break ties between events of the same millisecond (kernel `supersedes`). */
const STATUS_RANK: Record<string, number> = { PENDING: 0, ACTIVE: 1, DECLINED: 2, REVOKED: 2 };
const rankOf = (stored: string, incoming: string) => ({
  stored: STATUS_RANK[stored] ?? 0,
  incoming: STATUS_RANK[incoming] ?? 0,
});

/** A minor-unit amount from an event ("1999"), or null when absent or not a non-negative integer. */
function minorOrNull(value: string | null | undefined): string | null {
  return typeof value === 'string' && /^\d{1,15}$/.test(value) ? value : null;
}

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
    const SF = qualified(svc, 'supplier_fulfilment');
    const occurred = at(e.occurredAt);
    const [current] = (await em.execute(
      `select status, active, source_at as eventAt from ${SF} where connection_id = ? for update`,
      [p.connectionId],
    )) as { status: string; active: number; eventAt: Date | string }[];
    if (current && !supersedes(current, occurred, rankOf(current.status, p.status))) return;
    const scopes = Array.isArray(p.scopes) ? p.scopes.map(String) : [];
    const active = p.status === 'ACTIVE' && scopes.includes('FULFILL_ORDERS');
    const pairActive = async () => {
      const [r] = (await em.execute(
        `select count(*) as n from ${SF} where supplier_id = ? and brand_id = ? and active = 1 lock in share mode`,
        [supplierId, brandId],
      )) as { n: number | string }[];
      return Number(r?.n ?? 0) > 0;
    };
    const before = await pairActive();
    await em.execute(
      `insert into ${SF} (connection_id, supplier_id, brand_id, status, active, source_at, updated_at)
       values (?, ?, ?, ?, ?, ?, ?)
       on duplicate key update supplier_id = values(supplier_id), brand_id = values(brand_id),
         status = values(status), active = values(active), source_at = values(source_at),
         updated_at = values(updated_at)`,
      [p.connectionId, supplierId, brandId, p.status, active ? 1 : 0, occurred, new Date()],
    );
    const after = await pairActive();
    if (before === after) return;
    const n = await refreshBrandListings(em, deps, brandId);
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
    const PA = qualified(svc, 'partner_access');
    const occurred = at(e.occurredAt);
    const [current] = (await em.execute(
      `select connection_id, status, can_sell, source_at as eventAt from ${PA}
       where retailer_id = ? and brand_id = ? for update`,
      [retailerId, brandId],
    )) as { connection_id: string; status: string; can_sell: number; eventAt: Date | string | null }[];
    if (current && !supersedes(current, occurred, rankOf(current.status, p.status))) return;
    // A close (decline/revoke) only applies to the connection the row holds: a
    // later connection of the pair may already have been accepted.
    if (!active && current && current.connection_id !== p.connectionId) return;
    const canSellNow = active && p.scopes.includes('SELL_PRODUCTS');
    const canRead = active && (p.scopes.includes('CATALOG_READ') || canSellNow);
    await em.execute(
      `insert into ${PA} (retailer_id, brand_id, connection_id, status, can_sell, can_read, source_at, updated_at)
       values (?, ?, ?, ?, ?, ?, ?, ?)
       on duplicate key update connection_id = values(connection_id), status = values(status),
         can_sell = values(can_sell), can_read = values(can_read), source_at = values(source_at),
         updated_at = values(updated_at)`,
      [
        retailerId,
        brandId,
        p.connectionId,
        p.status,
        canSellNow ? 1 : 0,
        canRead ? 1 : 0,
        occurred,
        new Date(),
      ],
    );
    const before = Boolean(Number(current?.can_sell ?? 0));
    if (before === canSellNow) return;
    const tenant = await deps.registry.byOrganization(retailerId);
    if (!tenant) return;
    const n = await republishListings(em, handlerPublisher(em, ectx(e)), {
      serviceDb: svc,
      tenantDb: tenant.dbName,
      retailerId,
      where: { brandId },
    });
    deps.logger.info({ retailerId, brandId, canSell: canSellNow, listings: n }, 'partner access changed');
  }

  return {
    'identity.organization.created': provisionTenantOn(deps, ['RETAILER']),
    'identity.connection.accepted': onConnection,
    'identity.connection.declined': onConnection,
    'identity.connection.revoked': onConnection,

    'catalog.product.changed': async (em, e) => {
      const p = e.payload;
      const CV = qualified(svc, 'catalog_variants');
      const now = new Date();
      const occurred = at(e.occurredAt);
      const ids = p.variants.map((v) => v.variantId);
      for (const v of p.variants) {
        // set-based form of the kernel's `supersedes`: apply when not older than the row
        await em.execute(
          `insert into ${CV} (variant_id, product_id, brand_id, product_name, sku, options, display_name, status,
             msrp_minor, msrp_currency, source_at, updated_at)
           values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
           on duplicate key update
             product_id = if(values(source_at) >= source_at, values(product_id), product_id),
             brand_id = if(values(source_at) >= source_at, values(brand_id), brand_id),
             product_name = if(values(source_at) >= source_at, values(product_name), product_name),
             sku = if(values(source_at) >= source_at, values(sku), sku),
             options = if(values(source_at) >= source_at, values(options), options),
             display_name = if(values(source_at) >= source_at, values(display_name), display_name),
             status = if(values(source_at) >= source_at, values(status), status),
             msrp_minor = if(values(source_at) >= source_at, values(msrp_minor), msrp_minor),
             msrp_currency = if(values(source_at) >= source_at, values(msrp_currency), msrp_currency),
             updated_at = if(values(source_at) >= source_at, values(updated_at), updated_at),
             source_at = greatest(source_at, values(source_at))`,
          [
            v.variantId,
            p.productId,
            p.brandId,
            p.name.slice(0, 300),
            v.sku.slice(0, 120),
            JSON.stringify(v.options ?? []),
            displayNameOf(p.name, v.options ?? []),
            p.status,
            minorOrNull(v.msrpMinor),
            v.msrpMinor === null ? null : v.currencyCode,
            occurred,
            now,
          ],
        );
      }
      // Variants that left the product can no longer be sold.
      const gone = (await em.execute(
        `select variant_id from ${CV} where product_id = ? and source_at <= ? and status <> 'REMOVED'
         ${ids.length ? `and variant_id not in (${placeholders(ids.length)})` : ''}`,
        [p.productId, occurred, ...ids],
      )) as { variant_id: string }[];
      if (gone.length) {
        await em.execute(
          `update ${CV} set status = 'REMOVED', source_at = ?, updated_at = ?
           where variant_id in (${placeholders(gone.length)})`,
          [occurred, now, ...gone.map((g) => g.variant_id)],
        );
      }
      await refreshVariantListings(em, deps, [...ids, ...gone.map((g) => g.variant_id)]);
    },

    'supplier.offer.changed': async (em, e) => {
      const p = e.payload;
      const VO = qualified(svc, 'variant_offers');
      // set-based form of the kernel's `supersedes`: apply when not older than the row
      await em.execute(
        `insert into ${VO} (offer_id, supplier_id, brand_id, variant_id, wholesale_minor, currency_code,
           minimum_order_quantity, lead_time_days, active, source_at, updated_at)
         values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
         on duplicate key update
           wholesale_minor = if(values(source_at) >= source_at, values(wholesale_minor), wholesale_minor),
           currency_code = if(values(source_at) >= source_at, values(currency_code), currency_code),
           minimum_order_quantity = if(values(source_at) >= source_at, values(minimum_order_quantity), minimum_order_quantity),
           lead_time_days = if(values(source_at) >= source_at, values(lead_time_days), lead_time_days),
           active = if(values(source_at) >= source_at, values(active), active),
           updated_at = if(values(source_at) >= source_at, values(updated_at), updated_at),
           source_at = greatest(source_at, values(source_at))`,
        [
          p.offerId,
          p.supplierId,
          p.brandId,
          p.variantId,
          minorOrNull(p.wholesaleMinor) ?? '0',
          p.currencyCode,
          p.minimumOrderQuantity,
          p.leadTimeDays,
          p.active && minorOrNull(p.wholesaleMinor) !== null ? 1 : 0,
          at(e.occurredAt),
          new Date(),
        ],
      );
      await refreshVariantListings(em, deps, [p.variantId]);
    },

    'supplier.stock.changed': async (em, e) => {
      const p = e.payload;
      const VS = qualified(svc, 'variant_stock');
      // set-based form of the kernel's `supersedes`: apply when not older than the row
      await em.execute(
        `insert into ${VS} (variant_id, supplier_id, brand_id, total_available, source_at, updated_at)
         values (?, ?, ?, ?, ?, ?)
         on duplicate key update
           total_available = if(values(source_at) >= source_at, values(total_available), total_available),
           updated_at = if(values(source_at) >= source_at, values(updated_at), updated_at),
           source_at = greatest(source_at, values(source_at))`,
        [p.variantId, p.supplierId, p.brandId, Math.max(0, p.totalAvailable), at(e.occurredAt), new Date()],
      );
      await refreshVariantListings(em, deps, [p.variantId]);
    },
  };
}
