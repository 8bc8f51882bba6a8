import { defineEntity, p } from '@mikro-orm/core';

export type CartStatus = 'OPEN' | 'CHECKED_OUT';

/** A shopping cart on one storefront (tenant database): a guest's (customerId null) or a signed-in customer's. */
export const Cart = defineEntity({
  name: 'Cart',
  tableName: 'carts',
  schema: '*',
  properties: {
    id: p.string().primary(),
    storefrontId: p.string(),
    customerId: p.string().nullable(),
    currencyCode: p.string(),
    /** OPEN until an order is placed for it (orders.order.placed), then CHECKED_OUT: no more changes. */
    status: p.string().$type<CartStatus>().default('OPEN'),
    orderId: p.string().nullable(),
    checkedOutAt: p.datetime().nullable(),
    createdAt: p.datetime(),
    updatedAt: p.datetime(),
    expiresAt: p.datetime(),
  },
});
export type Cart = InstanceType<typeof Cart.class>;

export const CartLine = defineEntity({
  name: 'CartLine',
  tableName: 'cart_lines',
  schema: '*',
  properties: {
    id: p.string().primary(),
    cartId: p.string(),
    listingId: p.string(),
    quantity: p.integer(),
    /** The listing's price when the line was added or last changed (null on lines older than the column). */
    unitPriceMinor: p.bigint('number').nullable(),
    createdAt: p.datetime(),
    updatedAt: p.datetime(),
  },
});
export type CartLine = InstanceType<typeof CartLine.class>;
