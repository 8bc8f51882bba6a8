import { graphql } from '@tradegraph/client';
import { useGql } from '@tradegraph/client/react';
import { CartesianGrid, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { ErrorBox, Loading } from '../ui.tsx';

const StockQuery = graphql(`
  query DashboardStock($first: Int) {
    inventoryLevels(first: $first) {
      totalCount
      nodes { id onHand reserved available warehouse { id name } variant { sku title } }
    }
    stockMovements(first: 100) {
      nodes {
        id
        type
        quantity
        availableAfter
        reason
        reference
        createdAt
        warehouse { name }
        variant { sku }
      }
    }
  }
`);

const LOW_STOCK = 5;

export function Stock() {
  const q = useGql(StockQuery, { first: 100 }, { refetchInterval: 10_000 });
  if (q.isPending) return <Loading />;
  if (q.error) return <ErrorBox error={q.error} />;
  const levels = q.data.inventoryLevels.nodes;
  const movements = q.data.stockMovements.nodes;
  // Units available over time, all warehouses together: walk the log (newest first) back from today's total.
  const availableDelta = (m: (typeof movements)[number]) =>
    m.type === 'RESERVED' || m.type === 'RELEASED' ? -m.quantity : m.type === 'SHIPPED' ? 0 : m.quantity;
  let total = levels.reduce((s, l) => s + l.available, 0);
  const series: { at: string; available: number }[] = [];
  for (const m of movements) {
    series.unshift({ at: new Date(m.createdAt).toLocaleString(), available: total });
    total -= availableDelta(m);
  }
  return (
    <section>
      <h1>Stock</h1>
      <figure className="chart">
        <figcaption>Units available over the last {movements.length} movements</figcaption>
        <div style={{ width: '100%', height: 220 }}>
          <ResponsiveContainer>
            <LineChart data={series}>
              <CartesianGrid strokeDasharray="3 3" />
              <XAxis dataKey="at" minTickGap={40} />
              <YAxis />
              <Tooltip />
              <Line
                type="monotone"
                dataKey="available"
                stroke="#1f5fbf"
                dot={false}
                isAnimationActive={false}
              />
            </LineChart>
          </ResponsiveContainer>
        </div>
      </figure>
      <h2>Per warehouse ({q.data.inventoryLevels.totalCount})</h2>
      <table className="table">
        <thead>
          <tr>
            <th scope="col">Warehouse</th>
            <th scope="col">SKU</th>
            <th scope="col">On hand</th>
            <th scope="col">Reserved</th>
            <th scope="col">Available</th>
          </tr>
        </thead>
        <tbody>
          {levels.map((l) => (
            <tr key={l.id} className={l.available < LOW_STOCK ? 'low' : undefined}>
              <td>{l.warehouse.name}</td>
              <td>{l.variant?.sku}</td>
              <td>{l.onHand}</td>
              <td>{l.reserved}</td>
              <td>
                {l.available}
                {l.available < LOW_STOCK && <span className="pill FAILED"> Low stock</span>}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <h2>Movement log</h2>
      <table className="table">
        <thead>
          <tr>
            <th scope="col">When</th>
            <th scope="col">Type</th>
            <th scope="col">SKU</th>
            <th scope="col">Warehouse</th>
            <th scope="col">Change</th>
            <th scope="col">Available after</th>
            <th scope="col">Why</th>
          </tr>
        </thead>
        <tbody>
          {movements.map((m) => (
            <tr key={m.id}>
              <td>
                <time dateTime={m.createdAt}>{new Date(m.createdAt).toLocaleString()}</time>
              </td>
              <td>{m.type}</td>
              <td>{m.variant?.sku}</td>
              <td>{m.warehouse.name}</td>
              <td>{m.quantity}</td>
              <td>{m.availableAfter}</td>
              <td>{m.reason ?? m.reference}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
