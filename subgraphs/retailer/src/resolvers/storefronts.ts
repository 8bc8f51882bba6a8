import { storefrontListings } from '../domain/browse.ts';
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
import type {
  MutationResolvers,
  OrganizationResolvers,
  QueryResolvers,
  StorefrontResolvers,
} from '../generated/resolvers.ts';

export const storefrontQueries = {
  storefront: (_, { slug }, ctx) => storefrontBySlug(ctx, slug),
  myStorefronts: (_, args, ctx) => myStorefronts(ctx, args),
} satisfies Pick<QueryResolvers, 'storefront' | 'myStorefronts'>;

export const storefrontMutations = {
  createStorefront: (_, { input }, ctx) => retailerPayload('storefront', () => createStorefront(ctx, input)),
  updateStorefront: (_, { input }, ctx) => retailerPayload('storefront', () => updateStorefront(ctx, input)),
  publishStorefront: (_, { input }, ctx) =>
    retailerPayload('storefront', () => setPublished(ctx, input, true)),
  unpublishStorefront: (_, { input }, ctx) =>
    retailerPayload('storefront', () => setPublished(ctx, input, false)),
} satisfies Pick<
  MutationResolvers,
  'createStorefront' | 'updateStorefront' | 'publishStorefront' | 'unpublishStorefront'
>;

export const Storefront = {
  __resolveReference: (ref, ctx) => storefrontLoader(ctx).load(ref.id),
  defaultMarkupPercent: (s) => markupPercentOf(s.defaultMarkupBp),
  retailer: (s) => ({ id: s.retailerId }),
  listings: (s, args, ctx) => storefrontListings(ctx, s, args),
  description: (s) => s.description,
} satisfies StorefrontResolvers;

export const Organization = {
  __resolveReference: (ref) => ({ id: ref.id }),
  storefronts: (org, _, ctx) => storefrontsOfOrganization(ctx).load(org.id),
} satisfies OrganizationResolvers;
