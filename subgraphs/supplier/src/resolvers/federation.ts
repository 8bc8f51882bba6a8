import type { SupplierContext } from '../context.ts';
import { availableQuantityLoader } from '../domain/availability.ts';
import { variantOffersLoader } from '../domain/offers.ts';
import { organizationOffersField } from './offers.ts';
import { organizationWarehouses } from './warehouses.ts';

/**
 * Entities owned elsewhere that supplier extends. References resolve to `{ id }`
 * without touching a database (visibility of the variant itself is catalog's
 * decision); the fields go through per-request DataLoaders, so any number of
 * variants costs one query per field.
 */
export const federationTypes = {
  ProductVariant: {
    __resolveReference: (ref: { id: string }) => ({ id: ref.id }),
    offers: (v: { id: string }, _: unknown, ctx: SupplierContext) => variantOffersLoader(ctx).load(v.id),
    availableQuantity: (v: { id: string }, _: unknown, ctx: SupplierContext) =>
      availableQuantityLoader(ctx).load(v.id),
  },
  Organization: {
    __resolveReference: (ref: { id: string }) => ({ id: ref.id }),
    warehouses: organizationWarehouses,
    offers: organizationOffersField,
  },
};
