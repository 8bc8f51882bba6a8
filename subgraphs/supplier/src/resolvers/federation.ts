import { availableQuantityLoader } from '../domain/availability.ts';
import { organizationOffers, variantOffersLoader } from '../domain/offers.ts';
import type { OrganizationResolvers, ProductVariantResolvers } from '../generated/resolvers.ts';
import { organizationWarehouses } from './warehouses.ts';

/**
 * Entities owned elsewhere that supplier extends. References resolve to `{ id }`
 * without touching a database (visibility of the variant itself is catalog's
 * decision); the fields go through per-request DataLoaders, so any number of
 * variants costs one query per field.
 */
export const ProductVariant = {
  __resolveReference: (ref) => ({ id: ref.id }),
  offers: (v, _, ctx) => variantOffersLoader(ctx).load(v.id),
  availableQuantity: (v, _, ctx) => availableQuantityLoader(ctx).load(v.id),
} satisfies ProductVariantResolvers;

export const Organization = {
  __resolveReference: (ref) => ({ id: ref.id }),
  warehouses: (org, _, ctx) => organizationWarehouses(org, ctx),
  offers: (org, args, ctx) => organizationOffers(ctx, org.id, args),
} satisfies OrganizationResolvers;
