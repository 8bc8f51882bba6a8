import {
  AppError,
  actingOrganizationId,
  badInput,
  fromMinorUnits,
  hasPermission,
  isOwnId,
  newId,
  notFound,
  type PageArgs,
  type Principal,
  pageArgs,
  parseId,
  toConnection,
  toMinorUnits,
} from '@tradegraph/shared';
import { offerChanged } from '../events/publish.ts';
import { type SupplierContext, type SupplierUnit, tenantOf } from '../services.ts';
import {
  deleteOffer,
  findOwnOffer,
  listOwnOffers,
  type OfferView,
  offerForVariant,
  saveOffer,
  visibleOffer,
  visibleOfferCounts,
  visibleOffersOfSuppliers,
  visibleOffersOfVariants,
} from '../store/offers.ts';
import { requireStockableVariant } from './catalog.ts';
import { fail } from './errors.ts';
import { requireInt } from './validation.ts';

/**
 * A supplier's wholesale offer for a brand variant: one per supplier and
 * variant (upsert). Who sees an offer (docs/network.md): the supplier itself
 * (also inactive ones), the brand owning the variant, and retailers with an
 * ACTIVE FULFILL_ORDERS connection to the supplier — for those, only while the
 * supplier's own FULFILL_ORDERS connection with the brand is ACTIVE too.
 */

export function offerPrice(o: OfferView) {
  return fromMinorUnits(BigInt(o.wholesaleMinor), o.currencyCode);
}

// ---- rules ----

/**
 * A wholesale price in minor units: a well-formed amount in a known currency
 * with at most its decimals (INVALID_MONEY), greater than zero and not absurdly
 * large (INVALID_PRICE).
 */
export function parseWholesalePrice(
  money: { amount: string; currencyCode: string } | null | undefined,
): bigint {
  if (!money || typeof money !== 'object')
    return fail('INVALID_PRICE', 'A wholesale price is required', 'wholesalePrice');
  let minor: bigint;
  try {
    minor = toMinorUnits(money);
  } catch (err) {
    if (!(err instanceof AppError)) throw err;
    const field = typeof err.extensions.field === 'string' ? err.extensions.field : 'amount';
    return fail('INVALID_MONEY', err.message, ['wholesalePrice', field]);
  }
  if (minor <= 0n)
    fail('INVALID_PRICE', 'The wholesale price must be greater than zero', ['wholesalePrice', 'amount']);
  if (minor > 100_000_000_000_000n)
    fail('INVALID_PRICE', 'The wholesale price is too large', ['wholesalePrice', 'amount']);
  return minor;
}

// ---- steps ----

export interface UpsertOfferInput {
  variantId: string;
  wholesalePrice: { amount: string; currencyCode: string };
  minimumOrderQuantity: number;
  leadTimeDays: number;
}

/** Creates or replaces the offer for a variant (same id; re-activated). */
export async function upsertOffer(tx: SupplierUnit, input: UpsertOfferInput): Promise<OfferView> {
  const minor = parseWholesalePrice(input.wholesalePrice);
  const minimumOrderQuantity = requireInt(input.minimumOrderQuantity, 'minimumOrderQuantity', {
    min: 1,
    max: 1_000_000,
    code: 'INVALID_MINIMUM_ORDER_QUANTITY',
    what: 'minimumOrderQuantity',
  });
  const leadTimeDays = requireInt(input.leadTimeDays, 'leadTimeDays', {
    min: 0,
    max: 365,
    code: 'INVALID_LEAD_TIME',
    what: 'leadTimeDays',
  });
  const tenant = tenantOf(tx);
  const variant = await requireStockableVariant(
    tx,
    tenant.organizationId,
    input.variantId,
    'variantId',
    'offer its products',
  );
  const now = new Date();
  const existing = await offerForVariant(tx, variant.variantId);
  const offer = await saveOffer(tx, {
    id: existing?.id ?? newId('ofr', tenant.tenantKey),
    variantId: variant.variantId,
    brandId: variant.brandId,
    wholesaleMinor: minor.toString(),
    currencyCode: input.wholesalePrice.currencyCode,
    minimumOrderQuantity,
    leadTimeDays,
    active: true,
    createdAt: existing?.createdAt ?? now,
    updatedAt: now,
  });
  tx.publish('supplier.offer.changed', offerChanged(offer));
  return offer;
}

async function ownOffer(ctx: SupplierContext, id: unknown): Promise<OfferView> {
  const o = isOwnId(tenantOf(ctx), id, 'ofr') ? await findOwnOffer(ctx, id) : null;
  if (!o) throw notFound('Offer');
  return o;
}

