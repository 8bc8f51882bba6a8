import { graphql, type OrderStatus } from '@tradegraph/client';
import { useGql, useInvalidate, useSubscription } from '@tradegraph/client/react';
import { useState } from 'react';
import { Link } from 'react-router';
import { ErrorBox, formatMoney, Loading } from '../ui.tsx';

export const OrdersQuery = graphql(`
  query DashboardOrders($filter: OrdersFilter, $first: Int, $after: String) {
    orders(filter: $filter, first: $first, after: $after) {
      totalCount
      pageInfo { hasNextPage endCursor }
      nodes { id number status createdAt total { amount currencyCode } retailer { name } }
    }
  }
`);

/** Every status change the viewer may see (retailer: its orders; supplier: routed ones; brand: its products'). */
export const OrdersLive = graphql(`
  subscription DashboardOrdersLive {
    orderStatusChanged { status previousStatus at order { id number status } }
  }
`);

const STATUSES: OrderStatus[] = [
  'PENDING',
  'CONFIRMED',
  'PARTIALLY_SHIPPED',
  'SHIPPED',
  'DELIVERED',
  'CANCELLED',
  'FAILED',
  'REFUNDED',
];

export function Orders() {
  const [status, setStatus] = useState<OrderStatus | ''>('');
  const [after, setAfter] = useState<string[]>([]);
  const q = useGql(OrdersQuery, {
    filter: status ? { status } : null,
    first: 25,
    after: after.at(-1) ?? null,
  });
  const invalidate = useInvalidate();
  const [lastEvent, setLastEvent] = useState<string | null>(null);
  const live = useSubscription(OrdersLive, {}, (e) => {
    setLastEvent(`${e.orderStatusChanged.order.number} is now ${e.orderStatusChanged.status}`);
    invalidate(OrdersQuery);
  });
  return (
    <section>
      <h1>
        Orders{' '}
        <span className={live.connected ? 'live on' : 'live off'}>{live.connected ? 'Live' : 'Offline'}</span>
      </h1>
      <p className="muted" role="status" aria-live="polite">
        {lastEvent ?? 'Changes appear here as they happen.'}
      </p>
      <div className="inline-form">
        <label htmlFor="status">Status</label>
        <select
          id="status"
          value={status}
          onChange={(e) => {
            setAfter([]);
            setStatus(e.target.value as OrderStatus | '');
          }}
        >
          <option value="">All</option>
          {STATUSES.map((s) => (
            <option key={s}>{s}</option>
          ))}
        </select>
      </div>
      {q.isPending && <Loading />}
      {q.error && <ErrorBox error={q.error} />}
      {q.data && (
        <table className="table">
          <caption className="sr-only">Orders, newest first</caption>
          <thead>
            <tr>
              <th scope="col">Order</th>
              <th scope="col">Placed</th>
              <th scope="col">Retailer</th>
              <th scope="col">Status</th>
              <th scope="col">Total</th>
            </tr>
          </thead>
          <tbody>
            {q.data.orders.nodes.map((o) => (
              <tr key={o.id} data-testid="order-row" data-order-id={o.id}>
                <td>
                  <Link to={`/orders/${o.id}`}>{o.number}</Link>
                </td>
                <td>
                  <time dateTime={o.createdAt}>{new Date(o.createdAt).toLocaleString()}</time>
                </td>
                <td>{o.retailer.name}</td>
                <td>
                  <span className={`pill ${o.status}`} data-testid="order-status">
                    {o.status}
                  </span>
                </td>
                <td>{formatMoney(o.total)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <nav className="pager" aria-label="Pages">
        <button type="button" disabled={after.length === 0} onClick={() => setAfter((a) => a.slice(0, -1))}>
          Previous
        </button>
        <button
          type="button"
          disabled={!q.data?.orders.pageInfo.hasNextPage}
          onClick={() => setAfter((a) => [...a, q.data?.orders.pageInfo.endCursor ?? ''])}
        >
          Next
        </button>
      </nav>
    </section>
  );
}
