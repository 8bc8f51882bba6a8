import {
  badInput,
  isDuplicateKey,
  type Money,
  newId,
  notFound,
  read,
  requireOwnId,
  type UnitSpec,
  write,
} from '@tradegraph/shared';
import type { PriceBasis, PricingMode } from '../entities/index.ts';
import { listingChanged } from '../events/publish.ts';
import type { RetailerContext } from '../services.ts';
import {
  activeKeyTaken,
  findStorefront,
  insertListing,
  type ListingView,
  listingViewOf,
  lockListing,
  lockStorefrontShared,
  storefrontExists,
  writeIndex,
} from '../store/listings.ts';
import { canSell, loadFacts, loadVariants } from '../store/projections.ts';
import { fail } from './errors.ts';
import { computePrice, parseFixedPrice, parseMarkupPercent } from './pricing.ts';
import { pricingFacts } from './projections.ts';

/**
 * Listings: a brand variant on one of the retailer's storefronts, with an
 * optional title/description override and a pricing rule (fixed price, or a
 * markup over MSRP or over the lowest wholesale offer). Only ACTIVE variants
 * of brands the retailer may sell (ACTIVE connection with SELL_PRODUCTS) can
 * be listed; every change announces retailer.listing.changed.
 */

const PRICE_BASES: PriceBasis[] = ['MSRP', 'WHOLESALE'];

/** Every listing write: the acting retailer's own tenant database. */
const OWN_LISTINGS: UnitSpec = { permission: 'storefronts:write', tenant: 'own', kinds: ['RETAILER'] };

interface PricingInput {
  price?: Money | null;
  markupPercent?: string | null;
  priceBasis?: PriceBasis | null;
}

interface PricingChoice {
  pricingMode: PricingMode;
  priceBasis: PriceBasis | null;
  fixedPriceMinor: number | null;
  markupBp: number | null;
}

function parseBasis(value: unknown): PriceBasis | null {
  if (value === null || value === undefined) return null;
  if (!PRICE_BASES.includes(value as PriceBasis))
    throw badInput('priceBasis must be MSRP or WHOLESALE', 'priceBasis');
  return value as PriceBasis;
}

/** Pricing from a create input: price → FIXED; markupPercent → MARKUP; neither → the storefront default markup. */
function pricingFromCreate(input: PricingInput, currencyCode: string): PricingChoice {
  const basis = parseBasis(input.priceBasis);
  const hasPrice = input.price !== null && input.price !== undefined;
  const hasMarkup = input.markupPercent !== null && input.markupPercent !== undefined;
  if (hasPrice && (hasMarkup || basis)) {
    fail('PRICE_CONFLICT', 'Give either a fixed price or a markup (with its basis), not both', 'price');
  }
  if (hasPrice) {
    return {
      pricingMode: 'FIXED',
      priceBasis: null,
      fixedPriceMinor: parseFixedPrice(input.price!, currencyCode),
      markupBp: null,
    };
  }
  return {
    pricingMode: 'MARKUP',
    priceBasis: basis ?? 'MSRP',
    fixedPriceMinor: null,
    markupBp: hasMarkup ? parseMarkupPercent(input.markupPercent) : null,
  };
}

/**
 * Pricing from an update input, starting from the listing's current rule.
 * Absent fields keep their value; `markupPercent: null` returns to the
 * storefront default; a basis or markup switches a fixed price to markup.
 */
function pricingFromUpdate(input: PricingInput, current: PricingChoice, currencyCode: string): PricingChoice {
  const hasPrice = input.price !== null && input.price !== undefined;
  const markupGiven = 'markupPercent' in input;
  const basis = parseBasis(input.priceBasis);
  if (hasPrice && (markupGiven || basis)) {
    fail('PRICE_CONFLICT', 'Give either a fixed price or a markup (with its basis), not both', 'price');
  }
  if (hasPrice) return pricingFromCreate({ price: input.price! }, currencyCode);
  if (!markupGiven && !basis) return current;
  const markupBp = markupGiven
    ? input.markupPercent === null
      ? null
      : parseMarkupPercent(input.markupPercent)
    : current.pricingMode === 'MARKUP'
      ? current.markupBp
      : null;
  return {
    pricingMode: 'MARKUP',
    priceBasis: basis ?? (current.pricingMode === 'MARKUP' ? current.priceBasis : 'MSRP') ?? 'MSRP',
    fixedPriceMinor: null,
    markupBp,
  };
}

