import { useQueryClient } from '@tanstack/react-query';
import { graphql } from '@tradegraph/client';
import { useGql, useSubscription } from '@tradegraph/client/react';
import { useEffect, useRef } from 'react';
import { useNavigate, useParams } from 'react-router';
import { rememberedOrder, useAddToCart } from '../cart.ts';
import { ErrorBox, formatMoney, Loading } from '../ui.tsx';

const OrderQuery = graphql(`
  query StorefrontOrder($id: ID!, $accessToken: String) {
    order(id: $id, accessToken: $accessToken) {
      id
      number
      status
      statusReason
      total { amount currencyCode }
      createdAt
      lines { id title quantity total { amount currencyCode } }
      statusHistory { status at reason }
    }
  }
`);

const OrderLive = graphql(`
  subscription StorefrontOrderLive($orderId: ID!, $accessToken: String) {
    orderStatusChanged(orderId: $orderId, accessToken: $accessToken) { status previousStatus at reason }
  }
`);

const LABEL: Record<string, string> = {
  PENDING: 'Received',
  STOCK_RESERVED: 'Stock reserved',
  PAYMENT_AUTHORIZED: 'Payment authorised',
  CONFIRMED: 'Confirmed',
  PARTIALLY_SHIPPED: 'Partly shipped',
  SHIPPED: 'Shipped',
  DELIVERED: 'Delivered',
  CANCELLED: 'Cancelled',
  FAILED: 'Failed',
  PARTIALLY_REFUNDED: 'Partly refunded',
  REFUNDED: 'Refunded',
};

export function OrderPage() {
  const { slug = '', orderId = '' } = useParams();
  const remembered = rememberedOrder(orderId);
  const accessToken = remembered?.accessToken ?? null;
  const vars = { id: orderId, accessToken };
  const q = useGql(OrderQuery, vars);
  const qc = useQueryClient();
  const live = useSubscription(OrderLive, { orderId, accessToken }, () => {
    void qc.invalidateQueries({ queryKey: ['StorefrontOrder'] });
  });
  const addToCart = useAddToCart(slug);
  const navigate = useNavigate();
  const restored = useRef(false);
  const order = q.data?.order;

  // A failed payment gives the cart back: a new cart with the same lines, and the message at checkout.
  useEffect(() => {
    if (!order || order.status !== 'FAILED' || !remembered || restored.current) return;
    restored.current = true;
    localStorage.removeItem(`tg.order.${orderId}`);
    void addToCart(remembered.lines).then(() =>
      navigate(`/s/${slug}/checkout`, { state: { declined: order.statusReason ?? 'The payment failed.' } }),
    );
  }, [order, remembered, orderId, slug, addToCart, navigate]);

  if (q.isPending) return <Loading label="Loading your order…" />;
  if (q.error) return <ErrorBox error={q.error} />;
  if (!order) return <ErrorBox>This order cannot be found, or it is not yours.</ErrorBox>;
  return (
    <section className="order">
      <h1>Order {order.number}</h1>
      <p className="status-line">
        Status:{' '}
        <strong aria-live="polite" data-testid="order-status" data-status={order.status}>
          {LABEL[order.status] ?? order.status}
        </strong>
        {order.statusReason && <span className="muted"> — {order.statusReason}</span>}
        <span className={live.connected ? 'live on' : 'live off'}>{live.connected ? 'Live' : 'Offline'}</span>
      </p>
      <ol className="timeline" aria-label="Status history">
        {order.statusHistory.map((h) => (
          <li key={`${h.status}-${h.at}`}>
            <strong>{LABEL[h.status] ?? h.status}</strong>{' '}
            <time dateTime={h.at}>{new Date(h.at).toLocaleString()}</time>
          </li>
        ))}
      </ol>
      <table className="table">
        <caption className="sr-only">Order lines</caption>
        <thead>
          <tr>
            <th scope="col">Item</th>
            <th scope="col">Quantity</th>
            <th scope="col">Total</th>
          </tr>
        </thead>
        <tbody>
          {order.lines.map((l) => (
            <tr key={l.id}>
              <td>{l.title}</td>
              <td>{l.quantity}</td>
              <td>{formatMoney(l.total)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <p className="total">
        Total: <strong>{formatMoney(order.total)}</strong>
      </p>
    </section>
  );
}
