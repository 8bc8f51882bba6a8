import { dbDate, type EntityManager, parseId, placeholders, qualified, rows } from '@tradegraph/shared';
import type { AccessStatus, VariantStatus } from '../entities/index.ts';
import type { SupplierContext } from '../services.ts';

/**
 * The service-database tables fed by other services' events: `partner_access`
 * (identity connections with a supplier on one side) and `catalog_variants`
 * (brands' variants). Reads name the service database, so they also work
 * inside a tenant transaction; writes run in the consumer's transaction on the
 * service database.
 */

const serviceTable = (ctx: SupplierContext, table: string) => qualified(ctx.kernel.serviceDb, table);

export interface CatalogVariantRecord {
  variantId: string;
  productId: string;
  brandId: string;
  sku: string;
  productName: string;
  /** The product's status; REMOVED when the variant no longer appears in its product. */
  status: VariantStatus;
  msrpMinor: string | null;
  currencyCode: string | null;
  eventAt: Date;
}

export interface PartnerAccessRecord {
  connectionId: string;
  supplierId: string;
  partnerId: string;
  partnerKind: 'BRAND' | 'RETAILER';
  scopes: string[];
  status: AccessStatus;
  /** ACTIVE and carrying FULFILL_ORDERS. */
  canFulfill: boolean;
  eventAt: Date;
}

// ---- reads (request side) ----

/** A brand variant as the catalog projection has it, or null (also for malformed ids). */
export async function catalogVariant(
  ctx: SupplierContext,
  variantId: string,
): Promise<CatalogVariantRecord | null> {
  if (!parseId(variantId, 'var')) return null;
  const [r] = await rows<{
    variant_id: string;
    product_id: string;
    brand_id: string;
    sku: string;
    product_name: string;
    status: VariantStatus;
    msrp_minor: string | null;
    currency_code: string | null;
    event_at: Date | string;
  }>(ctx.em, `select * from ${serviceTable(ctx, 'catalog_variants')} where variant_id = ?`, [variantId]);
  if (!r) return null;
  return {
    variantId: r.variant_id,
    productId: r.product_id,
    brandId: r.brand_id,
    sku: r.sku,
    productName: r.product_name,
    status: r.status,
    msrpMinor: r.msrp_minor,
    currencyCode: r.currency_code,
    eventAt: dbDate(r.event_at),
  };
}

/** Whether the supplier has an ACTIVE connection carrying FULFILL_ORDERS with this partner (a brand or retailer). */
export async function canFulfillFor(
  ctx: SupplierContext,
  supplierId: string,
  partnerId: string,
): Promise<boolean> {
  const found = await rows(
    ctx.em,
    `select 1 from ${serviceTable(ctx, 'partner_access')}
      where supplier_id = ? and partner_id = ? and can_fulfill = 1 limit 1`,
    [supplierId, partnerId],
  );
  return found.length > 0;
}

/**
 * Available stock per variant, summed over the suppliers with an ACTIVE
 * FULFILL_ORDERS connection to the variant's brand (stock_summary joined with
 * partner_access); variants nobody stocks are absent.
 *
 * The connection check is a scalar subquery, not `exists`: MariaDB turns an
 * `exists` into a semi-join and, on fresh statistics, drove it from the few
 * partner_access rows, reading every stock row of each supplier by primary
 * key and sorting for the group by (1.7-2.1 ms of MariaDB CPU for a page of
 * 50 variants). As a dependent subquery the statement always starts from the
 * variants' index and checks each row with one lookup (0.5-0.6 ms); same rows.
 */
export async function availableQuantities(ctx: SupplierContext, variantIds: readonly string[]) {
  const found = await rows<{ variant_id: string; qty: string | number | null }>(
    ctx.em,
    `select s.variant_id, sum(s.total_available) qty
       from ${serviceTable(ctx, 'stock_summary')} s
      where s.variant_id in (?)
        and (select 1 from ${serviceTable(ctx, 'partner_access')} pa
              where pa.supplier_id = s.supplier_id and pa.partner_id = s.brand_id and pa.can_fulfill = 1
              limit 1) is not null
      group by s.variant_id`,
    [[...variantIds]],
  );
  return new Map(found.map((r) => [r.variant_id, Math.max(0, Number(r.qty ?? 0))]));
}

// ---- writes (the consumer's transaction on the service database) ----

/** The stored state of a connection, locked for this transaction. */
export async function lockPartnerAccess(em: EntityManager, connectionId: string) {
  const [row] = await rows<{ event_at: Date | string; status: AccessStatus }>(
    em,
    'select event_at, status from partner_access where connection_id = ? for update',
    [connectionId],
  );
  return row ? { eventAt: row.event_at, status: row.status } : null;
}

export async function savePartnerAccess(em: EntityManager, a: PartnerAccessRecord): Promise<void> {
  await em.execute(
    `insert into partner_access
       (connection_id, supplier_id, partner_id, partner_kind, scopes, status, can_fulfill, event_at, updated_at)
       values (?, ?, ?, ?, ?, ?, ?, ?, ?)
     on duplicate key update scopes = values(scopes), status = values(status), can_fulfill = values(can_fulfill),
       event_at = values(event_at), updated_at = values(updated_at)`,
    [
      a.connectionId,
      a.supplierId,
      a.partnerId,
      a.partnerKind,
      JSON.stringify(a.scopes),
      a.status,
      a.canFulfill,
      a.eventAt,
      new Date(),
    ],
    'run',
  );
}

/** The stored variants of a product, locked for this transaction. */
export async function lockProductVariants(em: EntityManager, productId: string) {
  const found = await rows<{ variant_id: string; status: VariantStatus; event_at: Date | string }>(
    em,
    'select variant_id, status, event_at from catalog_variants where product_id = ? for update',
    [productId],
  );
  return found.map((r) => ({ variantId: r.variant_id, status: r.status, eventAt: r.event_at }));
}

export async function saveCatalogVariant(em: EntityManager, v: CatalogVariantRecord): Promise<void> {
  await em.execute(
    `insert into catalog_variants
       (variant_id, product_id, brand_id, sku, product_name, status, msrp_minor, currency_code, event_at, updated_at)
       values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
     on duplicate key update product_id = values(product_id), brand_id = values(brand_id), sku = values(sku),
       product_name = values(product_name), status = values(status), msrp_minor = values(msrp_minor),
       currency_code = values(currency_code), event_at = values(event_at), updated_at = values(updated_at)`,
    [
      v.variantId,
      v.productId,
      v.brandId,
      v.sku,
      v.productName,
      v.status,
      v.msrpMinor,
      v.currencyCode,
      v.eventAt,
      new Date(),
    ],
    'run',
  );
}

/** Marks variants REMOVED as of `eventAt` (the rest of their row stays as last described). */
export async function markVariantsRemoved(
  em: EntityManager,
  variantIds: string[],
  eventAt: Date,
): Promise<void> {
  if (!variantIds.length) return;
  await em.execute(
    `update catalog_variants set status = 'REMOVED', event_at = ?, updated_at = ?
      where variant_id in (${placeholders(variantIds.length)})`,
    [eventAt, new Date(), ...variantIds],
    'run',
  );
}
