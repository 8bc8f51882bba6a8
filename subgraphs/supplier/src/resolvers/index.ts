import { scalarResolvers } from '@tradegraph/shared';
import { federationTypes } from './federation.ts';
import { inventoryMutations, inventoryQueries, inventoryTypes } from './inventory.ts';
import { offerMutations, offerQueries, offerTypes } from './offers.ts';
import { reservationMutations, reservationQueries, reservationTypes } from './reservations.ts';
import { warehouseMutations, warehouseQueries, warehouseTypes } from './warehouses.ts';

export const resolvers = {
  ...scalarResolvers,
  Query: { ...warehouseQueries, ...offerQueries, ...inventoryQueries, ...reservationQueries },
  Mutation: { ...warehouseMutations, ...offerMutations, ...inventoryMutations, ...reservationMutations },
  ...federationTypes,
  ...warehouseTypes,
  ...offerTypes,
  ...inventoryTypes,
  ...reservationTypes,
};
