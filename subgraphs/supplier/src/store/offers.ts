import { dbDate, isDuplicateKey, type Page, qualified, RetryableConflict, rows } from '@tradegraph/shared';
import { Offer } from '../entities/index.ts';
import { type SupplierContext, tenantOf } from '../services.ts';

/**
 * Offers: the tenant's `offers` rows are the record; `offer_index` in the
 * service database mirrors them in the same transaction, so federation fields
 * read offers of many suppliers in one query per batch.
 */

const serviceTable = (ctx: SupplierContext, table: string) => qualified(ctx.kernel.serviceDb, table);

/** The shape every Offer resolver works on, from the tenant row or the index. */
export interface OfferView {
  id: string;
  supplierId: string;
  brandId: string;
  variantId: string;
  /** Minor units, as a decimal string. */
  wholesaleMinor: string;
  currencyCode: string;
  minimumOrderQuantity: number;
  leadTimeDays: number;
  active: boolean;
  createdAt: Date;
  updatedAt: Date;
}

/** The terms a supplier sets. */
export type OfferTerms = Pick<
  OfferView,
  'brandId' | 'wholesaleMinor' | 'currencyCode' | 'minimumOrderQuantity' | 'leadTimeDays' | 'active'
>;

function fromTenant(ctx: SupplierContext, o: Offer): OfferView {
  return {
    id: o.id,
    supplierId: tenantOf(ctx).organizationId,
    brandId: o.brandId,
    variantId: o.variantId,
    wholesaleMinor: String(o.wholesaleMinor),
    currencyCode: o.currencyCode,
    minimumOrderQuantity: o.minimumOrderQuantity,
    leadTimeDays: o.leadTimeDays,
    active: o.active,
    createdAt: o.createdAt,
    updatedAt: o.updatedAt,
  };
}

interface IndexRow {
  offer_id: string;
  supplier_id: string;
  variant_id: string;
  brand_id: string;
  wholesale_minor: string | number;
  currency_code: string;
  minimum_order_quantity: number | string;
  lead_time_days: number | string;
  active: number | boolean;
  created_at: Date | string;
  updated_at: Date | string;
}

function fromIndex(r: IndexRow): OfferView {
  return {
    id: r.offer_id,
    supplierId: r.supplier_id,
    brandId: r.brand_id,
    variantId: r.variant_id,
    wholesaleMinor: String(r.wholesale_minor),
    currencyCode: r.currency_code,
    minimumOrderQuantity: Number(r.minimum_order_quantity),
    leadTimeDays: Number(r.lead_time_days),
    active: Boolean(Number(r.active)),
    createdAt: dbDate(r.created_at),
    updatedAt: dbDate(r.updated_at),
  };
}

// ---- the supplier's own offers (tenant database) ----

export async function findOwnOffer(ctx: SupplierContext, id: string): Promise<OfferView | null> {
  const o = await ctx.em.findOne(Offer, { id });
  return o ? fromTenant(ctx, o) : null;
}

export async function offerForVariant(ctx: SupplierContext, variantId: string): Promise<OfferView | null> {
  const o = await ctx.em.findOne(Offer, { variantId });
  return o ? fromTenant(ctx, o) : null;
}

/**
 * Creates or updates the offer and its index row now (the event that follows
 * must describe what is stored). Two first upserts of one variant racing on
 * the unique key: the loser runs again and updates the winner's offer.
 */
export async function saveOffer(
  ctx: SupplierContext,
  offer: { id: string; variantId: string; createdAt: Date; updatedAt: Date } & OfferTerms,
): Promise<OfferView> {
  const existing = await ctx.em.findOne(Offer, { id: offer.id });
  const row = existing ? ctx.em.assign(existing, offer) : ctx.em.create(Offer, { ...offer });
  try {
    await ctx.em.flush();
  } catch (err) {
    if (isDuplicateKey(err, 'offers_variant_uq')) throw new RetryableConflict(String(err));
    throw err;
  }
  const view = fromTenant(ctx, row);
  await indexOffer(ctx, view);
  return view;
}

/** Deletes the offer and its index row. */
export async function deleteOffer(ctx: SupplierContext, id: string): Promise<void> {
  const o = await ctx.em.findOne(Offer, { id });
  if (o) ctx.em.remove(o);
  await ctx.em.flush();
  await ctx.em.execute(`delete from ${serviceTable(ctx, 'offer_index')} where offer_id = ?`, [id], 'run');
}