function optionalText(value: unknown, field: string, max: number): string | null {
  if (value === null || value === undefined) return null;
  if (typeof value !== 'string') throw badInput(`${field} must be a string`, field);
  const text = value.trim();
  if (text.length > max) fail('TOO_LONG', `${field} must be at most ${max} characters`, field);
  return text || null;
}

export async function createListing(
  ctx: RetailerContext,
  input: PricingInput & {
    storefrontId: string;
    variantId: string;
    title?: string | null;
    description?: string | null;
  },
): Promise<ListingView> {
  const { retailerId, tenant } = await read(
    ctx,
    OWN_LISTINGS,
    async (rx) => {
      requireOwnId(rx.tenant!, input.storefrontId, 'sfr', 'Storefront');
      if (!(await storefrontExists(rx.em, input.storefrontId))) throw notFound('Storefront');
      return { retailerId: rx.actor!.organizationId, tenant: rx.tenant! };
    },
    () => {
      throw notFound('Storefront');
    },
  );
  const titleOverride = optionalText(input.title, 'title', 300);
  const description = optionalText(input.description, 'description', 5000);
  const variantId = typeof input.variantId === 'string' ? input.variantId.trim() : '';
  if (!variantId || variantId.length > 80) fail('VARIANT_NOT_FOUND', 'No such product variant', 'variantId');
  const svc = ctx.kernel.serviceDb;
  const listable = async () => {
    const variant = (await loadVariants(ctx.em, svc, [variantId])).get(variantId);
    const sellable = variant ? await canSell(ctx.em, svc, retailerId, variant.brandId) : false;
    return { variant, sellable, ok: !!variant && sellable && variant.status === 'ACTIVE' };
  };
  // Read-your-writes across services: the brand may have published, the
  // supplier stocked or the connection been accepted a moment ago. Not only a
  // missing variant matters (stock applied after the listing row is written
  // would leave it unavailable until the next change), so this service's
  // projections catch up with the log as it is now before deciding — one query
  // when nothing is pending; on timeout it goes on with what it has.
  await ctx.kernel.settle();
  const { variant, sellable } = await listable();
  if (!variant) return fail('VARIANT_NOT_FOUND', 'No such product variant', 'variantId');
  if (!sellable) {
    fail(
      'BRAND_NOT_CONNECTED',
      "You need an active connection with SELL_PRODUCTS to this variant's brand",
      'variantId',
    );
  }
  if (variant.status !== 'ACTIVE') {
    fail(
      'VARIANT_INACTIVE',
      `The product is ${variant.status}, only ACTIVE products can be listed`,
      'variantId',
    );
  }

  try {
    const view = await write(ctx, { ...OWN_LISTINGS, tenant }, async (tx) => {
      const sf = await lockStorefrontShared(tx.em, input.storefrontId);
      if (!sf) throw notFound('Storefront');
      // The index row first, then the facts read locked (see loadFacts): a
      // consumer changing a fact of this variant meanwhile either is waited
      // for here or waits for this commit and then refreshes the new listing.
      const id = newId('lst', tenant.tenantKey);
      await writeIndex(
        tx.em,
        svc,
        { id, storefrontId: sf.id, variantId, brandId: variant.brandId },
        retailerId,
        true,
      );
      const facts = await loadFacts(tx.em, svc, [variantId], true);
      const rule = pricingFromCreate(input, sf.currencyCode);
      const price = computePrice(
        { ...rule, currencyCode: sf.currencyCode },
        sf.defaultMarkupBp,
        pricingFacts(facts, variantId, sf.currencyCode),
      );
      if (!price.ok)
        return fail(price.code, price.message, rule.pricingMode === 'FIXED' ? 'price' : 'markupPercent');
      const activeKey = `${sf.id}|${variantId}`;
      if (await activeKeyTaken(tx.em, activeKey)) {
        fail('ALREADY_LISTED', 'This variant is already listed on this storefront', 'variantId');
      }
      const now = new Date();
      const l = insertListing(tx.em, {
        id,
        storefrontId: sf.id,
        variantId,
        productId: variant.productId,
        brandId: variant.brandId,
        activeKey,
        status: 'ACTIVE',
        titleOverride,
        description,
        ...rule,
        currencyCode: sf.currencyCode,
        title: titleOverride ?? facts.variants.get(variantId)?.displayName ?? variant.displayName,
        priceMinor: price.priceMinor,
        priced: true,
        variantActive: true,
        available: facts.stocked.has(variantId),
        createdAt: now,
        updatedAt: now,
        removedAt: null,
      });
      listingChanged(tx, {
        listingId: l.id,
        retailerId,
        storefrontId: sf.id,
        variantId,
        brandId: variant.brandId,
        visible: sf.published,
        removed: false,
        priceMinor: l.priceMinor,
        currencyCode: l.currencyCode,
        title: l.title,
      });
      return listingViewOf(l, retailerId, sf.published);
    });
    return view;
  } catch (err) {
    if (isDuplicateKey(err)) {
      return fail('ALREADY_LISTED', 'This variant is already listed on this storefront', 'variantId');
    }
    throw err;
  }
}

