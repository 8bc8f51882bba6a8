import {
  AppError,
  actingOrganizationId,
  badInput,
  type EntityManager,
  failWith,
  fromMinorUnits,
  hasPermission,
  newId,
  notFound,
  type PageArgs,
  type Principal,
  pageArgs,
  parseId,
  toConnection,
  toMinorUnits,
} from '@tradegraph/shared';
import { publish } from '@tradegraph/shared/events';
import {
  eventContext,
  inTenantTransaction,
  readTenant,
  type SupplierContext,
  serviceTable,
  type TenantContext,
  writeTenant,
} from '../context.ts';
import { Offer, OfferIndex } from '../entities/index.ts';
import { canFulfillFor, requireKnownVariant } from './catalog.ts';
import { withStockRetry } from './stock.ts';
import { emptyConnection, requireInt } from './validation.ts';

/**
 * A supplier's wholesale offer for a brand variant: one per supplier and
 * variant (upsert). The tenant's `offers` row is the record; `offer_index` in
 * the service database mirrors it in the same transaction so federation
 * fields read offers of many suppliers in one query.
 *
 * Who sees an offer (docs/network.md): the supplier itself (also inactive
 * ones), the brand owning the variant, and retailers with an ACTIVE
 * FULFILL_ORDERS connection to the supplier — for those, only while the
 * supplier's own FULFILL_ORDERS connection with the brand is ACTIVE too.
 */

/** The shape every Offer resolver works on, from the tenant row or the index. */
export interface OfferView {
  id: string;
  supplierId: string;
  brandId: string;
  variantId: string;
  wholesaleMinor: string;
  currencyCode: string;
  minimumOrderQuantity: number;
  leadTimeDays: number;
  active: boolean;
  createdAt: Date;
  updatedAt: Date;
}

export function offerPrice(o: OfferView) {
  return fromMinorUnits(BigInt(o.wholesaleMinor), o.currencyCode);
}

