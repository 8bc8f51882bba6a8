import { graphql } from '@tradegraph/client';
import { useGql, useInvalidate, useSubscription } from '@tradegraph/client/react';
import { Link, useParams } from 'react-router';
import { ErrorBox, formatMoney, Loading } from '../ui.tsx';

const OrderQuery = graphql(`
  query DashboardOrder($id: ID!) {
    order(id: $id) {
      id
      number
      status
      statusReason
      email
      shippingAddress
      createdAt
      total { amount currencyCode }
      retailer { name }
      lines {
        id
        title
        quantity
        shippedQuantity
        unitPrice { amount currencyCode }
        total { amount currencyCode }
        brand { name }
        supplier { name }
      }
      statusHistory { status previousStatus at reason actor { kind } }
    }
  }
`);

const OrderLive = graphql(`
  subscription DashboardOrderLive($orderId: ID!) {
    orderStatusChanged(orderId: $orderId) { status at }
  }
`);

export function OrderDetail() {
  const { orderId = '' } = useParams();
  const q = useGql(OrderQuery, { id: orderId });
  const invalidate = useInvalidate();
  useSubscription(OrderLive, { orderId }, () => invalidate(OrderQuery), Boolean(q.data?.order));
  if (q.isPending) return <Loading />;
  if (q.error) return <ErrorBox error={q.error} />;
  const o = q.data.order;
  if (!o) {
    return (
      <section>
        <h1>Order not found</h1>
        <ErrorBox>
          There is no order with this id that your organisation may see.{' '}
          <Link to="/orders">Back to orders</Link>
        </ErrorBox>
      </section>
    );
  }
  return (
    <section>
      <p>
        <Link to="/orders">← Orders</Link>
      </p>
      <h1>Order {o.number}</h1>
      <p>
        Status:{' '}
        <strong aria-live="polite" data-testid="order-status">
          {o.status}
        </strong>
        {o.statusReason && <span className="muted"> — {o.statusReason}</span>} · {formatMoney(o.total)} ·{' '}
        {o.retailer.name}
      </p>
      {o.shippingAddress && <p className="muted">Ship to: {o.shippingAddress}</p>}
      <table className="table">
        <caption className="sr-only">Lines</caption>
        <thead>
          <tr>
            <th scope="col">Item</th>
            <th scope="col">Brand</th>
            <th scope="col">Supplier</th>
            <th scope="col">Qty</th>
            <th scope="col">Shipped</th>
            <th scope="col">Total</th>
          </tr>
        </thead>
        <tbody>
          {o.lines.map((l) => (
            <tr key={l.id}>
              <td>{l.title}</td>
              <td>{l.brand.name}</td>
              <td>{l.supplier.name}</td>
              <td>{l.quantity}</td>
              <td>{l.shippedQuantity}</td>
              <td>{formatMoney(l.total)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <h2>History</h2>
      <ol className="timeline">
        {o.statusHistory.map((h) => (
          <li key={`${h.status}-${h.at}`}>
            <strong>{h.status}</strong> <time dateTime={h.at}>{new Date(h.at).toLocaleString()}</time>{' '}
            <span className="muted">
              by {h.actor.kind.toLowerCase()}
              {h.reason ? ` — ${h.reason}` : ''}
            </span>
          </li>
        ))}
      </ol>
    </section>
  );
}
