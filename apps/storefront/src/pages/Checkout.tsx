import { graphql } from '@tradegraph/client';
import { useClient, useSession } from '@tradegraph/client/react';
import { type FormEvent, useRef, useState } from 'react';
import { Link, useLocation, useNavigate, useParams } from 'react-router';
import { rememberOrder, setStoredCartId, useCart } from '../cart.ts';
import { ErrorBox, formatMoney, Loading } from '../ui.tsx';

const CheckoutMutation = graphql(`
  mutation StorefrontCheckout($input: CheckoutInput!) {
    checkout(input: $input) {
      order { id number status }
      orderAccessToken
      userErrors { field message code }
    }
  }
`);

const CARDS = [
  { token: 'tok_visa', label: 'Visa ending 4242 (sandbox: approved)' },
  { token: 'tok_chargeDeclined', label: 'Visa ending 0002 (sandbox: declined)' },
  { token: 'tok_insufficientFunds', label: 'Visa ending 9995 (sandbox: insufficient funds)' },
];

export function Checkout() {
  const { slug = '' } = useParams();
  const { id, cart, query } = useCart(slug);
  const session = useSession();
  const client = useClient();
  const navigate = useNavigate();
  const declined = (useLocation().state as { declined?: string } | null)?.declined;
  const [errors, setErrors] = useState<string[]>([]);
  const [busy, setBusy] = useState(false);
  // One key per checkout attempt of this cart: a double submit or a retry after a network error is the same order.
  const attempt = useRef<{ cartId: string; key: string } | null>(null);

  if (id && query.isPending) return <Loading />;
  if (query.error) return <ErrorBox error={query.error} />;
  if (!cart || cart.lines.length === 0) {
    return (
      <section>
        <h1>Checkout</h1>
        {declined && <ErrorBox>{declined}</ErrorBox>}
        <p>
          Your cart is empty. <Link to={`/s/${slug}`}>Browse products</Link>.
        </p>
      </section>
    );
  }
  const submit = async (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const f = new FormData(e.currentTarget);
    const v = (k: string) => String(f.get(k) ?? '').trim();
    if (attempt.current?.cartId !== cart.id) attempt.current = { cartId: cart.id, key: crypto.randomUUID() };
    setBusy(true);
    setErrors([]);
    try {
      const r = await client.request(CheckoutMutation, {
        input: {
          cartId: cart.id,
          email: v('email'),
          paymentToken: v('card'),
          idempotencyKey: attempt.current.key,
          shippingAddress: {
            name: v('name'),
            line1: v('line1'),
            city: v('city'),
            postalCode: v('postalCode'),
            country: v('country'),
          },
        },
      });
      const { order, orderAccessToken, userErrors } = r.checkout;
      if (!order) {
        setErrors(userErrors.map((u) => u.message));
        return;
      }
      rememberOrder({
        orderId: order.id,
        slug,
        accessToken: orderAccessToken ?? null,
        lines: cart.lines
          .filter((l) => l.listing)
          .map((l) => ({ listingId: l.listing!.id, quantity: l.quantity })),
      });
      setStoredCartId(slug, null);
      attempt.current = null;
      navigate(`/s/${slug}/orders/${order.id}`);
    } catch (error) {
      setErrors([(error as Error).message]);
    } finally {
      setBusy(false);
    }
  };
  return (
    <section className="checkout">
      <h1>Checkout</h1>
      {declined && (
        <ErrorBox>
          <strong>Payment failed:</strong> {declined} Nothing was charged and your cart is as you left it; try
          another card.
        </ErrorBox>
      )}
      <p>
        {cart.itemCount} items · <strong>{formatMoney(cart.subtotal)}</strong>
      </p>
      <form
        onSubmit={submit}
        className="stack"
        aria-describedby={errors.length ? 'checkout-errors' : undefined}
      >
        <div className="field">
          <label htmlFor="email">Email</label>
          <input
            id="email"
            name="email"
            type="email"
            required
            autoComplete="email"
            defaultValue={session?.user?.email ?? ''}
          />
        </div>
        <fieldset>
          <legend>Shipping address</legend>
          <div className="field">
            <label htmlFor="name">Full name</label>
            <input
              id="name"
              name="name"
              required
              autoComplete="name"
              defaultValue={session?.user?.name ?? ''}
            />
          </div>
          <div className="field">
            <label htmlFor="line1">Address</label>
            <input id="line1" name="line1" required autoComplete="address-line1" />
          </div>
          <div className="field">
            <label htmlFor="city">City</label>
            <input id="city" name="city" required autoComplete="address-level2" />
          </div>
          <div className="field">
            <label htmlFor="postalCode">Postal code</label>
            <input id="postalCode" name="postalCode" required autoComplete="postal-code" />
          </div>
          <div className="field">
            <label htmlFor="country">Country (2-letter code)</label>
            <input
              id="country"
              name="country"
              required
              pattern="[A-Za-z]{2}"
              defaultValue="NL"
              autoComplete="country"
            />
          </div>
        </fieldset>
        <fieldset>
          <legend>Card (sandbox)</legend>
          {CARDS.map((c, i) => (
            <div className="field check" key={c.token}>
              <input
                type="radio"
                id={`card-${c.token}`}
                name="card"
                value={c.token}
                defaultChecked={i === 0}
              />
              <label htmlFor={`card-${c.token}`}>{c.label}</label>
            </div>
          ))}
        </fieldset>
        {errors.length > 0 && (
          <div id="checkout-errors" className="error" role="alert">
            <ul>
              {errors.map((m) => (
                <li key={m}>{m}</li>
              ))}
            </ul>
          </div>
        )}
        <button type="submit" disabled={busy}>
          {busy ? 'Placing order…' : `Pay ${formatMoney(cart.subtotal)}`}
        </button>
      </form>
    </section>
  );
}
