import {
  addCartLine,
  canCheckOut,
  createCart,
  findCart,
  lineAvailable,
  lineTotalMinor,
  purchasable,
  removeCartLine,
  subtotalMinor,
  updateCartLine,
} from '../domain/carts.ts';
import { retailerPayload } from '../domain/errors.ts';
import { money } from '../domain/pricing.ts';
import { storefrontOf } from '../domain/storefronts.ts';
import type {
  CartLineResolvers,
  CartResolvers,
  MutationResolvers,
  QueryResolvers,
} from '../generated/resolvers.ts';

export const cartQueries = {
  cart: (_, { id }, ctx) => findCart(ctx, id),
} satisfies Pick<QueryResolvers, 'cart'>;

export const cartMutations = {
  createCart: (_, { input }, ctx) => retailerPayload('cart', () => createCart(ctx, input)),
  addCartLine: (_, { input }, ctx) => retailerPayload('cart', () => addCartLine(ctx, input)),
  updateCartLine: (_, { input }, ctx) => retailerPayload('cart', () => updateCartLine(ctx, input)),
  removeCartLine: (_, { input }, ctx) => retailerPayload('cart', () => removeCartLine(ctx, input)),
} satisfies Pick<MutationResolvers, 'createCart' | 'addCartLine' | 'updateCartLine' | 'removeCartLine'>;

export const Cart = {
  storefront: (c, _, ctx) => storefrontOf(ctx, c.storefrontId),
  subtotal: (c) => money(subtotalMinor(c), c.currencyCode),
  itemCount: (c) => c.lines.reduce((n, l) => n + (purchasable(l) ? l.quantity : 0), 0),
  canCheckOut: (c) => canCheckOut(c),
} satisfies CartResolvers;

export const CartLine = {
  purchasable: (l) => purchasable(l),
  available: (l) => lineAvailable(l),
  lineTotal: (l) => {
    const total = lineTotalMinor(l);
    return total === null || !l.listing ? null : money(total, l.listing.currencyCode);
  },
} satisfies CartLineResolvers;
