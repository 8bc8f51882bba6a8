import {
  badInput,
  forkEm,
  isDuplicateKey,
  newId,
  notFound,
  type PageArgs,
  pageArgs,
  read,
  requireOwnId,
  toConnection,
  type UnitSpec,
  write,
} from '@tradegraph/shared';
import { announceListings, storefrontChanged } from '../events/publish.ts';
import type { RetailerContext } from '../services.ts';
import type { StorefrontView } from '../store/directory.ts';
import { activeListingEvents } from '../store/listings.ts';
import { insertStorefront, lockStorefront, saveStorefronts, storefrontViewOf } from '../store/storefronts.ts';
import { fail } from './errors.ts';
import { isOwner } from './ownership.ts';
import { markupPercentOf, parseMarkupPercent } from './pricing.ts';
import { refreshTenantListings } from './refresh.ts';

/**
 * Storefronts: a retailer's shops, each with a globally unique slug, a
 * currency and a default markup over MSRP. Drafts (unpublished) are visible
 * only to the retailer; publishing makes the storefront and its visible
 * listings public.
 */

const SLUG = /^[a-z0-9](?:[a-z0-9-]{1,62}[a-z0-9])$/;
const RESERVED_SLUGS = new Set([
  'admin',
  'api',
  'www',
  'graphql',
  'static',
  'assets',
  'checkout',
  'cart',
  'login',
]);
const CURRENCIES = new Set(Intl.supportedValuesOf('currency'));

/** Every storefront write: the acting retailer's own tenant database (provisioned on its first write). */
const OWN_STOREFRONTS: UnitSpec = { permission: 'storefronts:write', tenant: 'own', kinds: ['RETAILER'] };

export function normaliseSlug(value: unknown, field = 'slug'): string {
  const slug = typeof value === 'string' ? value.trim().toLowerCase() : '';
  if (!SLUG.test(slug) || slug.includes('--')) {
    fail(
      'INVALID_SLUG',
      'The slug must be 3-64 characters: lower-case letters, digits and single hyphens, not at either end',
      field,
    );
  }
  if (RESERVED_SLUGS.has(slug)) fail('SLUG_RESERVED', `"${slug}" is reserved`, field);
  return slug;
}

function normaliseName(value: unknown, field = 'name'): string {
  const name = typeof value === 'string' ? value.trim() : '';
  if (!name) fail('REQUIRED', 'The name is required', field);
  if (name.length > 120) fail('TOO_LONG', 'The name must be at most 120 characters', field);
  return name;
}

function normaliseDescription(value: unknown, field = 'description'): string | null {
  if (value === null || value === undefined) return null;
  if (typeof value !== 'string') throw badInput('description must be a string', field);
  const text = value.trim();
  if (text.length > 5000) fail('TOO_LONG', 'The description must be at most 5000 characters', field);
  return text || null;
}

export function normaliseCurrency(value: unknown, field = 'currencyCode'): string {
  const code = typeof value === 'string' ? value.trim().toUpperCase() : '';
  if (!/^[A-Z]{3}$/.test(code) || !CURRENCIES.has(code)) {
    fail('INVALID_CURRENCY', 'currencyCode must be an ISO 4217 currency code such as "EUR"', field);
  }
  return code;
}

const slugTakenError = () => fail('SLUG_TAKEN', 'This slug is already used by another storefront', 'slug');

export async function createStorefront(
  ctx: RetailerContext,
  input: {
    name: string;
    slug: string;
    currencyCode: string;
    defaultMarkupPercent?: string | null;
    description?: string | null;
  },
): Promise<StorefrontView> {
  const name = normaliseName(input.name);
  const slug = normaliseSlug(input.slug);
  const currencyCode = normaliseCurrency(input.currencyCode);
  const defaultMarkupBp =
    input.defaultMarkupPercent === null || input.defaultMarkupPercent === undefined
      ? 0
      : parseMarkupPercent(input.defaultMarkupPercent, 'defaultMarkupPercent');
  const description = normaliseDescription(input.description);
  const now = new Date();
  try {
    const view = await write(ctx, OWN_STOREFRONTS, async (tx) => {
      if (await ctx.services.directory.slugTaken(tx.em, slug)) slugTakenError();
      const retailerId = tx.actor!.organizationId;
      const tenant = tx.tenant!;
      const s = insertStorefront(tx.em, {
        id: newId('sfr', tenant.tenantKey),
        name,
        slug,
        description,
        currencyCode,
        defaultMarkupBp,
        published: false,
        publishedAt: null,
        createdAt: now,
        updatedAt: now,
      });
      const v = storefrontViewOf(s, retailerId);
      await ctx.services.directory.insert(tx.em, v);
      storefrontChanged(tx, v);
      return v;
    });
    ctx.services.directory.evict(slug);
    return view;
  } catch (err) {
    if (isDuplicateKey(err)) return slugTakenError();
    throw err;
  }
}