/** The acting retailer's listing by id, locked in the transaction; NOT_FOUND for foreign or removed ones. */
async function lockOwnListing(tx: RetailerContext, id: string) {
  const l = await lockListing(tx.em, id);
  if (l?.status !== 'ACTIVE') throw notFound('Listing');
  const sf = await findStorefront(tx.em, l.storefrontId);
  if (!sf) throw notFound('Listing');
  return { l, sf };
}

export async function updateListing(
  ctx: RetailerContext,
  input: PricingInput & { id: string; title?: string | null; description?: string | null },
): Promise<ListingView> {
  const svc = ctx.kernel.serviceDb;
  return write(ctx, OWN_LISTINGS, async (tx) => {
    const retailerId = tx.actor!.organizationId;
    const { l, sf } = await lockOwnListing(tx, requireOwnId(tx.tenant!, input.id, 'lst', 'Listing'));
    const current: PricingChoice = {
      pricingMode: l.pricingMode,
      priceBasis: l.priceBasis ?? null,
      fixedPriceMinor: l.fixedPriceMinor ?? null,
      markupBp: l.markupBp ?? null,
    };
    const rule = pricingFromUpdate(input, current, sf.currencyCode);
    const facts = await loadFacts(tx.em, svc, [l.variantId], true);
    const variant = facts.variants.get(l.variantId);
    const price = computePrice(
      { ...rule, currencyCode: sf.currencyCode },
      sf.defaultMarkupBp,
      pricingFacts(facts, l.variantId, sf.currencyCode),
    );
    if (!price.ok)
      return fail(price.code, price.message, rule.pricingMode === 'FIXED' ? 'price' : 'markupPercent');
    if ('title' in input) l.titleOverride = optionalText(input.title, 'title', 300);
    if ('description' in input) l.description = optionalText(input.description, 'description', 5000);
    Object.assign(l, rule);
    l.title = l.titleOverride ?? variant?.displayName ?? l.title;
    l.priceMinor = price.priceMinor;
    l.priced = true;
    l.variantActive = variant?.status === 'ACTIVE';
    l.available = facts.stocked.has(l.variantId);
    l.updatedAt = new Date();
    const sellable = await canSell(tx.em, svc, retailerId, l.brandId);
    listingChanged(tx, {
      listingId: l.id,
      retailerId,
      storefrontId: sf.id,
      variantId: l.variantId,
      brandId: l.brandId,
      visible: sf.published && sellable,
      removed: false,
      priceMinor: l.priceMinor,
      currencyCode: l.currencyCode,
      title: l.title,
    });
    return listingViewOf(l, retailerId, sf.published && sellable && l.variantActive && l.priced);
  });
}

export async function removeListing(ctx: RetailerContext, input: { id: string }): Promise<ListingView> {
  return write(ctx, OWN_LISTINGS, async (tx) => {
    const retailerId = tx.actor!.organizationId;
    const { l, sf } = await lockOwnListing(tx, requireOwnId(tx.tenant!, input.id, 'lst', 'Listing'));
    const now = new Date();
    l.status = 'REMOVED';
    l.activeKey = null;
    l.removedAt = now;
    l.updatedAt = now;
    await writeIndex(tx.em, tx.kernel.serviceDb, l, retailerId, false);
    listingChanged(tx, {
      listingId: l.id,
      retailerId,
      storefrontId: sf.id,
      variantId: l.variantId,
      brandId: l.brandId,
      visible: false,
      removed: true,
      priceMinor: l.priceMinor,
      currencyCode: l.currencyCode,
      title: l.title,
    });
    return listingViewOf(l, retailerId, false);
  });
}
