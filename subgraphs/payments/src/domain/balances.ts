/**
 * What an organisation sees of the ledger (its balance and entries) and its
 * payouts. The account is always the caller's own (from the verified
 * principal): an organisation's payable, or for platform staff the
 * platform's revenue account. Nobody can name another organisation's account.
 */
import {
  type Actor,
  badInput,
  fromMinorUnits,
  type Money,
  newId,
  type Page,
  type ReadContext,
  toConnection,
  type UnitContext,
} from '@tradegraph/shared';
import { payoutPaid } from '../events/publish.ts';
import type { PaymentsServices } from '../services.ts';
import {
  accountSum,
  countEntries,
  type EntryFilter,
  entriesOf,
  type LedgerEntryRecord,
  latestCurrency,
  postTransaction,
} from '../store/ledger.ts';
import { findPayoutByKey, insertPayout, type PayoutRecord } from '../store/payments.ts';
import { fail } from './errors.ts';
import { ownerBalance, PLATFORM_REVENUE, payableOf, payoutTransaction } from './ledger.ts';
import { LEDGER_TRANSACTION_PREFIX } from './payments.ts';

export const PAYOUT_ID_PREFIX = 'po';
export const IDEMPOTENCY_KEY_MAX_LENGTH = 255;

/** The caller's ledger account: the platform's revenue for platform staff, the organisation's payable otherwise. */
export function accountOf(actor: Actor): string {
  return actor.organizationKind === 'PLATFORM' ? PLATFORM_REVENUE : payableOf(actor.organizationId);
}

function requireActor(actor: Actor | null): Actor {
  // read/write with a permission always set one; a programming error otherwise
  if (!actor) throw new Error('ledger reads need an acting organisation');
  return actor;
}

const CURRENCY = /^[A-Z]{3}$/;

/** The caller's balance in `currencyCode`, its latest currency, or the default one. */
export async function ledgerBalance(
  rx: ReadContext<PaymentsServices>,
  currencyCode: string | null | undefined,
): Promise<Money> {
  const account = accountOf(requireActor(rx.actor));
  if (currencyCode != null && !CURRENCY.test(currencyCode)) {
    throw badInput('currencyCode must be an ISO 4217 code such as "EUR"', 'currencyCode');
  }
  const currency =
    currencyCode ?? (await latestCurrency(rx.em, account)) ?? rx.services.config.PAYMENTS_DEFAULT_CURRENCY;
  return fromMinorUnits(ownerBalance(await accountSum(rx.em, account, currency)), currency);
}

/** A ledger entry as the caller sees it: its balance's change, positive when it grew. */
export interface LedgerEntryView extends LedgerEntryRecord {
  change: bigint;
}

export async function ledgerEntries(
  rx: ReadContext<PaymentsServices>,
  filter: { from?: Date | null; to?: Date | null; currencyCode?: string | null } | null | undefined,
  page: Page<string>,
) {
  const account = accountOf(requireActor(rx.actor));
  if (filter?.currencyCode != null && !CURRENCY.test(filter.currencyCode)) {
    throw badInput('currencyCode must be an ISO 4217 code such as "EUR"', 'filter.currencyCode');
  }
  if (page.after !== null && (typeof page.after !== 'string' || !/^\d{1,20}$/.test(page.after))) {
    throw badInput('after is not a valid cursor', 'after');
  }
  const f: EntryFilter = {
    from: filter?.from ?? null,
    to: filter?.to ?? null,
    currencyCode: filter?.currencyCode ?? null,
  };
  const found = await entriesOf(rx.em, account, f, page.after, page.limit);
  const views: LedgerEntryView[] = found.map((e) => ({ ...e, change: ownerBalance(e.amount) }));
  return toConnection(
    views,
    page,
    (e) => e.id,
    () => countEntries(rx.em, account, f),
  );
}

/**
 * Pays out the caller's whole balance in one currency: one ledger transaction
 * (payable → PAYOUTS), the payout row and `payments.payout.paid`. The sum is
 * read with its entries locked, so two payouts of one organisation cannot
 * both pay the same balance; the same idempotency key returns the first payout.
 */
export async function createPayout(
  tx: UnitContext<PaymentsServices>,
  input: { currencyCode: string; idempotencyKey: string },
): Promise<PayoutRecord> {
  const actor = requireActor(tx.actor);
  const key = input.idempotencyKey.trim();
  if (!key) fail('REQUIRED', 'A payout needs an idempotency key', 'idempotencyKey');
  if (key.length > IDEMPOTENCY_KEY_MAX_LENGTH) {
    fail(
      'TOO_LONG',
      `The idempotency key may have at most ${IDEMPOTENCY_KEY_MAX_LENGTH} characters`,
      'idempotencyKey',
    );
  }
  if (!CURRENCY.test(input.currencyCode)) {
    fail('INVALID', 'currencyCode must be an ISO 4217 code such as "EUR"', 'currencyCode');
  }
  const previous = await findPayoutByKey(tx.em, actor.organizationId, key);
  if (previous) {
    if (previous.currencyCode !== input.currencyCode) {
      fail('CONFLICT', 'This idempotency key was used for a payout in another currency', 'idempotencyKey');
    }
    return previous;
  }
  const account = payableOf(actor.organizationId);
  const balance = ownerBalance(await accountSum(tx.em, account, input.currencyCode, true));
  if (balance <= 0n)
    fail('NOTHING_TO_PAY_OUT', `There is no ${input.currencyCode} balance to pay out`, 'currencyCode');
  const now = new Date();
  const payout: PayoutRecord = {
    id: newId(PAYOUT_ID_PREFIX),
    organizationId: actor.organizationId,
    amount: balance,
    currencyCode: input.currencyCode,
    status: 'PAID',
    createdAt: now,
  };
  await postTransaction(
    tx.em,
    newId(LEDGER_TRANSACTION_PREFIX),
    payoutTransaction(payout.id, actor.organizationId, input.currencyCode, balance),
    now,
  );
  await insertPayout(tx.em, payout, key);
  tx.publish('payments.payout.paid', {
    aggregateId: payout.id,
    orgId: actor.organizationId,
    payload: payoutPaid(payout),
  });
  return payout;
}

/** A payout's money on the wire. */
export const payoutAmount = (p: PayoutRecord): Money => fromMinorUnits(p.amount, p.currencyCode);
export const entryAmount = (e: LedgerEntryView): Money => fromMinorUnits(e.change, e.currencyCode);
