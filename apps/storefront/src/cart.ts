import { useQueryClient } from '@tanstack/react-query';
import { graphql } from '@tradegraph/client';
import { useClient, useGql } from '@tradegraph/client/react';
import { useCallback, useSyncExternalStore } from 'react';

/** The shopper's cart id per storefront lives in localStorage, so the cart survives a reload. */
const key = (slug: string) => `tg.cart.${slug}`;
const listeners = new Set<() => void>();
export function storedCartId(slug: string): string | null {
  return localStorage.getItem(key(slug));
}
export function setStoredCartId(slug: string, id: string | null) {
  if (id) localStorage.setItem(key(slug), id);
  else localStorage.removeItem(key(slug));
  for (const l of listeners) l();
}
function subscribe(l: () => void) {
  listeners.add(l);
  return () => listeners.delete(l);
}

export const CartQuery = graphql(`
  query StorefrontCart($id: ID!) {
    cart(id: $id) {
      id
      status
      itemCount
      canCheckOut
      subtotal { amount currencyCode }
      lines {
        id
        quantity
        available
        availableQuantity
        purchasable
        lineTotal { amount currencyCode }
        listing { id title price { amount currencyCode } }
      }
    }
  }
`);

const CreateCart = graphql(`
  mutation StorefrontCreateCart($input: CreateCartInput!) {
    createCart(input: $input) { cart { id } userErrors { field message code } }
  }
`);

const AddLine = graphql(`
  mutation StorefrontAddCartLine($input: AddCartLineInput!) {
    addCartLine(input: $input) { cart { id itemCount } userErrors { field message code } }
  }
`);

export const UpdateLine = graphql(`
  mutation StorefrontUpdateCartLine($input: UpdateCartLineInput!) {
    updateCartLine(input: $input) { cart { id itemCount } userErrors { field message code } }
  }
`);

export function useCart(slug: string) {
  const id = useSyncExternalStore(subscribe, () => storedCartId(slug));
  const q = useGql(CartQuery, { id: id ?? '' }, { enabled: Boolean(id) });
  // A cart that expired or was checked out is forgotten; the next add starts a new one.
  const cart = q.data?.cart && q.data.cart.status === 'OPEN' ? q.data.cart : null;
  return { id, cart, query: q };
}

/** Adds lines (creating the cart first when there is none); returns the first user error's message, if any. */
export function useAddToCart(slug: string) {
  const client = useClient();
  const qc = useQueryClient();
  return useCallback(
    async (lines: { listingId: string; quantity: number }[]): Promise<string | null> => {
      let cartId = storedCartId(slug);
      if (cartId) {
        const existing = await client.request(CartQuery, { id: cartId });
        if (existing.cart?.status !== 'OPEN') cartId = null;
      }
      if (!cartId) {
        const created = await client.request(CreateCart, { input: { storefrontSlug: slug } });
        const err = created.createCart.userErrors[0];
        if (err || !created.createCart.cart) return err?.message ?? 'The cart could not be created.';
        cartId = created.createCart.cart.id;
        setStoredCartId(slug, cartId);
      }
      for (const line of lines) {
        const r = await client.request(AddLine, { input: { cartId, ...line } });
        const err = r.addCartLine.userErrors[0];
        if (err) return err.message;
      }
      await qc.invalidateQueries({ queryKey: ['StorefrontCart'] });
      return null;
    },
    [client, qc, slug],
  );
}

/** What a checkout bought, kept until its payment is known, so a declined card gives the cart back. */
export interface PendingCheckout {
  orderId: string;
  slug: string;
  accessToken: string | null;
  lines: { listingId: string; quantity: number }[];
}
export function rememberOrder(p: PendingCheckout) {
  localStorage.setItem(`tg.order.${p.orderId}`, JSON.stringify(p));
}
export function rememberedOrder(orderId: string): PendingCheckout | null {
  const raw = localStorage.getItem(`tg.order.${orderId}`);
  return raw ? (JSON.parse(raw) as PendingCheckout) : null;
}
