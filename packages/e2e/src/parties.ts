import { eventually } from './eventually.ts';
import { type Gql, must } from './network.ts';

/** Supplier side of an order, through the router: ship every group of `orderId` routed to the caller, then deliver. */
export async function shipAndDeliver(gql: Gql, supplierToken: string, orderId: string): Promise<void> {
  const groups = await eventually(
    async () => {
      const r = await gql(
        `{ fulfillmentGroups(filter: { status: CONFIRMED }, first: 100) { nodes { id order { id } lines { orderLineId quantity shippedQuantity } } } }`,
        {},
        supplierToken,
      );
      if (r.errors) throw new Error(JSON.stringify(r.errors));
      return (
        r.data!.fulfillmentGroups.nodes as {
          id: string;
          order: { id: string };
          lines: { orderLineId: string; quantity: number; shippedQuantity: number }[];
        }[]
      ).filter((g) => g.order.id === orderId);
    },
    (g) => g.length > 0,
    10_000,
    `a CONFIRMED fulfilment group of ${orderId}`,
  );
  for (const g of groups) {
    const created = await must<{ shipment: { id: string } }>(
      gql,
      `mutation($i: CreateShipmentInput!) { createShipment(input: $i) { shipment { id status } userErrors { code message } } }`,
      {
        i: {
          fulfillmentGroupId: g.id,
          carrier: 'PostNL',
          trackingNumber: `3S${g.id.slice(-10)}`,
          lines: g.lines.map((l) => ({
            orderLineId: l.orderLineId,
            quantity: l.quantity - l.shippedQuantity,
          })),
        },
      },
      supplierToken,
    );
    await must(
      gql,
      `mutation($i: MarkShipmentShippedInput!) { markShipmentShipped(input: $i) { shipment { status } userErrors { code message } } }`,
      { i: { shipmentId: created.shipment.id } },
      supplierToken,
    );
    await must(
      gql,
      `mutation($i: MarkShipmentDeliveredInput!) { markShipmentDelivered(input: $i) { shipment { status } userErrors { code message } } }`,
      { i: { shipmentId: created.shipment.id } },
      supplierToken,
    );
  }
}

/** The caller's organisation's ledger balance (minor units) in EUR. */
export async function balanceOf(gql: Gql, token: string): Promise<number> {
  const r = await gql(`{ ledgerBalance(currencyCode: "EUR") { amount currencyCode } }`, {}, token);
  if (r.errors) throw new Error(JSON.stringify(r.errors));
  return Math.round(Number(r.data!.ledgerBalance.amount) * 100);
}

/** The caller's ledger entries (all pages), amounts in minor units. */
export async function entriesOf(
  gql: Gql,
  token: string,
): Promise<{ kind: string; amountMinor: number; orderId: string | null }[]> {
  const out: { kind: string; amountMinor: number; orderId: string | null }[] = [];
  let after: string | null = null;
  do {
    const r = await gql(
      `query($a: String) { ledgerEntries(first: 100, after: $a) { nodes { kind orderId amount { amount currencyCode } } pageInfo { hasNextPage endCursor } } }`,
      { a: after },
      token,
    );
    if (r.errors) throw new Error(JSON.stringify(r.errors));
    const c = r.data!.ledgerEntries;
    for (const n of c.nodes)
      out.push({ kind: n.kind, orderId: n.orderId, amountMinor: Math.round(Number(n.amount.amount) * 100) });
    after = c.pageInfo.hasNextPage ? c.pageInfo.endCursor : null;
  } while (after);
  return out;
}
