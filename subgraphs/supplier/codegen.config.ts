/**
 * Typed-resolver generation for this subgraph (see schema/codegen.ts): the context, and the
 * value a resolver returns for each GraphQL type. Paths are relative to src/generated/resolvers.ts.
 */
export default {
  contextType: '../services.ts#SupplierContext',
  mappers: {
    ProductVariant: '../services.ts#EntityRef',
    Organization: '../services.ts#EntityRef',
    Warehouse: '../store/warehouses.ts#WarehouseRecord',
    Offer: '../store/offers.ts#OfferView',
    InventoryLevel: '../store/stock.ts#Level',
    StockMovement: '../store/stock.ts#Movement',
    StockReceipt: '../store/stock.ts#Receipt',
    StockReceiptLine: '../store/stock.ts#ReceiptLine',
    Reservation: '../store/stock.ts#ReservationRecord',
    FulfillmentGroup: '../store/fulfillment.ts#GroupView',
    FulfillmentGroupLine: '../store/fulfillment.ts#GroupLine',
    Shipment: '../store/fulfillment.ts#ShipmentView',
    ShipmentLine: '../store/fulfillment.ts#ShipmentLine',
    Order: '../services.ts#EntityRef',
  },
};
