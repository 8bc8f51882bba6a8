import { type EntityManager, placeholders, qualified, rows } from '@tradegraph/shared';

/**
 * The projections kept in the service database from other services' events:
 * reads (one statement for any number of variants, rows parsed here) and the
 * consumers' upserts. What to apply is decided in domain/projections.ts.
 */

export interface VariantProjection {
  variantId: string;
  productId: string;
  brandId: string;
  productName: string;
  sku: string;
  options: { name: string; value: string }[];
  displayName: string;
  status: string;
  msrpMinor: number | null;
  msrpCurrency: string | null;
}

interface VariantRow {
  variant_id: string;
  product_id: string;
  brand_id: string;
  product_name: string;
  sku: string;
  options: string | { name: string; value: string }[];
  display_name: string;
  status: string;
  msrp_minor: number | string | null;
  msrp_currency: string | null;
}

/**
 * `lock`: read with shared locks (the latest committed rows, held to the end
 * of the transaction). A write that derives listing columns from projections
 * first writes its own row (listing, listing_index) and then reads the facts
 * locked, while a consumer first writes its fact and then reads the listings
 * locked: whichever runs second waits for the other, so neither derives from
 * a state the other is about to change (docs/retailer.md, "Consistency").
 */
const lockClause = (lock: boolean | undefined) => (lock ? ' lock in share mode' : '');

export async function loadVariants(
  em: EntityManager,
  serviceDb: string,
  variantIds: readonly string[],
  lock?: boolean,
): Promise<Map<string, VariantProjection>> {
  const out = new Map<string, VariantProjection>();
  if (!variantIds.length) return out;
  const found = await rows<VariantRow>(
    em,
    `select variant_id, product_id, brand_id, product_name, sku, options, display_name, status, msrp_minor, msrp_currency
     from ${qualified(serviceDb, 'catalog_variants')} where variant_id in (${placeholders(variantIds.length)})${lockClause(lock)}`,
    [...variantIds],
  );
  for (const r of found) {
    out.set(r.variant_id, {
      variantId: r.variant_id,
      productId: r.product_id,
      brandId: r.brand_id,
      productName: r.product_name,
      sku: r.sku,
      options: typeof r.options === 'string' ? JSON.parse(r.options) : r.options,
      displayName: r.display_name,
      status: r.status,
      msrpMinor: r.msrp_minor === null ? null : Number(r.msrp_minor),
      msrpCurrency: r.msrp_currency,
    });
  }
  return out;
}

/** Lowest ACTIVE wholesale price per variant and currency: key `${variantId}|${currency}`. */
export async function loadLowestWholesale(
  em: EntityManager,
  serviceDb: string,
  variantIds: readonly string[],
  lock?: boolean,
): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  if (!variantIds.length) return out;
  // the active filter is applied after the scan, so that a locked read also
  // locks the rows (and gaps) of offers that may become active
  const found = await rows<{ variant_id: string; currency_code: string; lowest: number | string }>(
    em,
    `select variant_id, currency_code, min(if(active = 1, wholesale_minor, null)) as lowest
     from ${qualified(serviceDb, 'variant_offers')}
     where variant_id in (${placeholders(variantIds.length)})
     group by variant_id, currency_code${lockClause(lock)}`,
    [...variantIds],
  );
  for (const r of found) {
    if (r.lowest !== null) out.set(`${r.variant_id}|${r.currency_code}`, Number(r.lowest));
  }
  return out;
}

/**
 * Variants some supplier has available stock of while holding an ACTIVE
 * FULFILL_ORDERS connection to the variant's brand (as `availableQuantity`).
 */
