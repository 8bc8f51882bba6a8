import { graphql } from '@tradegraph/client';
import { useClient, useGql, useInvalidate, useSubscription } from '@tradegraph/client/react';
import { type FormEvent, useState } from 'react';
import { ErrorBox, Loading } from '../ui.tsx';
import { OrdersLive } from './Orders.tsx';

const QueueQuery = graphql(`
  query DashboardFulfilmentQueue($first: Int) {
    fulfillmentGroups(first: $first) {
      nodes {
        id
        status
        createdAt
        order { id number status }
        lines { orderLineId quantity shippedQuantity variant { sku title } }
        shipments { id status carrier trackingNumber shippedAt deliveredAt }
      }
    }
  }
`);

const CreateShipment = graphql(`
  mutation DashboardCreateShipment($input: CreateShipmentInput!) {
    createShipment(input: $input) { shipment { id status } userErrors { field message code } }
  }
`);
const MarkShipped = graphql(`
  mutation DashboardMarkShipped($input: MarkShipmentShippedInput!) {
    markShipmentShipped(input: $input) { shipment { id status } userErrors { field message code } }
  }
`);
const MarkDelivered = graphql(`
  mutation DashboardMarkDelivered($input: MarkShipmentDeliveredInput!) {
    markShipmentDelivered(input: $input) { shipment { id status } userErrors { field message code } }
  }
`);

export function Fulfilment() {
  const q = useGql(QueueQuery, { first: 50 });
  const invalidate = useInvalidate();
  const live = useSubscription(OrdersLive, {}, () => invalidate(QueueQuery));
  if (q.isPending) return <Loading />;
  if (q.error) return <ErrorBox error={q.error} />;
  const groups = q.data.fulfillmentGroups.nodes;
  return (
    <section>
      <h1>
        Fulfilment queue{' '}
        <span className={live.connected ? 'live on' : 'live off'}>{live.connected ? 'Live' : 'Offline'}</span>
      </h1>
      {groups.length === 0 && <p>No orders are routed to you yet.</p>}
      <ul className="cards">
        {groups.map((g) => (
          <li key={g.id} className="panel" data-testid="group" data-order-number={g.order.number}>
            <h2>
              {g.order.number} <span className={`pill ${g.status}`}>{g.status}</span>
            </h2>
            <ul>
              {g.lines.map((l) => (
                <li key={l.orderLineId}>
                  {l.variant?.title ?? l.orderLineId} ({l.variant?.sku}) — {l.shippedQuantity}/{l.quantity}{' '}
                  shipped
                </li>
              ))}
            </ul>
            {g.shipments.map((s) => (
              <p key={s.id} className="muted">
                {s.carrier} {s.trackingNumber}: {s.status}{' '}
                {s.status === 'SHIPPED' && (
                  <ActionButton
                    label="Mark delivered"
                    run={(client) =>
                      client
                        .request(MarkDelivered, { input: { shipmentId: s.id } })
                        .then((r) => r.markShipmentDelivered.userErrors[0]?.message ?? null)
                    }
                    done={() => invalidate(QueueQuery)}
                  />
                )}
              </p>
            ))}
            {(g.status === 'CONFIRMED' || g.status === 'PARTIALLY_SHIPPED') && (
              <ShipForm
                groupId={g.id}
                lines={g.lines
                  .filter((l) => l.quantity > l.shippedQuantity)
                  .map((l) => ({ orderLineId: l.orderLineId, quantity: l.quantity - l.shippedQuantity }))}
                done={() => invalidate(QueueQuery)}
              />
            )}
          </li>
        ))}
      </ul>
    </section>
  );
}

type Client = ReturnType<typeof useClient>;

function ActionButton(props: {
  label: string;
  run: (c: Client) => Promise<string | null>;
  done: () => void;
}) {
  const client = useClient();
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  return (
    <>
      <button
        type="button"
        disabled={busy}
        onClick={async () => {
          setBusy(true);
          const err = await props.run(client).catch((e: Error) => e.message);
          setBusy(false);
          setError(err);
          if (!err) props.done();
        }}
      >
        {props.label}
      </button>
      {error && <ErrorBox>{error}</ErrorBox>}
    </>
  );
}

/** Ships everything still to ship in one parcel: create the shipment, then hand it to the carrier. */
function ShipForm(props: {
  groupId: string;
  lines: { orderLineId: string; quantity: number }[];
  done: () => void;
}) {
  const client = useClient();
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const f = new FormData(e.currentTarget);
    setBusy(true);
    setError(null);
    try {
      const created = await client.request(CreateShipment, {
        input: {
          fulfillmentGroupId: props.groupId,
          carrier: String(f.get('carrier')),
          trackingNumber: String(f.get('tracking')),
          lines: props.lines,
        },
      });
      const shipment = created.createShipment.shipment;
      if (!shipment) throw new Error(created.createShipment.userErrors[0]?.message ?? 'Not shipped');
      const shipped = await client.request(MarkShipped, { input: { shipmentId: shipment.id } });
      const err = shipped.markShipmentShipped.userErrors[0];
      if (err) throw new Error(err.message);
      props.done();
    } catch (err) {
      setError((err as Error).message);
    } finally {
      setBusy(false);
    }
  };
  return (
    <form onSubmit={submit} className="inline-form" aria-label={`Ship group ${props.groupId}`}>
      <label htmlFor={`carrier-${props.groupId}`}>Carrier</label>
      <input id={`carrier-${props.groupId}`} name="carrier" required defaultValue="DHL" />
      <label htmlFor={`tracking-${props.groupId}`}>Tracking number</label>
      <input id={`tracking-${props.groupId}`} name="tracking" required />
      <button type="submit" disabled={busy}>
        {busy ? 'Shipping…' : 'Ship'}
      </button>
      {error && <ErrorBox>{error}</ErrorBox>}
    </form>
  );
}
