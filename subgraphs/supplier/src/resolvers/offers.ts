import { read, write } from '@tradegraph/shared';
import { catchUpWithCatalog } from '../domain/catalog.ts';
import { supplierPayload } from '../domain/errors.ts';
import { deactivateOffer, offer, offerPrice, ownOffers, removeOffer, upsertOffer } from '../domain/offers.ts';
import { nothingYet } from '../domain/validation.ts';
import type { MutationResolvers, OfferResolvers, QueryResolvers } from '../generated/resolvers.ts';

export const offerQueries = {
  offers: (_, args, ctx) =>
    read(
      ctx,
      { permission: 'inventory:read', tenant: 'own', kinds: ['SUPPLIER'] },
      (rx) => ownOffers(rx, args.filter, args),
      () => nothingYet(args),
    ),
  offer: (_, { id }, ctx) => offer(ctx, id),
} satisfies Pick<QueryResolvers, 'offers' | 'offer'>;

export const offerMutations = {
  upsertOffer: (_, { input }, ctx) =>
    supplierPayload('offer', async () => {
      // right after the brand's publishProduct the catalog projection may be a few ms behind
      await catchUpWithCatalog(ctx, [input.variantId]);
      return write(
        ctx,
        {
          permission: 'offers:write',
          tenant: 'own',
          kinds: ['SUPPLIER'],
          // two first upserts of one variant race on the unique key: the loser runs again and updates
          attempts: ctx.services.config.STOCK_UPDATE_MAX_ATTEMPTS,
        },
        (tx) => upsertOffer(tx, input),
      );
    }),
  deactivateOffer: (_, { input }, ctx) =>
    supplierPayload('offer', () =>
      write(ctx, { permission: 'offers:write', tenant: 'own', kinds: ['SUPPLIER'] }, (tx) =>
        deactivateOffer(tx, input.id),
      ),
    ),
  removeOffer: (_, { input }, ctx) =>
    supplierPayload('removedOfferId', () =>
      write(ctx, { permission: 'offers:write', tenant: 'own', kinds: ['SUPPLIER'] }, (tx) =>
        removeOffer(tx, input.id),
      ),
    ),
} satisfies Pick<MutationResolvers, 'upsertOffer' | 'deactivateOffer' | 'removeOffer'>;

export const Offer = {
  variant: (o) => ({ id: o.variantId }),
  supplier: (o) => ({ id: o.supplierId }),
  wholesalePrice: (o) => offerPrice(o),
} satisfies OfferResolvers;
