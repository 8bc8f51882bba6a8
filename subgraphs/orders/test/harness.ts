import { startHarness } from '@tradegraph/testing';
import { start } from '../src/service.ts';

/** The orders subgraph on fresh databases, called as the router would (see @tradegraph/testing). */
export const startOrders = (env: Record<string, string> = {}) =>
  startHarness({ name: 'orders', start, env: { ORDERS_SAGA_SWEEP_INTERVAL_MS: '0', ...env } });
export type OrdersHarness = Awaited<ReturnType<typeof startOrders>>;

export const RULES = `query { fulfillmentRules { supplierPriority maxSuppliersPerOrder updatedAt } }`;
export const SET_RULES = `mutation ($input: SetFulfillmentRulesInput!) {
  setFulfillmentRules(input: $input) { fulfillmentRules { supplierPriority maxSuppliersPerOrder } userErrors { field message code } }
}`;

export const ORDER_FIELDS = `id number status statusReason currencyCode total { amount currencyCode } email customerId
  lines { id quantity title variant { id } supplier { id } brand { id } unitPrice { amount } shippedQuantity deliveredQuantity refundedQuantity fulfillmentGroupId }
  groups { id supplier { id } reservationStatus lines { id } }
  statusHistory { status previousStatus reason actor { kind id } }`;

export const CHECKOUT = `mutation ($input: CheckoutInput!) {
  checkout(input: $input) { order { ${ORDER_FIELDS} } orderAccessToken userErrors { field message code } }
}`;
export const ORDER = `query ($id: ID!, $token: String) { order(id: $id, accessToken: $token) { ${ORDER_FIELDS} } }`;
export const ORDERS = `query ($status: OrderStatus) { orders(filter: { status: $status }, first: 50) { totalCount nodes { id status lines { id } total { amount } } } }`;
export const CANCEL = `mutation ($input: CancelOrderInput!) { cancelOrder(input: $input) { order { id status statusReason } userErrors { code message } } }`;
export const REFUND = `mutation ($input: RefundOrderInput!) { refundOrder(input: $input) { order { id status } refund { id amount { amount } status } userErrors { code message } } }`;
export const ENTITIES = `query ($reps: [_Any!]!) { _entities(representations: $reps) { ... on Order { id status } } }`;

export const ADDRESS = { name: 'Ada', line1: 'Main 1', city: 'Berlin', postalCode: '10115', country: 'DE' };

let seq = 0;
/** A unique suffix for ids of one scenario. */
const uid = () => `${Date.now().toString(36)}${(seq++).toString(36)}`.toUpperCase();

export interface SupplierSetup {
  id: string;
  wholesaleMinor: number;
  stock: number;
  moq?: number;
}

export interface Scenario {
  retailerId: string;
  brandId: string;
  cartId: string;
  lines: { listingId: string; variantId: string; quantity: number; priceMinor: number; title: string }[];
  suppliers: string[];
}

/**
 * Simulates what the other services announce before a checkout: identity's
 * FULFILL_ORDERS connections, supplier offers and stock, retailer listing
 * prices and the cart — each delivered (applied) before it returns.
 */
