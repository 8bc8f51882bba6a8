/**
 * The saga's payment commands (orders → payments), each applied as one unit
 * of work by its consumer (events/consumers.ts): the payment row is locked,
 * the provider is called with an idempotency key derived from the command,
 * the result, the ledger postings and the reply event commit together. A
 * command delivered again (or re-sent by the saga after a restart) finds
 * the payment in its final state and repeats the reply without calling the
 * provider or posting again.
 */
import type {
  PaymentAuthorizationRequestedPayload,
  PaymentCaptureRequestedPayload,
  PaymentVoidRequestedPayload,
  RefundRequestedPayload,
} from '@tradegraph/contracts';
import { newId, type UnitContext } from '@tradegraph/shared';
import { paymentAuthorized, paymentCaptured, paymentFailed, refundIssued } from '../events/publish.ts';
import type { PaymentsServices } from '../services.ts';
import { postTransaction } from '../store/ledger.ts';
import {
  addLineRefunded,
  findRefund,
  insertPayment,
  insertPaymentLines,
  insertRefund,
  insertTransfers,
  lockPayment,
  type PaymentLine,
  type PaymentRecord,
  paymentLines,
  providerAccounts,
  setPaymentStatus,
  transfersOf,
} from '../store/payments.ts';
import { captureTransaction, refundTransaction } from './ledger.ts';
import { platformFeeBpsOf } from './platform-fees.ts';
import {
  type LineSplit,
  planSplit,
  reverseLine,
  SplitError,
  type SplitParts,
  type SplitRates,
} from './split.ts';

type Tx = UnitContext<PaymentsServices>;

export const LEDGER_TRANSACTION_PREFIX = 'ltx';

/** A decimal string of minor units, or null when it is not one. */
function minor(value: string): bigint | null {
  return /^-?\d{1,18}$/.test(value) ? BigInt(value) : null;
}

/** The split's rates for a retailer: the configured brand commission and the retailer's plan fee. */
async function rates(tx: Tx, retailerId: string): Promise<SplitRates> {
  return {
    brandCommissionBps: tx.services.config.PAYMENTS_BRAND_COMMISSION_BPS,
    platformFeeBps: await platformFeeBpsOf(tx.em, tx.services.config, retailerId),
  };
}

/** The split plan of an authorisation request, or why the request cannot be authorised. */
export function planOf(
  cmd: PaymentAuthorizationRequestedPayload,
  r: SplitRates,
): { plan: LineSplit[]; amount: bigint } | { problem: string } {
  const amount = minor(cmd.amountMinor);
  if (amount === null || amount <= 0n) return { problem: 'The payment amount is not a positive amount.' };
  if (!/^[A-Z]{3}$/.test(cmd.currencyCode)) return { problem: 'The currency is not an ISO 4217 code.' };
  const lines = [];
  for (const l of cmd.split) {
    const lineAmount = minor(l.amountMinor);
    const wholesale = minor(l.wholesaleMinor);
    if (lineAmount === null || wholesale === null)
      return { problem: `Line ${l.orderLineId} has a malformed amount.` };
    lines.push({
      orderLineId: l.orderLineId,
      supplierId: l.supplierId,
      brandId: l.brandId,
      amount: lineAmount,
      wholesale,
    });
  }
  try {
    const plan = planSplit(lines, cmd.retailerId, r);
    const total = plan.reduce((s, l) => s + l.amount, 0n);
    if (total !== amount) return { problem: `The lines sum to ${total}, not to the amount ${amount}.` };
    return { plan, amount };
  } catch (err) {
    if (err instanceof SplitError) return { problem: err.message };
    throw err;
  }
}

function replyToAuthorization(tx: Tx, p: PaymentRecord): void {
  const meta = { aggregateId: p.orderId, orgId: p.retailerId };
  if (p.status === 'FAILED') {
    tx.publish('payments.payment.failed', {
      ...meta,
      payload: paymentFailed(
        p,
        p.failureReason ?? 'PROVIDER_ERROR',
        p.failureMessage ?? 'The payment failed.',
      ),
    });
  } else if (p.status !== 'VOIDED') {
    // AUTHORIZED or later: the authorisation happened
    tx.publish('payments.payment.authorized', { ...meta, payload: paymentAuthorized(p) });
  }
}

