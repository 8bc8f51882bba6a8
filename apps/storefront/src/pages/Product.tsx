import { graphql } from '@tradegraph/client';
import { useGql } from '@tradegraph/client/react';
import { type FormEvent, useState } from 'react';
import { Link, useParams } from 'react-router';
import { useAddToCart } from '../cart.ts';
import { ErrorBox, formatMoney, Loading, ProductImage } from '../ui.tsx';

const ListingQuery = graphql(`
  query StorefrontListing($id: ID!) {
    listing(id: $id) {
      id
      title
      description
      available
      price { amount currencyCode }
      variant {
        id
        sku
        availableQuantity
        options { name value }
        product { id name description brand { name } options { name values } }
      }
    }
  }
`);

export function ProductPage() {
  const { slug = '', listingId = '' } = useParams();
  // Availability is live: refreshed while the page is open.
  const q = useGql(ListingQuery, { id: listingId }, { refetchInterval: 5_000 });
  const add = useAddToCart(slug);
  const [quantity, setQuantity] = useState(1);
  const [message, setMessage] = useState<{ ok: boolean; text: string } | null>(null);
  const [busy, setBusy] = useState(false);
  if (q.isPending) return <Loading />;
  if (q.error) return <ErrorBox error={q.error} />;
  const l = q.data.listing;
  if (!l) return <ErrorBox>This product is not sold here (any more).</ErrorBox>;
  const qty = l.variant?.availableQuantity ?? 0;
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setMessage(null);
    try {
      const err = await add([{ listingId: l.id, quantity }]);
      setMessage(err ? { ok: false, text: err } : { ok: true, text: `Added ${quantity} to your cart.` });
    } catch (error) {
      setMessage({ ok: false, text: (error as Error).message });
    } finally {
      setBusy(false);
    }
  };
  return (
    <article className="product">
      <ProductImage title={l.title} size="large" />
      <div className="product-info">
        <p className="muted">{l.variant?.product?.brand.name}</p>
        <h1>{l.title}</h1>
        <p className="price large">{formatMoney(l.price)}</p>
        {l.variant && (
          <dl className="options">
            {l.variant.options.map((o) => (
              <div key={o.name}>
                <dt>{o.name}</dt>
                <dd>{o.value}</dd>
              </div>
            ))}
            <div>
              <dt>SKU</dt>
              <dd>{l.variant.sku}</dd>
            </div>
          </dl>
        )}
        {l.variant?.product?.options.map((o) => (
          <p key={o.name} className="muted">
            {o.name} comes in: {o.values.join(', ')}
          </p>
        ))}
        <p className="availability" aria-live="polite" data-testid="availability">
          {l.available && qty > 0 ? `${qty} available` : 'Out of stock'}
        </p>
        <form onSubmit={submit} className="inline-form">
          <label htmlFor="qty">Quantity</label>
          <input
            id="qty"
            type="number"
            min={1}
            max={999}
            value={quantity}
            onChange={(e) => setQuantity(Math.max(1, Number(e.target.value) || 1))}
          />
          <button type="submit" disabled={busy || !l.available}>
            Add to cart
          </button>
        </form>
        {message && (
          <p role={message.ok ? 'status' : 'alert'} className={message.ok ? 'ok' : 'error'}>
            {message.text} {message.ok && <Link to={`/s/${slug}/cart`}>View cart</Link>}
          </p>
        )}
        {(l.description ?? l.variant?.product?.description) && (
          <p className="description">{l.description ?? l.variant?.product?.description}</p>
        )}
      </div>
    </article>
  );
}
