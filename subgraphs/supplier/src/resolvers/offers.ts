import { payload } from '@tradegraph/shared';
import type { SupplierContext } from '../context.ts';
import {
  deactivateOffer,
  findOffer,
  listOwnOffers,
  type OfferView,
  offerPrice,
  organizationOffers,
  removeOffer,
  upsertOffer,
} from '../domain/offers.ts';

export const offerQueries = {
  offers: (
    _: unknown,
    args: { filter?: Parameters<typeof listOwnOffers>[1]; first?: number; after?: string },
    ctx: SupplierContext,
  ) => listOwnOffers(ctx, args.filter, args),
  offer: (_: unknown, { id }: { id: string }, ctx: SupplierContext) => findOffer(ctx, id),
};

export const offerMutations = {
  upsertOffer: (_: unknown, { input }: { input: Parameters<typeof upsertOffer>[1] }, ctx: SupplierContext) =>
    payload('offer', () => upsertOffer(ctx, input)),
  deactivateOffer: (_: unknown, { input }: { input: { id: string } }, ctx: SupplierContext) =>
    payload('offer', () => deactivateOffer(ctx, input)),
  removeOffer: (_: unknown, { input }: { input: { id: string } }, ctx: SupplierContext) =>
    payload('removedOfferId', () => removeOffer(ctx, input)),
};

export const offerTypes = {
  Offer: {
    variant: (o: OfferView) => ({ id: o.variantId }),
    supplier: (o: OfferView) => ({ id: o.supplierId }),
    wholesalePrice: (o: OfferView) => offerPrice(o),
  },
};

export const organizationOffersField = (
  org: { id: string },
  args: { first?: number; after?: string },
  ctx: SupplierContext,
) => organizationOffers(ctx, org.id, args);