/** `orders.payment.authorization-requested`: authorise at the provider and answer authorized or failed. */
export async function authorizePayment(
  tx: Tx,
  cmd: PaymentAuthorizationRequestedPayload,
): Promise<PaymentRecord> {
  const existing = await lockPayment(tx.em, cmd.paymentId);
  if (existing) {
    replyToAuthorization(tx, existing);
    return existing;
  }
  const now = new Date();
  const base: PaymentRecord = {
    id: cmd.paymentId,
    orderId: cmd.orderId,
    retailerId: cmd.retailerId,
    amount: minor(cmd.amountMinor) ?? 0n,
    currencyCode: cmd.currencyCode.slice(0, 3),
    status: 'FAILED',
    provider: tx.services.provider.name,
    providerRef: null,
    idempotencyKey: cmd.idempotencyKey,
    failureReason: null,
    failureMessage: null,
    refunded: 0n,
  };
  const planned = planOf(cmd, await rates(tx, cmd.retailerId));
  let payment: PaymentRecord;
  let plan: LineSplit[] = [];
  if ('problem' in planned) {
    payment = { ...base, failureReason: 'PROVIDER_ERROR', failureMessage: planned.problem };
  } else if (Date.parse(cmd.deadline) <= now.getTime()) {
    // the saga has given up on this step already: never hold the shopper's money for nothing
    payment = {
      ...base,
      failureReason: 'TIMEOUT',
      failureMessage: 'The payment was not authorised in time.',
    };
  } else {
    const result = await tx.services.provider.authorize({
      paymentId: cmd.paymentId,
      orderId: cmd.orderId,
      amountMinor: planned.amount,
      currencyCode: cmd.currencyCode,
      token: cmd.paymentToken,
      idempotencyKey: cmd.idempotencyKey,
      transferGroup: cmd.orderId,
    });
    if (result.ok) {
      payment = { ...base, status: 'AUTHORIZED', providerRef: result.reference };
      plan = planned.plan;
    } else {
      payment = { ...base, failureReason: result.reason, failureMessage: result.message };
    }
  }
  await insertPayment(tx.em, payment, new Date());
  await insertPaymentLines(tx.em, payment.id, plan);
  replyToAuthorization(tx, payment);
  return payment;
}

/** Each organisation's share of the given parts (one organisation can be several parties of a line). */
function sharesPerOrganization(
  items: readonly { line: LineSplit; parts: SplitParts }[],
): Map<string, bigint> {
  const shares = new Map<string, bigint>();
  const add = (org: string, amount: bigint) => shares.set(org, (shares.get(org) ?? 0n) + amount);
  for (const { line, parts } of items) {
    add(line.supplierId, parts.supplier);
    add(line.brandId, parts.brand);
    add(line.retailerId, parts.retailer);
  }
  return shares;
}

const CAPTURED_STATES = new Set(['CAPTURED', 'PARTIALLY_REFUNDED', 'REFUNDED']);

/** `orders.payment.capture-requested`: capture, transfer each share, post the split to the ledger, answer captured. */
export async function capturePayment(tx: Tx, cmd: PaymentCaptureRequestedPayload): Promise<void> {
  const p = await lockPayment(tx.em, cmd.paymentId);
  const meta = { aggregateId: cmd.orderId, orgId: p?.retailerId ?? null };
  if (p && CAPTURED_STATES.has(p.status)) {
    tx.publish('payments.payment.captured', { ...meta, payload: paymentCaptured(p) });
    return;
  }
  if (!p || p.status !== 'AUTHORIZED' || !p.providerRef) {
    const message = p
      ? `The payment is ${p.status.toLowerCase()} and cannot be captured.`
      : 'No authorisation for this payment.';
    tx.publish('payments.payment.failed', {
      ...meta,
      payload: paymentFailed({ orderId: cmd.orderId, id: cmd.paymentId }, 'PROVIDER_ERROR', message),
    });
    return;
  }
  if (minor(cmd.amountMinor) !== p.amount || cmd.currencyCode !== p.currencyCode) {
    tx.publish('payments.payment.failed', {
      ...meta,
      payload: paymentFailed(p, 'PROVIDER_ERROR', 'The capture must be of the whole authorised amount.'),
    });
    return;
  }
  const lines = await paymentLines(tx.em, p.id);
  const shares = sharesPerOrganization(lines.map((line) => ({ line, parts: line })));
  const accounts = await providerAccounts(tx.em, p.provider, [...shares.keys()]);
  const result = await tx.services.provider.capture({
    reference: p.providerRef,
    amountMinor: p.amount,
    currencyCode: p.currencyCode,
    idempotencyKey: p.idempotencyKey,
    transferGroup: p.orderId,
    transfers: [...shares].map(([organizationId, amountMinor]) => ({
      organizationId,
      destination: accounts.get(organizationId) ?? null,
      amountMinor,
    })),
  });
  const now = new Date();
  await insertTransfers(tx.em, p.id, result.transfers);
  await postTransaction(
    tx.em,
    newId(LEDGER_TRANSACTION_PREFIX),
    captureTransaction(p.id, p.orderId, p.currencyCode, lines),
    now,
  );
  await setPaymentStatus(tx.em, p.id, 'CAPTURED', 0n, now);
  tx.publish('payments.payment.captured', {
    ...meta,
    payload: paymentCaptured({ ...p, status: 'CAPTURED' }),
  });
}

