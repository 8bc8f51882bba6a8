import { graphql } from '@tradegraph/client';
import { useGql } from '@tradegraph/client/react';
import {
  Bar,
  BarChart,
  CartesianGrid,
  Line,
  LineChart,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from 'recharts';
import { ErrorBox, Loading } from '../ui.tsx';

const SalesQuery = graphql(`
  query DashboardSales($filter: AnalyticsFilter) {
    salesByDay(filter: $filter) { day orders units gmv { amount currencyCode } confirmedOrders }
    orders(first: 100) { nodes { id status } }
  }
`);

const SellThroughQuery = graphql(`
  query DashboardSellThrough($filter: AnalyticsFilter) {
    sellThrough(filter: $filter) { retailer { name } orders units shareOfUnits gmv { amount currencyCode } }
  }
`);

const since = () => new Date(Date.now() - 30 * 86_400_000).toISOString().slice(0, 10);

export function Sales({ kind }: { kind: string }) {
  const q = useGql(SalesQuery, { filter: { from: since() } });
  const st = useGql(SellThroughQuery, { filter: { from: since() } }, { enabled: kind === 'BRAND' });
  if (q.isPending) return <Loading />;
  if (q.error) return <ErrorBox error={q.error} />;
  const days = q.data.salesByDay.map((d) => ({ day: d.day, gmv: Number(d.gmv.amount), orders: d.orders }));
  const currency = q.data.salesByDay[0]?.gmv.currencyCode ?? '';
  const perStatus = Object.entries(
    q.data.orders.nodes.reduce<Record<string, number>>((acc, o) => {
      acc[o.status] = (acc[o.status] ?? 0) + 1;
      return acc;
    }, {}),
  ).map(([status, count]) => ({ status, count }));
  return (
    <section>
      <h1>{kind === 'BRAND' ? 'Sell-through' : 'Sales'}</h1>
      <div className="charts">
        <figure className="chart">
          <figcaption>GMV per day, last 30 days {currency && `(${currency})`}</figcaption>
          {days.length === 0 ? (
            <p className="muted">No sales yet.</p>
          ) : (
            <div style={{ width: '100%', height: 240 }}>
              <ResponsiveContainer>
                <LineChart data={days}>
                  <CartesianGrid strokeDasharray="3 3" />
                  <XAxis dataKey="day" />
                  <YAxis />
                  <Tooltip />
                  <Line type="monotone" dataKey="gmv" name="GMV" stroke="#1f5fbf" isAnimationActive={false} />
                </LineChart>
              </ResponsiveContainer>
            </div>
          )}
        </figure>
        <figure className="chart">
          <figcaption>Orders per status (latest 100)</figcaption>
          <div style={{ width: '100%', height: 240 }}>
            <ResponsiveContainer>
              <BarChart data={perStatus}>
                <CartesianGrid strokeDasharray="3 3" />
                <XAxis dataKey="status" />
                <YAxis allowDecimals={false} />
                <Tooltip />
                <Bar dataKey="count" name="Orders" fill="#1b7a3d" isAnimationActive={false} />
              </BarChart>
            </ResponsiveContainer>
          </div>
        </figure>
      </div>
      <table className="table">
        <caption>Per day</caption>
        <thead>
          <tr>
            <th scope="col">Day</th>
            <th scope="col">Orders</th>
            <th scope="col">Units</th>
            <th scope="col">GMV</th>
          </tr>
        </thead>
        <tbody>
          {q.data.salesByDay.map((d) => (
            <tr key={d.day}>
              <td>{d.day}</td>
              <td>{d.orders}</td>
              <td>{d.units}</td>
              <td>
                {d.gmv.amount} {d.gmv.currencyCode}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {kind === 'BRAND' && st.data && (
        <table className="table">
          <caption>Sell-through per retailer</caption>
          <thead>
            <tr>
              <th scope="col">Retailer</th>
              <th scope="col">Orders</th>
              <th scope="col">Units</th>
              <th scope="col">Share of units</th>
            </tr>
          </thead>
          <tbody>
            {st.data.sellThrough.map((r) => (
              <tr key={r.retailer.name}>
                <td>{r.retailer.name}</td>
                <td>{r.orders}</td>
                <td>{r.units}</td>
                <td>{(r.shareOfUnits * 100).toFixed(1)} %</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