async function indexOffer(ctx: SupplierContext, o: OfferView): Promise<void> {
  await ctx.em.execute(
    `insert into ${serviceTable(ctx, 'offer_index')}
      (offer_id, supplier_id, variant_id, brand_id, wholesale_minor, currency_code, minimum_order_quantity,
       lead_time_days, active, created_at, updated_at)
      values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
      on duplicate key update wholesale_minor = values(wholesale_minor), currency_code = values(currency_code),
        minimum_order_quantity = values(minimum_order_quantity), lead_time_days = values(lead_time_days),
        active = values(active), brand_id = values(brand_id), updated_at = values(updated_at)`,
    [
      o.id,
      o.supplierId,
      o.variantId,
      o.brandId,
      o.wholesaleMinor,
      o.currencyCode,
      o.minimumOrderQuantity,
      o.leadTimeDays,
      o.active,
      o.createdAt,
      o.updatedAt,
    ],
    'run',
  );
}

export async function listOwnOffers(
  ctx: SupplierContext,
  filter: { variantId?: string | null; active?: boolean | null },
  page: Page<string>,
) {
  const where: Record<string, unknown> = {};
  if (filter.variantId) where.variantId = filter.variantId;
  if (typeof filter.active === 'boolean') where.active = filter.active;
  const found = await ctx.em.find(Offer, page.after ? { ...where, id: { $gt: page.after } } : where, {
    orderBy: { id: 'asc' },
    limit: page.limit,
  });
  return { rows: found.map((o) => fromTenant(ctx, o)), count: () => ctx.em.count(Offer, where) };
}

// ---- everyone else's view (offer_index on the service database) ----

/**
 * SQL condition (alias `o` on offer_index) for "the viewer may see this
 * offer": the supplier itself; the brand of an active offer; a retailer with
 * an ACTIVE FULFILL_ORDERS connection to the supplier, while the supplier's own
 * connection with the brand carries FULFILL_ORDERS too. Three placeholders,
 * each the viewer's organisation id.
 */
function visibleTo(ctx: SupplierContext): string {
  const pa = serviceTable(ctx, 'partner_access');
  return `(o.supplier_id = ?
    or (o.active = 1 and o.brand_id = ?)
    or (o.active = 1
      and exists (select 1 from ${pa} r where r.supplier_id = o.supplier_id and r.partner_id = ?
                  and r.partner_kind = 'RETAILER' and r.can_fulfill = 1)
      and exists (select 1 from ${pa} b where b.supplier_id = o.supplier_id and b.partner_id = o.brand_id
                  and b.can_fulfill = 1)))`;
}

export async function visibleOffer(
  ctx: SupplierContext,
  viewer: string,
  id: string,
): Promise<OfferView | null> {
  const [row] = await rows<IndexRow>(
    ctx.em,
    `select o.* from ${serviceTable(ctx, 'offer_index')} o where o.offer_id = ? and ${visibleTo(ctx)}`,
    [id, viewer, viewer, viewer],
  );
  return row ? fromIndex(row) : null;
}

/** Active offers the viewer may see for these variants, cheapest first per variant. */
export async function visibleOffersOfVariants(
  ctx: SupplierContext,
  viewer: string,
  variantIds: readonly string[],
) {
  const found = await rows<IndexRow>(
    ctx.em,
    `select o.* from ${serviceTable(ctx, 'offer_index')} o
      where o.variant_id in (?) and o.active = 1 and ${visibleTo(ctx)}
      order by o.variant_id, o.wholesale_minor, o.offer_id`,
    [[...variantIds], viewer, viewer, viewer],
  );
  return found.map(fromIndex);
}

/** The first `limit` offers (after `after`) of each supplier the viewer may see, oldest first. */
export async function visibleOffersOfSuppliers(
  ctx: SupplierContext,
  viewer: string,
  supplierIds: readonly string[],
  limit: number,
  after: string | null,
) {
  const found = await rows<IndexRow>(
    ctx.em,
    `select * from (
         select o.*, row_number() over (partition by o.supplier_id order by o.offer_id) rn
           from ${serviceTable(ctx, 'offer_index')} o
          where o.supplier_id in (?) ${after ? 'and o.offer_id > ?' : ''} and ${visibleTo(ctx)}
       ) t where t.rn <= ? order by t.supplier_id, t.offer_id`,
    [[...supplierIds], ...(after ? [after] : []), viewer, viewer, viewer, limit],
  );
  return found.map(fromIndex);
}

/** How many offers of each supplier the viewer may see. */
export async function visibleOfferCounts(
  ctx: SupplierContext,
  viewer: string,
  supplierIds: readonly string[],
) {
  const found = await rows<{ supplier_id: string; n: number | string }>(
    ctx.em,
    `select o.supplier_id, count(*) n from ${serviceTable(ctx, 'offer_index')} o
      where o.supplier_id in (?) and ${visibleTo(ctx)} group by o.supplier_id`,
    [[...supplierIds], viewer, viewer, viewer],
  );
  return new Map(found.map((r) => [r.supplier_id, Number(r.n)]));
}