/**
 * `orders.payment.void-requested`: release an authorisation that will not be
 * captured, also one that arrived after the saga gave up (a late
 * authorisation). For a payment never seen, a VOIDED marker makes a later
 * authorisation request a no-op. A captured payment is not voided (the saga
 * refunds it instead).
 */
export async function voidPayment(tx: Tx, cmd: PaymentVoidRequestedPayload): Promise<void> {
  const p = await lockPayment(tx.em, cmd.paymentId);
  const voided = () =>
    tx.publish('payments.payment.voided', {
      aggregateId: cmd.orderId,
      orgId: p?.retailerId ?? null,
      payload: { orderId: cmd.orderId, paymentId: cmd.paymentId },
    });
  const now = new Date();
  if (!p) {
    await insertPayment(
      tx.em,
      {
        id: cmd.paymentId,
        orderId: cmd.orderId,
        retailerId: null,
        amount: 0n,
        currencyCode: 'XXX',
        status: 'VOIDED',
        provider: tx.services.provider.name,
        providerRef: null,
        idempotencyKey: `void:${cmd.paymentId}`,
        failureReason: null,
        failureMessage: cmd.reason.slice(0, 500),
        refunded: 0n,
      },
      now,
    );
    voided();
    return;
  }
  if (CAPTURED_STATES.has(p.status)) {
    // Cancelled while the capture was under way: the saga refunds the payment when the
    // capture reaches it (orders' decide, 'captured after cancellation'); nothing to do here.
    tx.kernel.logger.info(
      { paymentId: p.id, orderId: cmd.orderId, status: p.status },
      'void of a captured payment ignored: the order saga refunds it',
    );
    return;
  }
  if (p.status === 'AUTHORIZED' && p.providerRef) {
    await tx.services.provider.void({ reference: p.providerRef, idempotencyKey: p.idempotencyKey });
    await setPaymentStatus(tx.em, p.id, 'VOIDED', 0n, now);
  }
  voided();
}

/**
 * `orders.refund.requested`: refund part or all of a captured payment at the
 * provider, reverse the refunded lines' split in proportion (cumulatively,
 * domain/split.ts) on the ledger and at the provider's transfers, answer
 * refund.issued (or refund.failed with a reason; nothing moved then).
 */
