import { dbDate, type EntityManager, placeholders, rows } from '@tradegraph/shared';
import type { LineSplit } from '../domain/split.ts';
import type { DeclineReason } from '../providers/provider.ts';

/** SQL of payment intents, their split lines, provider transfers and accounts, refunds and payouts. */

export type PaymentStatus =
  | 'AUTHORIZED'
  | 'FAILED'
  | 'CAPTURED'
  | 'VOIDED'
  | 'PARTIALLY_REFUNDED'
  | 'REFUNDED';

export interface PaymentRecord {
  id: string;
  orderId: string;
  retailerId: string | null;
  amount: bigint;
  currencyCode: string;
  status: PaymentStatus;
  provider: string;
  providerRef: string | null;
  idempotencyKey: string;
  failureReason: DeclineReason | 'TIMEOUT' | null;
  failureMessage: string | null;
  refunded: bigint;
}

interface PaymentRow {
  id: string;
  order_id: string;
  retailer_id: string | null;
  amount_minor: string;
  currency_code: string;
  status: PaymentStatus;
  provider: string;
  provider_ref: string | null;
  idempotency_key: string;
  failure_reason: DeclineReason | 'TIMEOUT' | null;
  failure_message: string | null;
  refunded_minor: string;
}

const PAYMENT_COLUMNS = `id, order_id, retailer_id, cast(amount_minor as char) as amount_minor, currency_code, status,
  provider, provider_ref, idempotency_key, failure_reason, failure_message, cast(refunded_minor as char) as refunded_minor`;

/** The payment, locked until the transaction ends; null when unknown. */
export async function lockPayment(em: EntityManager, id: string): Promise<PaymentRecord | null> {
  const [r] = await rows<PaymentRow>(em, `select ${PAYMENT_COLUMNS} from payments where id = ? for update`, [
    id,
  ]);
  if (!r) return null;
  return {
    id: r.id,
    orderId: r.order_id,
    retailerId: r.retailer_id,
    amount: BigInt(r.amount_minor),
    currencyCode: r.currency_code,
    status: r.status,
    provider: r.provider,
    providerRef: r.provider_ref,
    idempotencyKey: r.idempotency_key,
    failureReason: r.failure_reason,
    failureMessage: r.failure_message,
    refunded: BigInt(r.refunded_minor),
  };
}

export async function insertPayment(em: EntityManager, p: PaymentRecord, at: Date): Promise<void> {
  await em.execute(
    `insert into payments (id, order_id, retailer_id, amount_minor, currency_code, status, provider, provider_ref,
       idempotency_key, failure_reason, failure_message, refunded_minor, created_at, updated_at)
     values (${placeholders(14)})`,
    [
      p.id,
      p.orderId,
      p.retailerId,
      p.amount.toString(),
      p.currencyCode,
      p.status,
      p.provider,
      p.providerRef,
      p.idempotencyKey,
      p.failureReason,
      p.failureMessage?.slice(0, 500) ?? null,
      p.refunded.toString(),
      at,
      at,
    ],
  );
}

/** Moves a payment to `status` (the caller holds its lock), with its refunded total. */
export async function setPaymentStatus(
  em: EntityManager,
  id: string,
  status: PaymentStatus,
  refunded: bigint,
  at: Date,
): Promise<void> {
  await em.execute('update payments set status = ?, refunded_minor = ?, updated_at = ? where id = ?', [
    status,
    refunded.toString(),
    at,
    id,
  ]);
}

/** A line of a payment's split plan, with what has been refunded of it. */
export interface PaymentLine extends LineSplit {
  refunded: bigint;
}

export async function insertPaymentLines(em: EntityManager, paymentId: string, plan: readonly LineSplit[]) {
  if (!plan.length) return;
  await em.execute(
    `insert into payment_lines (payment_id, order_line_id, supplier_id, brand_id, retailer_id, amount_minor,
       supplier_minor, brand_minor, platform_minor, retailer_minor, refunded_minor)
     values ${plan.map(() => `(${placeholders(11)})`).join(', ')}`,
    plan.flatMap((l) => [
      paymentId,
      l.orderLineId,
      l.supplierId,
      l.brandId,
      l.retailerId,
      l.amount.toString(),
      l.supplier.toString(),
      l.brand.toString(),
      l.platform.toString(),
      l.retailer.toString(),
      '0',
    ]),
  );
}

export async function paymentLines(em: EntityManager, paymentId: string): Promise<PaymentLine[]> {
  const found = await rows<Record<string, string>>(
    em,
    `select order_line_id, supplier_id, brand_id, retailer_id, cast(amount_minor as char) as amount,
       cast(supplier_minor as char) as supplier, cast(brand_minor as char) as brand,
       cast(platform_minor as char) as platform, cast(retailer_minor as char) as retailer,
       cast(refunded_minor as char) as refunded
     from payment_lines where payment_id = ? order by order_line_id`,
    [paymentId],
  );
  return found.map((r) => ({
    orderLineId: r.order_line_id!,
    supplierId: r.supplier_id!,
    brandId: r.brand_id!,
    retailerId: r.retailer_id!,
    amount: BigInt(r.amount!),
    supplier: BigInt(r.supplier!),
    brand: BigInt(r.brand!),
    platform: BigInt(r.platform!),
    retailer: BigInt(r.retailer!),
    refunded: BigInt(r.refunded!),
  }));
}