function fromTenant(supplierId: string, o: Offer): OfferView {
  return {
    id: o.id,
    supplierId,
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

function fromIndex(o: OfferIndex): OfferView {
  return {
    id: o.offerId,
    supplierId: o.supplierId,
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

function mapIndexRows(em: EntityManager, rows: Record<string, unknown>[]): OfferView[] {
  return rows.map((r) => fromIndex(em.map(OfferIndex, r as never)));
}

/** Mirrors the offer into offer_index and publishes supplier.offer.changed (same transaction). */
async function indexAndPublish(ctx: TenantContext, o: OfferView, removed = false) {
  if (removed) {
    await ctx.em.execute(`delete from ${serviceTable(ctx, 'offer_index')} where offer_id = ?`, [o.id], 'run');
  } else {
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
  publish(ctx.em, eventContext(ctx), 'supplier.offer.changed', {
    aggregateId: o.id,
    orgId: o.supplierId,
    payload: {
      offerId: o.id,
      supplierId: o.supplierId,
      brandId: o.brandId,
      variantId: o.variantId,
      wholesaleMinor: o.wholesaleMinor,
      currencyCode: o.currencyCode,
      minimumOrderQuantity: o.minimumOrderQuantity,
      leadTimeDays: o.leadTimeDays,
      active: removed ? false : o.active,
    },
  });
}

function parsePrice(money: { amount: string; currencyCode: string } | null | undefined): bigint {
  if (!money || typeof money !== 'object')
    return failWith('INVALID_PRICE', 'A wholesale price is required', 'wholesalePrice');
  let minor: bigint;
  try {
    minor = toMinorUnits(money);
  } catch (err) {
    if (!(err instanceof AppError)) throw err;
    const field = (err.extensions.field as string | undefined) ?? 'amount';
    return failWith('INVALID_PRICE', err.message, ['wholesalePrice', field]);
  }
  if (minor <= 0n)
    failWith('INVALID_PRICE', 'The wholesale price must be greater than zero', ['wholesalePrice', 'amount']);
  if (minor > 100_000_000_000_000n)
    failWith('INVALID_PRICE', 'The wholesale price is too large', ['wholesalePrice', 'amount']);
  return minor;
}

export async function upsertOffer(
  ctx: SupplierContext,
  input: {
    variantId: string;
    wholesalePrice: { amount: string; currencyCode: string };
    minimumOrderQuantity: number;
    leadTimeDays: number;
  },
): Promise<OfferView> {
  const tenant = await writeTenant(ctx, 'offers:write');
  const minor = parsePrice(input.wholesalePrice);
  const moq = requireInt(input.minimumOrderQuantity, 'minimumOrderQuantity', {
    min: 1,
    max: 1_000_000,
    code: 'INVALID_MINIMUM_ORDER_QUANTITY',
    what: 'minimumOrderQuantity',
  });
  const lead = requireInt(input.leadTimeDays, 'leadTimeDays', {
    min: 0,
    max: 365,
    code: 'INVALID_LEAD_TIME',
    what: 'leadTimeDays',
  });
  // withStockRetry also covers two first upserts of one variant racing on the unique key
  return withStockRetry(tenant, async (tx) => {
    const variant = await requireKnownVariant(tx, input.variantId, 'variantId');
    if (variant.status !== 'ACTIVE')
      failWith('VARIANT_NOT_ACTIVE', 'This product variant is not active in the brand catalog', 'variantId');
    if (!(await canFulfillFor(tx, tx.tenant.organizationId, variant.brandId)))
      failWith(
        'NO_FULFILLMENT_ACCESS',
        'You need an active FULFILL_ORDERS connection with the brand to offer its products',
        'variantId',
      );
    const now = new Date();
    let offer = await tx.em.findOne(Offer, { variantId: variant.variantId });
    if (offer) {
      offer.wholesaleMinor = minor.toString();
      offer.currencyCode = input.wholesalePrice.currencyCode;
      offer.minimumOrderQuantity = moq;
      offer.leadTimeDays = lead;
      offer.brandId = variant.brandId;
      offer.active = true;
      offer.updatedAt = now;
    } else {
      offer = tx.em.create(Offer, {
        id: newId('ofr', tx.tenant.tenantKey),
        variantId: variant.variantId,
        brandId: variant.brandId,
        wholesaleMinor: minor.toString(),
        currencyCode: input.wholesalePrice.currencyCode,
        minimumOrderQuantity: moq,
        leadTimeDays: lead,
        active: true,
        createdAt: now,
        updatedAt: now,
      });
    }
    await tx.em.flush();
    const view = fromTenant(tx.tenant.organizationId, offer);
    await indexAndPublish(tx, view);
    return view;
  });
}

async function ownOffer(ctx: TenantContext, id: unknown): Promise<Offer> {
  const parsed = parseId(id, 'ofr');
  if (!parsed || parsed.tenantKey !== ctx.tenant.tenantKey) throw notFound('Offer');
  const o = await ctx.em.findOne(Offer, { id: id as string });
  if (!o) throw notFound('Offer');
  return o;
}

/** Stops offering (kept, and re-activated by the next upsertOffer for the variant). */
export async function deactivateOffer(ctx: SupplierContext, input: { id: string }): Promise<OfferView> {
  const tenant = await writeTenant(ctx, 'offers:write');
  return inTenantTransaction(tenant, async (tx) => {
    const offer = await ownOffer(tx, input.id);
    if (!offer.active) failWith('OFFER_INACTIVE', 'This offer is already inactive', 'id');
    offer.active = false;
    offer.updatedAt = new Date();
    await tx.em.flush();
    const view = fromTenant(tx.tenant.organizationId, offer);
    await indexAndPublish(tx, view);
    return view;
  });
}

/** Deletes the offer; consumers get a last `supplier.offer.changed` with active false. */
export async function removeOffer(ctx: SupplierContext, input: { id: string }): Promise<string> {
  const tenant = await writeTenant(ctx, 'offers:write');
  return inTenantTransaction(tenant, async (tx) => {
    const offer = await ownOffer(tx, input.id);
    const view = fromTenant(tx.tenant.organizationId, offer);
    tx.em.remove(offer);
    await tx.em.flush();
    await indexAndPublish(tx, { ...view, active: false, updatedAt: new Date() }, true);
    return view.id;
  });
}

/** The caller's own offers (also inactive ones), oldest first. */
export async function listOwnOffers(
  ctx: SupplierContext,
  filter: { variantId?: string | null; active?: boolean | null } | null | undefined,
  args: PageArgs,
) {
  const tenant = await readTenant(ctx, 'inventory:read');
  if (!tenant) return emptyConnection(args);
  const page = pageArgs<string>(args);
  const where: Record<string, unknown> = {};
  if (filter?.variantId) where.variantId = String(filter.variantId);
  if (typeof filter?.active === 'boolean') where.active = filter.active;
  const rows = await tenant.em.find(Offer, page.after ? { ...where, id: { $gt: page.after } } : where, {
    orderBy: { id: 'asc' },
    limit: page.limit,
  });
  const views = rows.map((o) => fromTenant(tenant.tenant.organizationId, o));
  return toConnection(
    views,
    page,
    (o) => o.id,
    () => tenant.em.count(Offer, where),
  );
}

// ---- visibility for everyone else (offer_index, one query per batch) ----

/** The organisation a principal views offers as, or null (anonymous, customers, no read permission). */
export function offerViewer(p: Principal): string | null {
  const org = actingOrganizationId(p);
  if (!org) return null;
  return hasPermission(p, 'inventory:read') || hasPermission(p, 'catalog:read') ? org : null;
}

/**
 * SQL condition (alias `o` on offer_index) for "the viewer may see this offer";
 * three placeholders, each the viewer's organisation id.
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

/** One offer by id, if the caller may see it (null otherwise: no hint whether it exists). */
export async function findOffer(ctx: SupplierContext, id: string): Promise<OfferView | null> {
  const viewer = offerViewer(ctx.principal);
  if (!viewer || !parseId(id, 'ofr')) return null;
  const rows = await ctx.em.execute(
    `select o.* from ${serviceTable(ctx, 'offer_index')} o where o.offer_id = ? and ${visibleTo(ctx)}`,
    [id, viewer, viewer, viewer],
  );
  return mapIndexRows(ctx.em, rows)[0] ?? null;
}

/** ProductVariant.offers: active offers the caller may see, for every variant of the request in one query. */
export function variantOffersLoader(ctx: SupplierContext) {
  return ctx.loaders.get<string, OfferView[]>('variantOffers', async (variantIds) => {
    const viewer = offerViewer(ctx.principal);
    if (!viewer) return variantIds.map(() => []);
    const rows = await ctx.em.execute(
      `select o.* from ${serviceTable(ctx, 'offer_index')} o
        where o.variant_id in (?) and o.active = 1 and ${visibleTo(ctx)}
        order by o.variant_id, o.wholesale_minor, o.offer_id`,
      [[...variantIds], viewer, viewer, viewer],
    );
    const byVariant = new Map<string, OfferView[]>();
    for (const o of mapIndexRows(ctx.em, rows)) {
      const list = byVariant.get(o.variantId);
      if (list) list.push(o);
      else byVariant.set(o.variantId, [o]);
    }
    return variantIds.map((id) => byVariant.get(id) ?? []);
  });
}

/**
 * Organization.offers(first, after): a supplier's offers the caller may see
 * (the supplier itself: all, also inactive), oldest first. Batched over the
 * organisations of a request: one query per distinct page argument.
 */
export function organizationOffersLoader(ctx: SupplierContext) {
  return ctx.loaders.get<string, OfferView[]>('organizationOffers', async (keys) => {
    const viewer = offerViewer(ctx.principal);
    if (!viewer) return keys.map(() => []);
    const parsed = keys.map((k) => JSON.parse(k) as { org: string; limit: number; after: string | null });
    const groups = new Map<string, typeof parsed>();
    for (const k of parsed) {
      const g = `${k.limit}|${k.after ?? ''}`;
      groups.set(g, [...(groups.get(g) ?? []), k]);
    }
    const results = new Map<string, OfferView[]>();
    for (const group of groups.values()) {
      const { limit, after } = group[0]!;
      const orgs = [...new Set(group.map((k) => k.org))];
      const rows = await ctx.em.execute(
        `select * from (
             select o.*, row_number() over (partition by o.supplier_id order by o.offer_id) rn
               from ${serviceTable(ctx, 'offer_index')} o
              where o.supplier_id in (?) ${after ? 'and o.offer_id > ?' : ''} and ${visibleTo(ctx)}
           ) t where t.rn <= ? order by t.supplier_id, t.offer_id`,
        [[...orgs], ...(after ? [after] : []), viewer, viewer, viewer, limit],
      );
      for (const o of mapIndexRows(ctx.em, rows)) {
        const key = JSON.stringify({ org: o.supplierId, limit, after });
        results.set(key, [...(results.get(key) ?? []), o]);
      }
    }
    return keys.map((k) => results.get(k) ?? []);
  });
}

/** Count of a supplier's offers the caller may see, batched over the organisations of a request. */
export function organizationOfferCountLoader(ctx: SupplierContext) {
  return ctx.loaders.get<string, number>('organizationOfferCount', async (orgs) => {
    const viewer = offerViewer(ctx.principal);
    if (!viewer) return orgs.map(() => 0);
    const rows = await ctx.em.execute<{ supplier_id: string; n: number }[]>(
      `select o.supplier_id, count(*) n from ${serviceTable(ctx, 'offer_index')} o
        where o.supplier_id in (?) and ${visibleTo(ctx)} group by o.supplier_id`,
      [[...orgs], viewer, viewer, viewer],
    );
    const map = new Map(rows.map((r) => [r.supplier_id, Number(r.n)]));
    return orgs.map((o) => map.get(o) ?? 0);
  });
}

export async function organizationOffers(ctx: SupplierContext, orgId: string, args: PageArgs) {
  const page = pageArgs<string>(args);
  if (page.after !== null && typeof page.after !== 'string')
    throw badInput('after is not a valid cursor', 'after');
  const key = JSON.stringify({ org: orgId, limit: page.limit, after: page.after });
  const rows = await organizationOffersLoader(ctx).load(key);
  return toConnection(
    rows,
    page,
    (o) => o.id,
    () => organizationOfferCountLoader(ctx).load(orgId),
  );
}