export async function refundPayment(tx: Tx, cmd: RefundRequestedPayload): Promise<void> {
  const meta = { aggregateId: cmd.orderId };
  const existing = await findRefund(tx.em, cmd.refundId);
  const p = await lockPayment(tx.em, cmd.paymentId);
  const orgId = p?.retailerId ?? null;
  if (existing) {
    if (existing.status === 'ISSUED') {
      tx.publish('payments.refund.issued', {
        ...meta,
        orgId,
        payload: refundIssued(
          { orderId: cmd.orderId, id: cmd.paymentId },
          existing.id,
          existing.amount,
          existing.currencyCode,
        ),
      });
    } else {
      tx.publish('payments.refund.failed', {
        ...meta,
        orgId,
        payload: {
          orderId: cmd.orderId,
          paymentId: cmd.paymentId,
          refundId: existing.id,
          reason: existing.failureReason ?? '',
        },
      });
    }
    return;
  }
  const now = new Date();
  const amount = minor(cmd.amountMinor);
  const fail = async (reason: string) => {
    await insertRefund(
      tx.em,
      {
        id: cmd.refundId,
        paymentId: cmd.paymentId,
        orderId: cmd.orderId,
        amount: amount ?? 0n,
        currencyCode: cmd.currencyCode.slice(0, 3),
        status: 'FAILED',
        failureReason: reason,
        providerRef: null,
      },
      now,
    );
    tx.publish('payments.refund.failed', {
      ...meta,
      orgId,
      payload: { orderId: cmd.orderId, paymentId: cmd.paymentId, refundId: cmd.refundId, reason },
    });
  };
  if (!p || !CAPTURED_STATES.has(p.status) || !p.providerRef) {
    return fail(
      p
        ? `The payment is ${p.status.toLowerCase()}: only a captured payment can be refunded.`
        : 'Unknown payment.',
    );
  }
  const reversals = refundReversals(await paymentLines(tx.em, p.id), cmd, amount, p);
  if ('problem' in reversals) return fail(reversals.problem);
  const refundAmount = amount ?? 0n;
  const shares = sharesPerOrganization(reversals.items);
  const transfers = await transfersOf(tx.em, p.id);
  const result = await tx.services.provider.refund({
    reference: p.providerRef,
    amountMinor: refundAmount,
    currencyCode: p.currencyCode,
    idempotencyKey: cmd.idempotencyKey,
    reversals: [...shares].flatMap(([organizationId, amountMinor]) => {
      const transferReference = transfers.get(organizationId);
      return transferReference ? [{ organizationId, transferReference, amountMinor }] : [];
    }),
  });
  for (const { line, amount: lineAmount } of reversals.items) {
    await addLineRefunded(tx.em, p.id, line.orderLineId, lineAmount);
  }
  await postTransaction(
    tx.em,
    newId(LEDGER_TRANSACTION_PREFIX),
    refundTransaction(cmd.refundId, p.orderId, p.currencyCode, reversals.items),
    now,
  );
  const refunded = p.refunded + refundAmount;
  await setPaymentStatus(
    tx.em,
    p.id,
    refunded === p.amount ? 'REFUNDED' : 'PARTIALLY_REFUNDED',
    refunded,
    now,
  );
  await insertRefund(
    tx.em,
    {
      id: cmd.refundId,
      paymentId: p.id,
      orderId: p.orderId,
      amount: refundAmount,
      currencyCode: p.currencyCode,
      status: 'ISSUED',
      failureReason: null,
      providerRef: result.reference,
    },
    now,
  );
  tx.publish('payments.refund.issued', {
    ...meta,
    orgId,
    payload: refundIssued(p, cmd.refundId, refundAmount, p.currencyCode),
  });
}

/** What each refunded line reverses, or why the refund request does not fit the payment. */
export function refundReversals(
  lines: readonly PaymentLine[],
  cmd: RefundRequestedPayload,
  amount: bigint | null,
  p: Pick<PaymentRecord, 'currencyCode' | 'amount' | 'refunded'>,
): { items: { line: LineSplit; parts: SplitParts; amount: bigint }[] } | { problem: string } {
  if (amount === null || amount <= 0n) return { problem: 'The refund amount is not a positive amount.' };
  if (cmd.currencyCode !== p.currencyCode) return { problem: `The payment is in ${p.currencyCode}.` };
  if (p.refunded + amount > p.amount) return { problem: 'The refund exceeds what is left of the payment.' };
  const byId = new Map(lines.map((l) => [l.orderLineId, l]));
  const seen = new Set<string>();
  const items = [];
  let total = 0n;
  for (const r of cmd.lines) {
    const line = byId.get(r.orderLineId);
    const lineAmount = minor(r.amountMinor);
    if (!line || seen.has(r.orderLineId))
      return { problem: `Line ${r.orderLineId} is not a line of this payment.` };
    seen.add(r.orderLineId);
    if (lineAmount === null || lineAmount <= 0n || line.refunded + lineAmount > line.amount) {
      return { problem: `Line ${r.orderLineId} cannot be refunded by ${r.amountMinor}.` };
    }
    items.push({ line, parts: reverseLine(line, line.refunded, lineAmount), amount: lineAmount });
    total += lineAmount;
  }
  if (total !== amount) return { problem: `The lines sum to ${total}, not to the refund amount ${amount}.` };
  return { items };
}
