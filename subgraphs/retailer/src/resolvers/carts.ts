import {
  addCartLine,
  type CartLineView,
  type CartView,
  createCart,
  findCart,
  lineTotalMinor,
  purchasable,
  removeCartLine,
  subtotalMinor,
  updateCartLine,
} from '../domain/carts.ts';
import { retailerPayload } from '../domain/errors.ts';
import { money } from '../domain/pricing.ts';
import { storefrontLoader } from '../domain/storefronts.ts';
import type { RetailerContext } from '../services.ts';

type Input<F extends (ctx: RetailerContext, input: never) => unknown> = Parameters<F>[1];

export const cartQueries = {
  cart: (_: unknown, { id }: { id: string }, ctx: RetailerContext) => findCart(ctx, id),
};

export const cartMutations = {
  createCart: (_: unknown, { input }: { input: Input<typeof createCart> }, ctx: RetailerContext) =>
    retailerPayload('cart', () => createCart(ctx, input)),
  addCartLine: (_: unknown, { input }: { input: Input<typeof addCartLine> }, ctx: RetailerContext) =>
    retailerPayload('cart', () => addCartLine(ctx, input)),
  updateCartLine: (_: unknown, { input }: { input: Input<typeof updateCartLine> }, ctx: RetailerContext) =>
    retailerPayload('cart', () => updateCartLine(ctx, input)),
  removeCartLine: (_: unknown, { input }: { input: Input<typeof removeCartLine> }, ctx: RetailerContext) =>
    retailerPayload('cart', () => removeCartLine(ctx, input)),
};

export const cartTypes = {
  Cart: {
    storefront: (c: CartView, _: unknown, ctx: RetailerContext) => storefrontLoader(ctx).load(c.storefrontId),
    subtotal: (c: CartView) => money(subtotalMinor(c), c.currencyCode),
    itemCount: (c: CartView) => c.lines.reduce((n, l) => n + (purchasable(l) ? l.quantity : 0), 0),
  },
  CartLine: {
    purchasable: (l: CartLineView) => purchasable(l),
    lineTotal: (l: CartLineView) => {
      const total = lineTotalMinor(l);
      return total === null ? null : money(total, l.listing!.currencyCode);
    },
  },
};