export async function seedScenario(
  h: OrdersHarness,
  opts: {
    lines: { priceMinor: number; quantity: number; title?: string; suppliers: SupplierSetup[] }[];
    customerId?: string | null;
    retailerId?: string;
  },
): Promise<Scenario> {
  const retailerId = opts.retailerId ?? `org_${uid()}`;
  const brandId = `org_${uid()}`;
  const cartId = `crt_${uid()}`;
  const connected = new Set<string>();
  const lines: Scenario['lines'] = [];
  for (const [i, l] of opts.lines.entries()) {
    const variantId = `var_${uid()}`;
    const listingId = `lst_${uid()}`;
    const title = l.title ?? `Item ${i + 1}`;
    for (const s of l.suppliers) {
      if (!connected.has(s.id)) {
        connected.add(s.id);
        const connectionId = `con_${uid()}`;
        await h.deliver(
          'identity.connection.accepted',
          {
            connectionId,
            requesterId: s.id,
            requesterKind: 'SUPPLIER',
            partnerId: brandId,
            partnerKind: 'BRAND',
            scopes: ['CATALOG_READ', 'FULFILL_ORDERS'],
            status: 'ACTIVE',
          },
          { aggregateId: connectionId, orgId: brandId },
        );
      }
      const offerId = `off_${uid()}`;
      await h.deliver(
        'supplier.offer.changed',
        {
          offerId,
          supplierId: s.id,
          brandId,
          variantId,
          wholesaleMinor: String(s.wholesaleMinor),
          currencyCode: 'EUR',
          minimumOrderQuantity: s.moq ?? 1,
          leadTimeDays: 2,
          active: true,
        },
        { aggregateId: offerId, orgId: s.id },
      );
      await setStock(h, s.id, brandId, variantId, s.stock);
    }
    await setListingPrice(h, { listingId, retailerId, variantId, brandId, priceMinor: l.priceMinor, title });
    lines.push({ listingId, variantId, quantity: l.quantity, priceMinor: l.priceMinor, title });
  }
  const scenario = {
    retailerId,
    brandId,
    cartId,
    lines,
    suppliers: [...connected],
  };
  await setCart(h, scenario, opts.customerId ?? null);
  return scenario;
}

export function setStock(
  h: OrdersHarness,
  supplierId: string,
  brandId: string,
  variantId: string,
  total: number,
) {
  return h.deliver(
    'supplier.stock.changed',
    {
      supplierId,
      brandId,
      variantId,
      warehouseId: 'wh_1',
      onHand: total,
      reserved: 0,
      available: total,
      totalAvailable: total,
      movement: 'RECEIVED',
    },
    { aggregateId: `${supplierId}:${variantId}`, orgId: supplierId },
  );
}

export function setListingPrice(
  h: OrdersHarness,
  l: {
    listingId: string;
    retailerId: string;
    variantId: string;
    brandId: string;
    priceMinor: number;
    title: string;
  },
) {
  return h.deliver(
    'retailer.listing.changed',
    {
      listingId: l.listingId,
      retailerId: l.retailerId,
      storefrontId: 'sfr_1',
      variantId: l.variantId,
      brandId: l.brandId,
      visible: true,
      removed: false,
      priceMinor: String(l.priceMinor),
      currencyCode: 'EUR',
      title: l.title,
    },
    { aggregateId: l.listingId, orgId: l.retailerId },
  );
}

export function setCart(h: OrdersHarness, s: Omit<Scenario, 'suppliers'>, customerId: string | null) {
  return h.deliver(
    'retailer.cart.changed',
    {
      cartId: s.cartId,
      retailerId: s.retailerId,
      storefrontId: 'sfr_1',
      currencyCode: 'EUR',
      customerId,
      status: 'OPEN',
      lines: s.lines.map((l, i) => ({
        lineId: `cl_${i}`,
        listingId: l.listingId,
        variantId: l.variantId,
        brandId: s.brandId,
        quantity: l.quantity,
        unitPriceMinor: String(l.priceMinor),
        title: l.title,
      })),
    },
    { aggregateId: s.cartId, orgId: s.retailerId },
  );
}

export const checkoutInput = (
  cartId: string,
  idempotencyKey = `key-${uid()}`,
  paymentToken = 'tok_visa',
) => ({
  cartId,
  email: 'ada@example.com',
  shippingAddress: ADDRESS,
  paymentToken,
  idempotencyKey,
});

/** The saga row and the order's status as stored. */
export async function sagaOf(h: OrdersHarness, orderId: string) {
  const [saga] = await h.sql(
    'select step, payment_status, void_requested from order_sagas where order_id = ?',
    [orderId],
  );
  const [order] = await h.sql('select status, status_reason from orders where id = ?', [orderId]);
  return { ...saga, ...order } as {
    step: string;
    payment_status: string;
    void_requested: number;
    status: string;
    status_reason: string | null;
  };
}