export async function loadStocked(
  em: EntityManager,
  serviceDb: string,
  variantIds: readonly string[],
  lock?: boolean,
): Promise<Set<string>> {
  if (!variantIds.length) return new Set();
  // A join rather than `exists`: a locking read locks the rows of joined
  // tables, not those of a subquery. Filters on quantities and status are
  // applied after the scan for the same reason (rows that may change are locked).
  const found = await rows<{ variant_id: string; stocked: number | string }>(
    em,
    `select vs.variant_id, max(vs.total_available > 0 and sf.active = 1) as stocked
     from ${qualified(serviceDb, 'variant_stock')} vs
     join ${qualified(serviceDb, 'catalog_variants')} cv on cv.variant_id = vs.variant_id
     left join ${qualified(serviceDb, 'supplier_fulfilment')} sf
       on sf.supplier_id = vs.supplier_id and sf.brand_id = cv.brand_id
     where vs.variant_id in (${placeholders(variantIds.length)})
     group by vs.variant_id${lockClause(lock)}`,
    [...variantIds],
  );
  return new Set(found.filter((r) => Number(r.stocked) === 1).map((r) => r.variant_id));
}

/**
 * How many units of each variant one supplier can supply now: the largest
 * `totalAvailable` among suppliers with an ACTIVE FULFILL_ORDERS connection to
 * the variant's brand (the suppliers `loadStocked` counts). The largest, not
 * the sum: checkout routes a line to one supplier and never splits it. Variants
 * nobody can supply are absent (0). Not a locking read: carts check against it.
 */
export async function loadAvailableQuantities(
  em: EntityManager,
  serviceDb: string,
  variantIds: readonly string[],
): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  const ids = [...new Set(variantIds)];
  if (!ids.length) return out;
  // one row per (variant, supplier): a supplier may hold several connection rows for the brand
  const found = await rows<{ variant_id: string; most: number | string | null }>(
    em,
    `select variant_id, max(total_available) as most from (
       select vs.variant_id, vs.supplier_id, vs.total_available
       from ${qualified(serviceDb, 'variant_stock')} vs
       join ${qualified(serviceDb, 'catalog_variants')} cv on cv.variant_id = vs.variant_id
       join ${qualified(serviceDb, 'supplier_fulfilment')} sf
         on sf.supplier_id = vs.supplier_id and sf.brand_id = cv.brand_id and sf.active = 1
       where vs.variant_id in (${placeholders(ids.length)}) and vs.total_available > 0
       group by vs.variant_id, vs.supplier_id, vs.total_available
     ) per_supplier group by variant_id`,
    ids,
  );
  for (const r of found) out.set(r.variant_id, Number(r.most ?? 0));
  return out;
}

/** Whether the retailer may sell the brand's products now (ACTIVE connection with SELL_PRODUCTS). */
export async function canSell(
  em: EntityManager,
  serviceDb: string,
  retailerId: string,
  brandId: string,
): Promise<boolean> {
  const [r] = await rows<{ can_sell: number }>(
    em,
    `select can_sell from ${qualified(serviceDb, 'partner_access')} where retailer_id = ? and brand_id = ?`,
    [retailerId, brandId],
  );
  return Boolean(Number(r?.can_sell ?? 0));
}

/** Everything prices and derived listing fields depend on, for a set of variants (three statements). */
export interface ProjectionFacts {
  variants: Map<string, VariantProjection>;
  wholesale: Map<string, number>;
  stocked: Set<string>;
}

export async function loadFacts(
  em: EntityManager,
  serviceDb: string,
  variantIds: readonly string[],
  lock?: boolean,
): Promise<ProjectionFacts> {
  const ids = [...new Set(variantIds)];
  const [variants, wholesale, stocked] = await Promise.all([
    loadVariants(em, serviceDb, ids, lock),
    loadLowestWholesale(em, serviceDb, ids, lock),
    loadStocked(em, serviceDb, ids, lock),
  ]);
  return { variants, wholesale, stocked };
}

