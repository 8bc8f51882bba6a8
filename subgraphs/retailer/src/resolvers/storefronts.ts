import { type ListingFilter, type ListingSort, storefrontListings } from '../domain/browse.ts';
import type { StorefrontView } from '../domain/directory.ts';
import { retailerPayload } from '../domain/errors.ts';
import { markupPercentOf } from '../domain/pricing.ts';
import {
  createStorefront,
  myStorefronts,
  setPublished,
  storefrontBySlug,
  storefrontLoader,
  storefrontsOfOrganization,
  updateStorefront,
} from '../domain/storefronts.ts';
import type { RetailerContext } from '../services.ts';

type Input<F extends (ctx: RetailerContext, input: never, ...rest: never[]) => unknown> = Parameters<F>[1];

export const storefrontQueries = {
  storefront: (_: unknown, { slug }: { slug: string }, ctx: RetailerContext) => storefrontBySlug(ctx, slug),
  myStorefronts: (_: unknown, args: { first?: number; after?: string }, ctx: RetailerContext) =>
    myStorefronts(ctx, args),
};

export const storefrontMutations = {
  createStorefront: (
    _: unknown,
    { input }: { input: Input<typeof createStorefront> },
    ctx: RetailerContext,
  ) => retailerPayload('storefront', () => createStorefront(ctx, input)),
  updateStorefront: (
    _: unknown,
    { input }: { input: Input<typeof updateStorefront> },
    ctx: RetailerContext,
  ) => retailerPayload('storefront', () => updateStorefront(ctx, input)),
  publishStorefront: (_: unknown, { input }: { input: { id: string } }, ctx: RetailerContext) =>
    retailerPayload('storefront', () => setPublished(ctx, input, true)),
  unpublishStorefront: (_: unknown, { input }: { input: { id: string } }, ctx: RetailerContext) =>
    retailerPayload('storefront', () => setPublished(ctx, input, false)),
};

export const storefrontTypes = {
  Storefront: {
    __resolveReference: (ref: { id: string }, ctx: RetailerContext) => storefrontLoader(ctx).load(ref.id),
    defaultMarkupPercent: (s: StorefrontView) => markupPercentOf(s.defaultMarkupBp),
    retailer: (s: StorefrontView) => ({ __typename: 'Organization', id: s.retailerId }),
    listings: (
      s: StorefrontView,
      args: { filter?: ListingFilter | null; sort?: ListingSort | null; first?: number; after?: string },
      ctx: RetailerContext,
    ) => storefrontListings(ctx, s, args),
    description: (s: StorefrontView) => s.description,
  },
  Organization: {
    __resolveReference: (ref: { id: string }) => ({ id: ref.id }),
    storefronts: (org: { id: string }, _: unknown, ctx: RetailerContext) =>
      storefrontsOfOrganization(ctx).load(org.id),
  },
};
