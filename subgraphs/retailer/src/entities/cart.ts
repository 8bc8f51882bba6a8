import { defineEntity, p } from '@mikro-orm/core';

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
    createdAt: p.datetime(),
    updatedAt: p.datetime(),
  },
});
export type CartLine = InstanceType<typeof CartLine.class>;