/** The fulfilment groups the saga asked suppliers to reserve. */
export async function reservationRequests(h: OrdersHarness, orderId: string) {
  const all = await h.outbox('orders.reservation.requested');
  return all
    .filter((e) => e.payload.orderId === orderId)
    .map(
      (e) =>
        e.payload as {
          groupId: string;
          supplierId: string;
          lines: { orderLineId: string; quantity: number }[];
        },
    );
}

/** Replies of a supplier to a reservation request, as supplier would publish them. */
export const reply = {
  reserved: (
    h: OrdersHarness,
    orderId: string,
    g: { groupId: string; supplierId: string; lines: { orderLineId: string; quantity: number }[] },
  ) =>
    h.deliver(
      'supplier.fulfillment.reserved',
      {
        orderId,
        groupId: g.groupId,
        supplierId: g.supplierId,
        reservations: g.lines.map((l) => ({
          orderLineId: l.orderLineId,
          reservationId: `res_${uid()}`,
          warehouseId: 'wh_1',
          quantity: l.quantity,
        })),
      },
      { aggregateId: g.groupId, orgId: g.supplierId },
    ),
  rejected: (
    h: OrdersHarness,
    orderId: string,
    g: { groupId: string; supplierId: string; lines: { orderLineId: string; quantity: number }[] },
    available: number,
  ) =>
    h.deliver(
      'supplier.fulfillment.rejected',
      {
        orderId,
        groupId: g.groupId,
        supplierId: g.supplierId,
        reason: 'OUT_OF_STOCK',
        lines: g.lines.map((l) => ({
          orderLineId: l.orderLineId,
          variantId: 'var_x',
          requested: l.quantity,
          available,
        })),
      },
      { aggregateId: g.groupId, orgId: g.supplierId },
    ),
  released: (h: OrdersHarness, orderId: string, g: { groupId: string; supplierId: string }) =>
    h.deliver(
      'supplier.fulfillment.released',
      { orderId, groupId: g.groupId, supplierId: g.supplierId },
      { aggregateId: g.groupId, orgId: g.supplierId },
    ),
  payment: async (
    h: OrdersHarness,
    orderId: string,
    type: 'authorized' | 'captured' | 'voided' | 'failed',
    message = 'Your card was declined',
  ) => {
    const [req] = (await h.outbox('orders.payment.authorization-requested', orderId)) as {
      payload: { paymentId: string; amountMinor: string };
    }[];
    const paymentId = req?.payload.paymentId ?? 'pay_unknown';
    const meta = { aggregateId: orderId, orgId: null };
    if (type === 'authorized')
      return h.deliver(
        'payments.payment.authorized',
        {
          orderId,
          paymentId,
          amountMinor: req!.payload.amountMinor,
          currencyCode: 'EUR',
          provider: 'sandbox',
        },
        meta,
      );
    if (type === 'captured')
      return h.deliver(
        'payments.payment.captured',
        { orderId, paymentId, amountMinor: req!.payload.amountMinor, currencyCode: 'EUR' },
        meta,
      );
    if (type === 'voided') return h.deliver('payments.payment.voided', { orderId, paymentId }, meta);
    return h.deliver('payments.payment.failed', { orderId, paymentId, reason: 'DECLINED', message }, meta);
  },
  shipment: (
    h: OrdersHarness,
    orderId: string,
    g: { groupId: string; supplierId: string; lines: { orderLineId: string; quantity: number }[] },
    status: 'CREATED' | 'SHIPPED' | 'DELIVERED',
    shipmentId: string,
    at = new Date(),
  ) =>
    h.deliver(
      'supplier.shipment.changed',
      {
        shipmentId,
        orderId,
        groupId: g.groupId,
        supplierId: g.supplierId,
        status,
        carrier: 'DHL',
        trackingNumber: '1Z',
        lines: g.lines,
        at: at.toISOString(),
      },
      { aggregateId: g.groupId, orgId: g.supplierId },
    ),
};
