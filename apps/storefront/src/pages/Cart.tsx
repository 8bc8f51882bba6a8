import { useQueryClient } from '@tanstack/react-query';
import { useClient } from '@tradegraph/client/react';
import { Link, useParams } from 'react-router';
import { UpdateLine, useCart } from '../cart.ts';
import { ErrorBox, formatMoney, Loading } from '../ui.tsx';

export function CartPage() {
  const { slug = '' } = useParams();
  const { id, cart, query } = useCart(slug);
  const client = useClient();
  const qc = useQueryClient();
  if (id && query.isPending) return <Loading label="Loading your cart…" />;
  if (query.error) return <ErrorBox error={query.error} />;
  if (!cart || cart.lines.length === 0) {
    return (
      <section>
        <h1>Your cart</h1>
        <p>
          Your cart is empty. <Link to={`/s/${slug}`}>Browse products</Link>.
        </p>
      </section>
    );
  }
  const setQuantity = async (lineId: string, quantity: number) => {
    await client.request(UpdateLine, { input: { cartId: cart.id, lineId, quantity } });
    await qc.invalidateQueries({ queryKey: ['StorefrontCart'] });
  };
  return (
    <section>
      <h1>Your cart</h1>
      <table className="table">
        <caption className="sr-only">Items in your cart</caption>
        <thead>
          <tr>
            <th scope="col">Product</th>
            <th scope="col">Price</th>
            <th scope="col">Quantity</th>
            <th scope="col">Total</th>
          </tr>
        </thead>
        <tbody>
          {cart.lines.map((line) => (
            <tr key={line.id} data-testid="cart-line">
              <td>
                {line.listing?.title ?? 'No longer sold'}
                {!line.available && (
                  <span className="stock out"> — only {line.availableQuantity} available</span>
                )}
              </td>
              <td>{formatMoney(line.listing?.price)}</td>
              <td>
                <label className="sr-only" htmlFor={`q-${line.id}`}>
                  Quantity of {line.listing?.title}
                </label>
                <input
                  id={`q-${line.id}`}
                  type="number"
                  min={0}
                  max={999}
                  defaultValue={line.quantity}
                  onBlur={(e) => {
                    const n = Number(e.target.value);
                    if (Number.isInteger(n) && n !== line.quantity) void setQuantity(line.id, n);
                  }}
                />
              </td>
              <td>{formatMoney(line.lineTotal)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <p className="total">
        Subtotal: <strong data-testid="subtotal">{formatMoney(cart.subtotal)}</strong>
      </p>
      {cart.canCheckOut ? (
        <Link className="button" to={`/s/${slug}/checkout`}>
          Check out
        </Link>
      ) : (
        <p className="error">
          Some items are no longer available in that quantity; adjust them to check out.
        </p>
      )}
    </section>
  );
}
