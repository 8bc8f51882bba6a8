/**
 * What payments needs from a payment provider. Every call carries an
 * idempotency key derived from the saga's command, so a command redelivered
 * after a crash (the consumer runs it again) never charges, captures,
 * transfers or refunds twice at the provider.
 */

/** Why an authorisation was refused (shown to the saga as `payments.payment.failed`). */
export type DeclineReason = 'DECLINED' | 'INSUFFICIENT_FUNDS' | 'PROVIDER_ERROR';

export interface AuthorizeRequest {
  paymentId: string;
  orderId: string;
  amountMinor: bigint;
  currencyCode: string;
  /** The shopper's provider token (sandbox `tok_…`, Stripe `pm_…`/`tok_…`), never card data. */
  token: string;
  idempotencyKey: string;
  /** Groups the charge and its transfers at the provider (the order id). */
  transferGroup: string;
}

export type AuthorizeResult =
  | { ok: true; reference: string }
  | { ok: false; reason: DeclineReason; message: string };

/** One organisation's share of a capture, paid to its connected account when it has one. */
export interface TransferRequest {
  organizationId: string;
  /** The organisation's account at the provider; null: its share stays on the platform's balance. */
  destination: string | null;
  amountMinor: bigint;
}

export interface CaptureRequest {
  reference: string;
  amountMinor: bigint;
  currencyCode: string;
  idempotencyKey: string;
  transferGroup: string;
  transfers: TransferRequest[];
}

export interface CaptureResult {
  transfers: { organizationId: string; reference: string; amountMinor: bigint }[];
}

export interface RefundRequest {
  reference: string;
  amountMinor: bigint;
  currencyCode: string;
  idempotencyKey: string;
  /** Transfers to reverse, in proportion to the refunded split. */
  reversals: { organizationId: string; transferReference: string; amountMinor: bigint }[];
}

export interface PaymentProvider {
  /** `sandbox` or `stripe`: recorded on every payment. */
  readonly name: string;
  authorize(req: AuthorizeRequest): Promise<AuthorizeResult>;
  capture(req: CaptureRequest): Promise<CaptureResult>;
  void(req: { reference: string; idempotencyKey: string }): Promise<void>;
  refund(req: RefundRequest): Promise<{ reference: string }>;
}
