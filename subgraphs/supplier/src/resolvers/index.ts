import { scalarResolvers } from '@tradegraph/shared';
import type { Resolvers } from '../generated/resolvers.ts';
import { Organization, ProductVariant } from './federation.ts';
import {
  FulfillmentGroup,
  FulfillmentGroupLine,
  fulfillmentMutations,
  fulfillmentQueries,
  Shipment,
} from './fulfillment.ts';
import {
  InventoryLevel,
  inventoryMutations,
  inventoryQueries,
  StockMovement,
  StockReceipt,
  StockReceiptLine,
} from './inventory.ts';
import { Offer, offerMutations, offerQueries } from './offers.ts';
import { Reservation, reservationMutations, reservationQueries } from './reservations.ts';
import { Warehouse, warehouseMutations, warehouseQueries } from './warehouses.ts';

/** The supplier subgraph's resolvers, checked against its SDL (src/generated/resolvers.ts). */
export const resolvers: Resolvers = {
  ...scalarResolvers,
  Query: {
    ...warehouseQueries,
    ...offerQueries,
    ...inventoryQueries,
    ...reservationQueries,
    ...fulfillmentQueries,
  },
  Mutation: {
    ...warehouseMutations,
    ...offerMutations,
    ...inventoryMutations,
    ...reservationMutations,
    ...fulfillmentMutations,
  },
  ProductVariant,
  Organization,
  Warehouse,
  Offer,
  InventoryLevel,
  StockMovement,
  StockReceipt,
  StockReceiptLine,
  Reservation,
  FulfillmentGroup,
  FulfillmentGroupLine,
  Shipment,
};