/** The supplier_fulfilment row of a connection, locked for update (null when none yet). */
export async function lockFulfilment(
  em: EntityManager,
  serviceDb: string,
  connectionId: string,
): Promise<{ status: string; eventAt: Date | string } | null> {
  const [r] = await rows<{ status: string; eventAt: Date | string }>(
    em,
    `select status, source_at as eventAt from ${qualified(serviceDb, 'supplier_fulfilment')}
     where connection_id = ? for update`,
    [connectionId],
  );
  return r ?? null;
}

/** Whether any connection of the supplier with the brand grants fulfilment now (read locked). */
export async function pairCanFulfil(
  em: EntityManager,
  serviceDb: string,
  supplierId: string,
  brandId: string,
): Promise<boolean> {
  const [r] = await rows<{ n: number | string }>(
    em,
    `select count(*) as n from ${qualified(serviceDb, 'supplier_fulfilment')}
     where supplier_id = ? and brand_id = ? and active = 1 lock in share mode`,
    [supplierId, brandId],
  );
  return Number(r?.n ?? 0) > 0;
}

export async function upsertFulfilment(
  em: EntityManager,
  serviceDb: string,
  row: {
    connectionId: string;
    supplierId: string;
    brandId: string;
    status: string;
    active: boolean;
    sourceAt: Date;
  },
): Promise<void> {
  await em.execute(
    `insert into ${qualified(serviceDb, 'supplier_fulfilment')}
       (connection_id, supplier_id, brand_id, status, active, source_at, updated_at)
     values (?, ?, ?, ?, ?, ?, ?)
     on duplicate key update supplier_id = values(supplier_id), brand_id = values(brand_id),
       status = values(status), active = values(active), source_at = values(source_at),
       updated_at = values(updated_at)`,
    [row.connectionId, row.supplierId, row.brandId, row.status, row.active ? 1 : 0, row.sourceAt, new Date()],
  );
}

/** The partner_access row of a retailer/brand pair, locked for update (null when none yet). */
export async function lockPartnerAccess(
  em: EntityManager,
  serviceDb: string,
  retailerId: string,
  brandId: string,
): Promise<{ connectionId: string; status: string; canSell: boolean; eventAt: Date | string | null } | null> {
  const [r] = await rows<{
    connection_id: string;
    status: string;
    can_sell: number;
    eventAt: Date | string | null;
  }>(
    em,
    `select connection_id, status, can_sell, source_at as eventAt from ${qualified(serviceDb, 'partner_access')}
     where retailer_id = ? and brand_id = ? for update`,
    [retailerId, brandId],
  );
  return r
    ? {
        connectionId: r.connection_id,
        status: r.status,
        canSell: Number(r.can_sell) === 1,
        eventAt: r.eventAt,
      }
    : null;
}

export async function upsertPartnerAccess(
  em: EntityManager,
  serviceDb: string,
  row: {
    retailerId: string;
    brandId: string;
    connectionId: string;
    status: string;
    canSell: boolean;
    canRead: boolean;
    sourceAt: Date;
  },
): Promise<void> {
  await em.execute(
    `insert into ${qualified(serviceDb, 'partner_access')}
       (retailer_id, brand_id, connection_id, status, can_sell, can_read, source_at, updated_at)
     values (?, ?, ?, ?, ?, ?, ?, ?)
     on duplicate key update connection_id = values(connection_id), status = values(status),
       can_sell = values(can_sell), can_read = values(can_read), source_at = values(source_at),
       updated_at = values(updated_at)`,
    [
      row.retailerId,
      row.brandId,
      row.connectionId,
      row.status,
      row.canSell ? 1 : 0,
      row.canRead ? 1 : 0,
      row.sourceAt,
      new Date(),
    ],
  );
}

/** One variant of a catalog.product.changed event, as the projection keeps it. */
export interface CatalogVariantRow {
  variantId: string;
  productId: string;
  brandId: string;
  productName: string;
  sku: string;
  options: { name: string; value: string }[];
  displayName: string;
  status: string;
  msrpMinor: string | null;
  msrpCurrency: string | null;
}

