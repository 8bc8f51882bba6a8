import type {
  PaymentAuthorizedPayload,
  PaymentCapturedPayload,
  PaymentFailedPayload,
  PayoutPaidPayload,
  RefundIssuedPayload,
} from '@tradegraph/contracts';
import type { PaymentRecord, PayoutRecord } from '../store/payments.ts';

/** Payload builders of the payments.* events (packages/contracts/src/payments.ts). */

export const paymentAuthorized = (p: PaymentRecord): PaymentAuthorizedPayload => ({
  orderId: p.orderId,
  paymentId: p.id,
  amountMinor: p.amount.toString(),
  currencyCode: p.currencyCode,
  provider: p.provider,
});

export const paymentFailed = (
  p: Pick<PaymentRecord, 'orderId' | 'id'>,
  reason: PaymentFailedPayload['reason'],
  message: string,
): PaymentFailedPayload => ({ orderId: p.orderId, paymentId: p.id, reason, message });

export const paymentCaptured = (p: PaymentRecord): PaymentCapturedPayload => ({
  orderId: p.orderId,
  paymentId: p.id,
  amountMinor: p.amount.toString(),
  currencyCode: p.currencyCode,
});

export const refundIssued = (
  p: Pick<PaymentRecord, 'orderId' | 'id'>,
  refundId: string,
  amount: bigint,
  currencyCode: string,
): RefundIssuedPayload => ({
  orderId: p.orderId,
  paymentId: p.id,
  refundId,
  amountMinor: amount.toString(),
  currencyCode,
});

export const payoutPaid = (p: PayoutRecord): PayoutPaidPayload => ({
  payoutId: p.id,
  organizationId: p.organizationId,
  amountMinor: p.amount.toString(),
  currencyCode: p.currencyCode,
});
