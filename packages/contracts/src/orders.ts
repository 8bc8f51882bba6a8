/**
 * Events produced by the orders subgraph (the seed's Supply Chain service).
 *
 * Orders orchestrates the order saga over the bus (docs/orders.md): it
 * publishes facts about orders (`orders.order.*`) and commands to the
 * services that hold stock and money (`orders.reservation.*`,
 * `orders.payment.*`, `orders.refund.*`); supplier and payments answer with
 * their own events (contracts/supplier.ts, contracts/payments.ts). No
 * subgraph calls another. Amounts are integer minor units as decimal strings.
 */
import { type EventVersions, registerEventTypes } from '@tradegraph/shared/events';

export type OrderStatus =
  | 'PENDING'
  | 'STOCK_RESERVED'
  | 'PAYMENT_AUTHORIZED'
  | 'CONFIRMED'
  | 'PARTIALLY_SHIPPED'
  | 'SHIPPED'
  | 'DELIVERED'
  | 'CANCELLED'
  | 'FAILED'
  | 'PARTIALLY_REFUNDED'
  | 'REFUNDED';

/** Who moved an order: a user, an API key, a shopper, or the saga itself. */
export interface OrderActor {
  kind: 'USER' | 'API_KEY' | 'CUSTOMER' | 'GUEST' | 'SYSTEM';
  id: string | null;
}

export interface OrderLineSnapshot {
  orderLineId: string;
  listingId: string;
  variantId: string;
  brandId: string;
  /** The supplier the line was routed to, and its fulfilment group. */
  supplierId: string;
  groupId: string;
  quantity: number;
  /** Retail price of one unit the shopper pays (minor units). */
  unitPriceMinor: string;
  /** The supplier's wholesale price of one unit at routing time (minor units). */
  wholesaleUnitMinor: string;
  title: string;
}

/** An order was placed at checkout (whole order). Aggregate: the order. */
export interface OrderPlacedPayload {
  orderId: string;
  number: string;
  cartId: string;
  retailerId: string;
  storefrontId: string;
  /** The signed-in shopper; null for a guest. */
  customerId: string | null;
  /**
   * The contact email given at checkout (personal data: for the shopper's
   * order messages only). Optional: events written before it existed lack it.
   */
  email?: string;
  currencyCode: string;
  totalMinor: string;
  lines: OrderLineSnapshot[];
  groups: { groupId: string; supplierId: string; orderLineIds: string[] }[];
  placedAt: string;
}

/**
 * An order moved to another status. Carries every party that may see the
 * order, so subscribers filter without a lookup. Aggregate: the order.
 */
export interface OrderStatusChangedPayload {
  orderId: string;
  number: string;
  retailerId: string;
  customerId: string | null;
  brandIds: string[];
  supplierIds: string[];
  previousStatus: OrderStatus | null;
  status: OrderStatus;
  /** Why, for FAILED, CANCELLED and refunds (human readable). */
  reason: string | null;
  actor: OrderActor;
  at: string;
}

/**
 * Command to one supplier: reserve every line of one fulfilment group, all or
 * nothing, for the saga, and answer before `deadline` (ISO-8601) with
 * `supplier.fulfillment.reserved` or `.rejected`. Aggregate: the group.
 */
export interface ReservationRequestedPayload {
  orderId: string;
  groupId: string;
  supplierId: string;
  retailerId: string;
  lines: { orderLineId: string; variantId: string; brandId: string; quantity: number }[];
  deadline: string;
}

/**
 * Command to one supplier: release whatever it reserved for this group (a
 * compensation; idempotent, also for a group it never reserved). Answered
 * with `supplier.fulfillment.released`. Aggregate: the group.
 */
export interface ReservationReleaseRequestedPayload {
  orderId: string;
  groupId: string;
  supplierId: string;
  reason: string;
}

/** One line of the money split: what the shopper pays for it and who earns what from it. */
export interface SplitLineInput {
  orderLineId: string;
  supplierId: string;
  brandId: string;
  /** Retail line total (unit price × quantity), minor units. */
  amountMinor: string;
  /** Wholesale line total owed to the supplier, minor units. */
  wholesaleMinor: string;
}

/**
 * Command to payments: authorise `amountMinor` with the shopper's payment
 * token, and answer before `deadline` with `payments.payment.authorized` or
 * `.failed`. `idempotencyKey` is sent to the provider. Aggregate: the order.
 */
export interface PaymentAuthorizationRequestedPayload {
  orderId: string;
  paymentId: string;
  retailerId: string;
  amountMinor: string;
  currencyCode: string;
  /** A provider token (sandbox `tok_visa`, Stripe `pm_…`/`tok_…`), never card data. */
  paymentToken: string;
  idempotencyKey: string;
  split: SplitLineInput[];
  deadline: string;
}

/** Command to payments: capture the authorised payment (answered with `payments.payment.captured`). Aggregate: the order. */
export interface PaymentCaptureRequestedPayload {
  orderId: string;
  paymentId: string;
  amountMinor: string;
  currencyCode: string;
}

/** Command to payments: void an authorisation that will not be captured (a compensation; idempotent). Aggregate: the order. */
export interface PaymentVoidRequestedPayload {
  orderId: string;
  paymentId: string;
  reason: string;
}

/**
 * Command to payments: refund part or all of a captured payment, reversing
 * the split of the refunded lines in proportion. Aggregate: the order.
 */
export interface RefundRequestedPayload {
  orderId: string;
  paymentId: string;
  refundId: string;
  amountMinor: string;
  currencyCode: string;
  lines: { orderLineId: string; quantity: number; amountMinor: string }[];
  reason: string;
  idempotencyKey: string;
}

/** The orders slice of the event catalogue: type → current version and payload. */
export interface OrdersEvents {
  'orders.order.placed': { version: 1; payload: OrderPlacedPayload };
  'orders.order.status-changed': { version: 1; payload: OrderStatusChangedPayload };
  'orders.reservation.requested': { version: 1; payload: ReservationRequestedPayload };
  'orders.reservation.release-requested': { version: 1; payload: ReservationReleaseRequestedPayload };
  'orders.payment.authorization-requested': { version: 1; payload: PaymentAuthorizationRequestedPayload };
  'orders.payment.capture-requested': { version: 1; payload: PaymentCaptureRequestedPayload };
  'orders.payment.void-requested': { version: 1; payload: PaymentVoidRequestedPayload };
  'orders.refund.requested': { version: 1; payload: RefundRequestedPayload };
}

declare module '@tradegraph/shared/events/catalogue' {
  interface EventCatalogue extends OrdersEvents {}
}

export const ORDERS_EVENT_VERSIONS: EventVersions<keyof OrdersEvents> = {
  'orders.order.placed': 1,
  'orders.order.status-changed': 1,
  'orders.reservation.requested': 1,
  'orders.reservation.release-requested': 1,
  'orders.payment.authorization-requested': 1,
  'orders.payment.capture-requested': 1,
  'orders.payment.void-requested': 1,
  'orders.refund.requested': 1,
};
registerEventTypes(ORDERS_EVENT_VERSIONS);