export async function updateStorefront(
  ctx: RetailerContext,
  input: {
    id: string;
    name?: string | null;
    slug?: string | null;
    description?: string | null;
    defaultMarkupPercent?: string | null;
  },
): Promise<StorefrontView> {
  const name = input.name === undefined || input.name === null ? undefined : normaliseName(input.name);
  const slug = input.slug === undefined || input.slug === null ? undefined : normaliseSlug(input.slug);
  const description = input.description === undefined ? undefined : normaliseDescription(input.description);
  const markup =
    input.defaultMarkupPercent === undefined || input.defaultMarkupPercent === null
      ? undefined
      : parseMarkupPercent(input.defaultMarkupPercent, 'defaultMarkupPercent');
  let previousSlug = '';
  try {
    const view = await write(ctx, OWN_STOREFRONTS, async (tx) => {
      const id = requireOwnId(tx.tenant!, input.id, 'sfr', 'Storefront');
      if (slug !== undefined && (await ctx.services.directory.slugTaken(tx.em, slug, id))) slugTakenError();
      const s = await lockStorefront(tx.em, id);
      if (!s) throw notFound('Storefront');
      previousSlug = s.slug;
      const markupChanged = markup !== undefined && markup !== s.defaultMarkupBp;
      if (name !== undefined) s.name = name;
      if (slug !== undefined) s.slug = slug;
      if (description !== undefined) s.description = description;
      if (markup !== undefined) s.defaultMarkupBp = markup;
      s.updatedAt = new Date();
      // flushed before the refresh below reads the new default markup
      await saveStorefronts(tx.em);
      const v = storefrontViewOf(s, tx.actor!.organizationId);
      await ctx.services.directory.update(tx.em, v);
      ctx.services.directory.evict(previousSlug, v.slug);
      if (markupChanged) {
        await refreshTenantListings(
          tx.em,
          tx,
          {
            serviceDb: ctx.kernel.serviceDb,
            tenantDb: tx.tenant!.dbName,
            retailerId: tx.actor!.organizationId,
          },
          { storefrontId: s.id },
        );
      }
      storefrontChanged(tx, v);
      return v;
    });
    ctx.services.directory.evict(previousSlug, view.slug);
    return view;
  } catch (err) {
    if (isDuplicateKey(err)) return slugTakenError();
    throw err;
  }
}

/** Publishes or unpublishes; announces the storefront and the new visibility of every active listing on it. */
export async function setPublished(
  ctx: RetailerContext,
  input: { id: string },
  published: boolean,
): Promise<StorefrontView> {
  const view = await write(ctx, OWN_STOREFRONTS, async (tx) => {
    const retailerId = tx.actor!.organizationId;
    const id = requireOwnId(tx.tenant!, input.id, 'sfr', 'Storefront');
    const s = await lockStorefront(tx.em, id);
    if (!s) throw notFound('Storefront');
    if (s.published === published) return storefrontViewOf(s, retailerId);
    const now = new Date();
    s.published = published;
    if (published) s.publishedAt = now;
    s.updatedAt = now;
    await saveStorefronts(tx.em);
    const v = storefrontViewOf(s, retailerId);
    await ctx.services.directory.update(tx.em, v);
    ctx.services.directory.evict(v.slug);
    storefrontChanged(tx, v);
    announceListings(
      tx,
      await activeListingEvents(tx.em, {
        serviceDb: ctx.kernel.serviceDb,
        tenantDb: tx.tenant!.dbName,
        retailerId,
        where: { storefrontId: s.id },
      }),
    );
    return v;
  });
  ctx.services.directory.evict(view.slug);
  return view;
}

/** storefront(slug:): published storefronts for anyone, drafts for their retailer only (null otherwise). */
export async function storefrontBySlug(ctx: RetailerContext, slug: unknown): Promise<StorefrontView | null> {
  if (typeof slug !== 'string' || slug.length > 64) return null;
  const view = await ctx.services.directory.bySlug(ctx.em, slug.trim().toLowerCase());
  if (!view) return null;
  return view.published || isOwner(ctx.principal, view.retailerId) ? view : null;
}

/** Storefronts by id for the Storefront reference and Listing.storefront (same visibility rule). */
export function storefrontLoader(ctx: RetailerContext) {
  return ctx.loaders.get<string, StorefrontView | null>('storefront-by-id', storefrontBatch(ctx));
}

/**
 * The storefront a listing or cart is on (non-null in the schema): NOT_FOUND
 * when this viewer may no longer see it (unpublished since, not its retailer).
 */
export async function storefrontOf(ctx: RetailerContext, id: string): Promise<StorefrontView> {
  const s = await storefrontLoader(ctx).load(id);
  if (!s) throw notFound('Storefront');
  return s;
}

export function storefrontBatch(ctx: RetailerContext) {
  return async (ids: readonly string[]) => {
    const found = await ctx.services.directory.byIds(forkEm(ctx.kernel.orm), ids);
    const byId = new Map(found.map((s) => [s.id, s]));
    return ids.map((id) => {
      const s = byId.get(id);
      return s && (s.published || isOwner(ctx.principal, s.retailerId)) ? s : null;
    });
  };
}

/** Organization.storefronts: published ones for anyone, all for the organisation itself. */
export function storefrontsOfOrganization(ctx: RetailerContext) {
  return ctx.loaders.get<string, StorefrontView[]>('storefronts-by-org', async (orgIds) => {
    const own = new Set(orgIds.filter((id) => isOwner(ctx.principal, id)));
    const found = await ctx.services.directory.byRetailers(forkEm(ctx.kernel.orm), orgIds, own);
    return orgIds.map((id) => found.filter((s) => s.retailerId === id));
  });
}

/** The acting retailer's storefronts (drafts included), oldest first. */
export async function myStorefronts(ctx: RetailerContext, args: PageArgs) {
  const retailerId = await read(
    ctx,
    { permission: 'storefronts:read', tenant: 'service', kinds: ['RETAILER'] },
    async (rx) => rx.actor!.organizationId,
  );
  const page = pageArgs<[string, string]>(args);
  if (page.after && (!Array.isArray(page.after) || page.after.length !== 2)) {
    throw badInput('after is not a valid cursor', 'after');
  }
  const found = await ctx.services.directory.page(ctx.em, retailerId, page.after, page.limit);
  return toConnection(
    found,
    page,
    (s) => [s.createdAt.toISOString(), s.id] as [string, string],
    () => ctx.services.directory.countOf(ctx.em, retailerId),
  );
}

export const storefrontFields = {
  defaultMarkupPercent: (s: StorefrontView) => markupPercentOf(s.defaultMarkupBp),
};