export async function addLineRefunded(
  em: EntityManager,
  paymentId: string,
  orderLineId: string,
  amount: bigint,
) {
  await em.execute(
    'update payment_lines set refunded_minor = refunded_minor + ? where payment_id = ? and order_line_id = ?',
    [amount.toString(), paymentId, orderLineId],
  );
}

/** Organisations' accounts at `provider` (e.g. Stripe connected accounts `acct_…`). */
export async function providerAccounts(
  em: EntityManager,
  provider: string,
  organizationIds: readonly string[],
): Promise<Map<string, string>> {
  if (!organizationIds.length) return new Map();
  const found = await rows<{ organization_id: string; account_ref: string }>(
    em,
    `select organization_id, account_ref from provider_accounts
     where provider = ? and organization_id in (${placeholders(organizationIds.length)})`,
    [provider, ...organizationIds],
  );
  return new Map(found.map((r) => [r.organization_id, r.account_ref]));
}

export async function insertTransfers(
  em: EntityManager,
  paymentId: string,
  transfers: readonly { organizationId: string; reference: string; amountMinor: bigint }[],
) {
  if (!transfers.length) return;
  await em.execute(
    `insert into provider_transfers (payment_id, organization_id, transfer_ref, amount_minor)
     values ${transfers.map(() => `(${placeholders(4)})`).join(', ')}`,
    transfers.flatMap((t) => [paymentId, t.organizationId, t.reference, t.amountMinor.toString()]),
  );
}

/** The payment's transfers per organisation: organisation id → transfer reference. */
export async function transfersOf(em: EntityManager, paymentId: string): Promise<Map<string, string>> {
  const found = await rows<{ organization_id: string; transfer_ref: string }>(
    em,
    'select organization_id, transfer_ref from provider_transfers where payment_id = ?',
    [paymentId],
  );
  return new Map(found.map((r) => [r.organization_id, r.transfer_ref]));
}

export type RefundStatus = 'ISSUED' | 'FAILED';

export interface RefundRecord {
  id: string;
  paymentId: string;
  orderId: string;
  amount: bigint;
  currencyCode: string;
  status: RefundStatus;
  failureReason: string | null;
}

export async function findRefund(em: EntityManager, id: string): Promise<RefundRecord | null> {
  const [r] = await rows<Record<string, string | null>>(
    em,
    `select id, payment_id, order_id, cast(amount_minor as char) as amount, currency_code, status, failure_reason
     from refunds where id = ?`,
    [id],
  );
  if (!r) return null;
  return {
    id: r.id!,
    paymentId: r.payment_id!,
    orderId: r.order_id!,
    amount: BigInt(r.amount!),
    currencyCode: r.currency_code!,
    status: r.status as RefundStatus,
    failureReason: r.failure_reason ?? null,
  };
}

export async function insertRefund(
  em: EntityManager,
  r: RefundRecord & { providerRef: string | null },
  at: Date,
): Promise<void> {
  await em.execute(
    `insert into refunds (id, payment_id, order_id, amount_minor, currency_code, status, provider_ref, failure_reason, created_at)
     values (${placeholders(9)})`,
    [
      r.id,
      r.paymentId,
      r.orderId,
      r.amount.toString(),
      r.currencyCode,
      r.status,
      r.providerRef,
      r.failureReason?.slice(0, 500) ?? null,
      at,
    ],
  );
}

export interface PayoutRecord {
  id: string;
  organizationId: string;
  amount: bigint;
  currencyCode: string;
  status: 'PAID';
  createdAt: Date;
}

export async function findPayoutByKey(
  em: EntityManager,
  organizationId: string,
  idempotencyKey: string,
): Promise<PayoutRecord | null> {
  const [r] = await rows<{ id: string; amount: string; currency_code: string; created_at: Date | string }>(
    em,
    `select id, cast(amount_minor as char) as amount, currency_code, created_at from payouts
     where organization_id = ? and idempotency_key = ?`,
    [organizationId, idempotencyKey],
  );
  if (!r) return null;
  return {
    id: r.id,
    organizationId,
    amount: BigInt(r.amount),
    currencyCode: r.currency_code,
    status: 'PAID',
    createdAt: dbDate(r.created_at),
  };
}

export async function insertPayout(
  em: EntityManager,
  p: PayoutRecord,
  idempotencyKey: string,
): Promise<void> {
  await em.execute(
    `insert into payouts (id, organization_id, amount_minor, currency_code, idempotency_key, status, created_at)
     values (${placeholders(7)})`,
    [p.id, p.organizationId, p.amount.toString(), p.currencyCode, idempotencyKey, p.status, p.createdAt],
  );
}

/** Records a Stripe webhook event id; false when it was already received (a redelivery). */
export async function recordWebhookEvent(
  em: EntityManager,
  id: string,
  type: string,
  at: Date,
): Promise<boolean> {
  const res = await em.execute<{ affectedRows: number }>(
    'insert ignore into webhook_events (id, type, received_at) values (?, ?, ?)',
    [id, type, at],
    'run',
  );
  return res.affectedRows > 0;
}