/** Stops offering (kept, and re-activated by the next upsertOffer for the variant). */
export async function deactivateOffer(tx: SupplierUnit, id: string): Promise<OfferView> {
  const o = await ownOffer(tx, id);
  if (!o.active) fail('OFFER_INACTIVE', 'This offer is already inactive', 'id');
  const offer = await saveOffer(tx, { ...o, active: false, updatedAt: new Date() });
  tx.publish('supplier.offer.changed', offerChanged(offer));
  return offer;
}

/** Deletes the offer; consumers get a last `supplier.offer.changed` with active false. */
export async function removeOffer(tx: SupplierUnit, id: string): Promise<string> {
  const o = await ownOffer(tx, id);
  await deleteOffer(tx, o.id);
  tx.publish('supplier.offer.changed', offerChanged({ ...o, updatedAt: new Date() }, true));
  return o.id;
}

// ---- reads ----

/** The caller's own offers (also inactive ones), oldest first; `ctx` is bound to the caller's tenant. */
export async function ownOffers(
  ctx: SupplierContext,
  filter: { variantId?: string | null; active?: boolean | null } | null | undefined,
  args: PageArgs,
) {
  const page = pageArgs<string>(args);
  const { rows, count } = await listOwnOffers(ctx, filter ?? {}, page);
  return toConnection(rows, page, (o) => o.id, count);
}

/** The organisation a principal views offers as, or null (anonymous, customers, no read permission). */
export function offerViewer(p: Principal): string | null {
  const org = actingOrganizationId(p);
  if (!org) return null;
  return hasPermission(p, 'inventory:read') || hasPermission(p, 'catalog:read') ? org : null;
}

/** One offer by id, if the caller may see it (null otherwise: no hint whether it exists). */
export async function offer(ctx: SupplierContext, id: string): Promise<OfferView | null> {
  const viewer = offerViewer(ctx.principal);
  if (!viewer || !parseId(id, 'ofr')) return null;
  return visibleOffer(ctx, viewer, id);
}

/** ProductVariant.offers: active offers the caller may see, for every variant of the request in one query. */
export function variantOffersLoader(ctx: SupplierContext) {
  return ctx.loaders.get<string, OfferView[]>('variantOffers', async (variantIds) => {
    const viewer = offerViewer(ctx.principal);
    if (!viewer) return variantIds.map(() => []);
    const byVariant = groupBy(await visibleOffersOfVariants(ctx, viewer, variantIds), (o) => o.variantId);
    return variantIds.map((id) => byVariant.get(id) ?? []);
  });
}

/**
 * Organization.offers(first, after): a supplier's offers the caller may see
 * (the supplier itself: all, also inactive), oldest first. Batched over the
 * organisations of a request: one query per distinct page argument.
 */
export async function organizationOffers(ctx: SupplierContext, orgId: string, args: PageArgs) {
  const page = pageArgs<string>(args);
  if (page.after !== null && typeof page.after !== 'string')
    throw badInput('after is not a valid cursor', 'after');
  const key = JSON.stringify({ org: orgId, limit: page.limit, after: page.after });
  const found = await organizationOffersLoader(ctx).load(key);
  return toConnection(
    found,
    page,
    (o) => o.id,
    () => organizationOfferCountLoader(ctx).load(orgId),
  );
}

function organizationOffersLoader(ctx: SupplierContext) {
  return ctx.loaders.get<string, OfferView[]>('organizationOffers', async (keys) => {
    const viewer = offerViewer(ctx.principal);
    if (!viewer) return keys.map(() => []);
    const parsed = keys.map((k) => JSON.parse(k) as { org: string; limit: number; after: string | null });
    const results = new Map<string, OfferView[]>();
    for (const group of groupBy(parsed, (k) => `${k.limit}|${k.after ?? ''}`).values()) {
      const { limit, after } = group[0]!;
      const orgs = [...new Set(group.map((k) => k.org))];
      for (const o of await visibleOffersOfSuppliers(ctx, viewer, orgs, limit, after)) {
        const key = JSON.stringify({ org: o.supplierId, limit, after });
        results.set(key, [...(results.get(key) ?? []), o]);
      }
    }
    return keys.map((k) => results.get(k) ?? []);
  });
}

function organizationOfferCountLoader(ctx: SupplierContext) {
  return ctx.loaders.get<string, number>('organizationOfferCount', async (orgs) => {
    const viewer = offerViewer(ctx.principal);
    if (!viewer) return orgs.map(() => 0);
    const counts = await visibleOfferCounts(ctx, viewer, orgs);
    return orgs.map((o) => counts.get(o) ?? 0);
  });
}

function groupBy<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    const group = groups.get(k);
    if (group) group.push(item);
    else groups.set(k, [item]);
  }
  return groups;
}