/**
 * Upserts catalog variants from an event that occurred at `sourceAt`: the
 * set-based form of the kernel's `supersedes` (apply when not older than the row).
 */
export async function upsertCatalogVariants(
  em: EntityManager,
  serviceDb: string,
  variants: readonly CatalogVariantRow[],
  sourceAt: Date,
): Promise<void> {
  const now = new Date();
  for (const v of variants) {
    await em.execute(
      `insert into ${qualified(serviceDb, 'catalog_variants')} (variant_id, product_id, brand_id, product_name, sku,
         options, display_name, status, msrp_minor, msrp_currency, source_at, updated_at)
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
        v.productId,
        v.brandId,
        v.productName,
        v.sku,
        JSON.stringify(v.options),
        v.displayName,
        v.status,
        v.msrpMinor,
        v.msrpCurrency,
        sourceAt,
        now,
      ],
    );
  }
}

/**
 * Marks REMOVED the product's variants an event at `sourceAt` no longer
 * lists (unless a newer event wrote them); returns their ids.
 */
export async function removeVariantsNotIn(
  em: EntityManager,
  serviceDb: string,
  productId: string,
  keptVariantIds: readonly string[],
  sourceAt: Date,
): Promise<string[]> {
  const CV = qualified(serviceDb, 'catalog_variants');
  const gone = await rows<{ variant_id: string }>(
    em,
    `select variant_id from ${CV} where product_id = ? and source_at <= ? and status <> 'REMOVED'
     ${keptVariantIds.length ? `and variant_id not in (${placeholders(keptVariantIds.length)})` : ''}`,
    [productId, sourceAt, ...keptVariantIds],
  );
  const ids = gone.map((g) => g.variant_id);
  if (ids.length) {
    await em.execute(
      `update ${CV} set status = 'REMOVED', source_at = ?, updated_at = ?
       where variant_id in (${placeholders(ids.length)})`,
      [sourceAt, new Date(), ...ids],
    );
  }
  return ids;
}

/** Upserts a supplier offer (set-based `supersedes`: applied when not older than the row). */
export async function upsertOffer(
  em: EntityManager,
  serviceDb: string,
  o: {
    offerId: string;
    supplierId: string;
    brandId: string;
    variantId: string;
    wholesaleMinor: string;
    currencyCode: string;
    minimumOrderQuantity: number;
    leadTimeDays: number;
    active: boolean;
  },
  sourceAt: Date,
): Promise<void> {
  await em.execute(
    `insert into ${qualified(serviceDb, 'variant_offers')} (offer_id, supplier_id, brand_id, variant_id,
       wholesale_minor, currency_code, minimum_order_quantity, lead_time_days, active, source_at, updated_at)
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
      o.offerId,
      o.supplierId,
      o.brandId,
      o.variantId,
      o.wholesaleMinor,
      o.currencyCode,
      o.minimumOrderQuantity,
      o.leadTimeDays,
      o.active ? 1 : 0,
      sourceAt,
      new Date(),
    ],
  );
}

/** Upserts a supplier's total available stock of a variant (set-based `supersedes`). */
export async function upsertStock(
  em: EntityManager,
  serviceDb: string,
  s: { variantId: string; supplierId: string; brandId: string; totalAvailable: number },
  sourceAt: Date,
): Promise<void> {
  await em.execute(
    `insert into ${qualified(serviceDb, 'variant_stock')}
       (variant_id, supplier_id, brand_id, total_available, source_at, updated_at)
     values (?, ?, ?, ?, ?, ?)
     on duplicate key update
       total_available = if(values(source_at) >= source_at, values(total_available), total_available),
       updated_at = if(values(source_at) >= source_at, values(updated_at), updated_at),
       source_at = greatest(source_at, values(source_at))`,
    [s.variantId, s.supplierId, s.brandId, s.totalAvailable, sourceAt, new Date()],
  );
}
