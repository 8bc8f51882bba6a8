import type { EntityManager } from '@tradegraph/shared';
import type { HandlerMap, TypedEnvelope } from '@tradegraph/shared/events';
import type { SupplierServices } from '../context.ts';

/**
 * What the supplier service reacts to. Handlers run in a transaction on the
 * service database together with the consumer's dedupe row, so each event is
 * applied once; redelivered or out-of-order older events are ignored by
 * comparing `occurredAt` with what the projection last applied.
 */

/** MySQL DATETIME(3) as read with dateStrings (UTC) → Date. */
function dbDate(value: unknown): Date {
  if (value instanceof Date) return value;
  return new Date(`${String(value).replace(' ', 'T')}Z`);
}

const STATUS_RANK = { PENDING: 0, ACTIVE: 1, DECLINED: 2, REVOKED: 2 } as const;

type ConnectionEvent = TypedEnvelope<
  | 'identity.connection.requested'
  | 'identity.connection.accepted'
  | 'identity.connection.declined'
  | 'identity.connection.revoked'
>;

/** partner_access: connections with a supplier on one side, normalised to (supplier, partner). */
export async function applyConnection(em: EntityManager, e: ConnectionEvent): Promise<void> {
  const p = e.payload;
  let side: { supplierId: string; partnerId: string; partnerKind: 'BRAND' | 'RETAILER' } | null = null;
  if (p.requesterKind === 'SUPPLIER' && (p.partnerKind === 'BRAND' || p.partnerKind === 'RETAILER'))
    side = { supplierId: p.requesterId, partnerId: p.partnerId, partnerKind: p.partnerKind };
  else if (p.partnerKind === 'SUPPLIER' && (p.requesterKind === 'BRAND' || p.requesterKind === 'RETAILER'))
    side = { supplierId: p.partnerId, partnerId: p.requesterId, partnerKind: p.requesterKind };
  if (!side) return;
  const eventAt = new Date(e.occurredAt);
  const [current] = await em.execute<{ event_at: string; status: keyof typeof STATUS_RANK }[]>(
    'select event_at, status from partner_access where connection_id = ? for update',
    [p.connectionId],
  );
  if (current) {
    const at = dbDate(current.event_at).getTime();
    if (at > eventAt.getTime()) return;
    if (at === eventAt.getTime() && STATUS_RANK[current.status] > STATUS_RANK[p.status]) return;
  }
  const scopes = Array.isArray(p.scopes) ? p.scopes.map(String) : [];
  const canFulfill = p.status === 'ACTIVE' && scopes.includes('FULFILL_ORDERS');
  await em.execute(
    `insert into partner_access
       (connection_id, supplier_id, partner_id, partner_kind, scopes, status, can_fulfill, event_at, updated_at)
       values (?, ?, ?, ?, ?, ?, ?, ?, ?)
     on duplicate key update scopes = values(scopes), status = values(status), can_fulfill = values(can_fulfill),
       event_at = values(event_at), updated_at = values(updated_at)`,
    [
      p.connectionId,
      side.supplierId,
      side.partnerId,
      side.partnerKind,
      JSON.stringify(scopes),
      p.status,
      canFulfill,
      eventAt,
      new Date(),
    ],
    'run',
  );
}

/** catalog_variants: every variant of the product as of the event; variants no longer listed become REMOVED. */
export async function applyProduct(
  em: EntityManager,
  e: TypedEnvelope<'catalog.product.changed'>,
): Promise<void> {
  const p = e.payload;
  const eventAt = new Date(e.occurredAt);
  const [last] = await em.execute<{ at: string | null }[]>(
    'select max(event_at) at from catalog_variants where product_id = ? for update',
    [p.productId],
  );
  if (last?.at && dbDate(last.at).getTime() > eventAt.getTime()) return;
  const now = new Date();
  const variants = Array.isArray(p.variants) ? p.variants : [];
  for (const v of variants) {
    await em.execute(
      `insert into catalog_variants
         (variant_id, product_id, brand_id, sku, product_name, status, msrp_minor, currency_code, event_at, updated_at)
         values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
       on duplicate key update product_id = values(product_id), brand_id = values(brand_id), sku = values(sku),
         product_name = values(product_name), status = values(status), msrp_minor = values(msrp_minor),
         currency_code = values(currency_code), event_at = values(event_at), updated_at = values(updated_at)`,
      [
        v.variantId,
        p.productId,
        p.brandId,
        v.sku,
        p.name,
        p.status,
        v.msrpMinor,
        v.currencyCode,
        eventAt,
        now,
      ],
      'run',
    );
  }
  const keep = variants.map((v) => v.variantId);
  await em.execute(
    `update catalog_variants set status = 'REMOVED', event_at = ?, updated_at = ?
      where product_id = ? ${keep.length ? 'and variant_id not in (?)' : ''}`,
    keep.length ? [eventAt, now, p.productId, keep] : [eventAt, now, p.productId],
    'run',
  );
}

export function supplierHandlers(services: SupplierServices): HandlerMap {
  return {
    'identity.organization.created': async (_em, e) => {
      if (e.payload.kind === 'SUPPLIER') await services.registry.ensure(e.payload.organizationId, 'SUPPLIER');
    },
    'identity.connection.requested': applyConnection,
    'identity.connection.accepted': applyConnection,
    'identity.connection.declined': applyConnection,
    'identity.connection.revoked': applyConnection,
    'catalog.product.changed': applyProduct,
  };
}
