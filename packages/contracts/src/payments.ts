/**
 * Events produced by the payments subgraph: the replies to the order saga's
 * payment commands (contracts/orders.ts) and payouts. Amounts are integer
 * minor units as decimal strings. Aggregate: the order (payouts: the payout).
 */
import { type EventVersions, registerEventTypes } from '@tradegraph/shared/events';

/** The payment is authorised for `amountMinor` (funds held, not yet captured). */
export interface PaymentAuthorizedPayload {
  orderId: string;
  paymentId: string;
  amountMinor: string;
  currencyCode: string;
  provider: string;
}

/** Authorisation (or capture) failed; the saga compensates. */
export interface PaymentFailedPayload {
  orderId: string;
  paymentId: string;
  reason: 'DECLINED' | 'INSUFFICIENT_FUNDS' | 'PROVIDER_ERROR' | 'TIMEOUT';
  /** Safe to show to the shopper. */
  message: string;
}

/** The authorised amount was captured, and the split posted to the ledger. */
export interface PaymentCapturedPayload {
  orderId: string;
  paymentId: string;
  amountMinor: string;
  currencyCode: string;
}

/** The authorisation was voided (nothing will be charged). */
export interface PaymentVoidedPayload {
  orderId: string;
  paymentId: string;
}

/** A refund was paid back to the shopper and its split reversed on the ledger. */
export interface RefundIssuedPayload {
  orderId: string;
  paymentId: string;
  refundId: string;
  amountMinor: string;
  currencyCode: string;
}

/** A refund could not be made. */
export interface RefundFailedPayload {
  orderId: string;
  paymentId: string;
  refundId: string;
  reason: string;
}

/** An organisation's balance was paid out. Aggregate: the payout. */
export interface PayoutPaidPayload {
  payoutId: string;
  organizationId: string;
  amountMinor: string;
  currencyCode: string;
}

/** The payments slice of the event catalogue: type → current version and payload. */
export interface PaymentsEvents {
  'payments.payment.authorized': { version: 1; payload: PaymentAuthorizedPayload };
  'payments.payment.failed': { version: 1; payload: PaymentFailedPayload };
  'payments.payment.captured': { version: 1; payload: PaymentCapturedPayload };
  'payments.payment.voided': { version: 1; payload: PaymentVoidedPayload };
  'payments.refund.issued': { version: 1; payload: RefundIssuedPayload };
  'payments.refund.failed': { version: 1; payload: RefundFailedPayload };
  'payments.payout.paid': { version: 1; payload: PayoutPaidPayload };
}

declare module '@tradegraph/shared/events/catalogue' {
  interface EventCatalogue extends PaymentsEvents {}
}

export const PAYMENTS_EVENT_VERSIONS: EventVersions<keyof PaymentsEvents> = {
  'payments.payment.authorized': 1,
  'payments.payment.failed': 1,
  'payments.payment.captured': 1,
  'payments.payment.voided': 1,
  'payments.refund.issued': 1,
  'payments.refund.failed': 1,
  'payments.payout.paid': 1,
};
registerEventTypes(PAYMENTS_EVENT_VERSIONS);
