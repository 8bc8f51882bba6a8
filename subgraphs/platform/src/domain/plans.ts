import {
  type Money,
  newId,
  type ServiceContext,
  toMinorUnits,
  type UnitContext,
  UserErrors,
} from '@tradegraph/shared';
import { findPlans, insertPlan, listPlans, type PlanRecord, planCodeTaken } from '../store/plans.ts';
import { fail } from './errors.ts';

export const PLAN_CODE = /^[a-z0-9][a-z0-9-]{1,39}$/;
export const PLAN_NAME_MAX = 120;

export interface PlanInput {
  code: string;
  name: string;
  monthlyFee: Money;
  transactionFeeBps: number;
  limits?: { maxStorefronts?: number | null; maxApiCallsPerDay?: number | null } | null;
  trialDays?: number | null;
  isDefault?: boolean | null;
}

function nonNegative(v: number | null | undefined, field: string[]): number | null {
  if (v === null || v === undefined) return null;
  if (!Number.isInteger(v) || v < 0) fail('INVALID', 'Must be a whole number, at least 0', field);
  return v;
}

/** The rules of a plan's terms (pure). */
export function validatePlan(input: PlanInput, id: string, now: Date): PlanRecord {
  const code = input.code.trim();
  if (!PLAN_CODE.test(code)) fail('INVALID', 'A code is 2 to 40 lower-case letters, digits and "-"', 'code');
  const name = input.name.trim();
  if (!name) fail('REQUIRED', 'A plan needs a name', 'name');
  if (name.length > PLAN_NAME_MAX)
    fail('TOO_LONG', `The name may have at most ${PLAN_NAME_MAX} characters`, 'name');
  let fee: bigint;
  try {
    fee = toMinorUnits(input.monthlyFee, 'monthlyFee');
  } catch (err) {
    if (err instanceof UserErrors) throw err;
    fee = fail('INVALID_MONEY', err instanceof Error ? err.message : 'Not an amount of money', [
      'monthlyFee',
      'amount',
    ]);
  }
  if (fee < 0n) fail('INVALID_MONEY', 'The fee cannot be negative', ['monthlyFee', 'amount']);
  const bps = input.transactionFeeBps;
  if (!Number.isInteger(bps) || bps < 0 || bps > 10_000) {
    fail('INVALID', 'The transaction fee is 0 to 10000 basis points', 'transactionFeeBps');
  }
  const trialDays = nonNegative(input.trialDays, ['trialDays']) ?? 0;
  if (trialDays > 365) fail('INVALID', 'A trial lasts at most 365 days', 'trialDays');
  return {
    id,
    code,
    name,
    monthlyFeeMinor: fee,
    currencyCode: input.monthlyFee.currencyCode,
    transactionFeeBps: bps,
    maxStorefronts: nonNegative(input.limits?.maxStorefronts, ['limits', 'maxStorefronts']),
    maxApiCallsPerDay: nonNegative(input.limits?.maxApiCallsPerDay, ['limits', 'maxApiCallsPerDay']),
    trialDays,
    isDefault: input.isDefault === true,
    createdAt: now,
  };
}

export async function createPlan<S>(tx: UnitContext<S>, input: PlanInput): Promise<PlanRecord> {
  const plan = validatePlan(input, newId('pln'), new Date());
  if (await planCodeTaken(tx.em, plan.code)) fail('CODE_TAKEN', 'Another plan uses this code', 'code');
  await insertPlan(tx.em, plan);
  return plan;
}

export function plans(ctx: ServiceContext<unknown>): Promise<PlanRecord[]> {
  return listPlans(ctx.em);
}

/** A plan by id, batched per request. */
export function planById(ctx: ServiceContext<unknown>, id: string): Promise<PlanRecord | null> {
  const loader = ctx.loaders.get<string, PlanRecord | null>('plans', async (ids) => {
    const found = new Map((await findPlans(ctx.em, ids)).map((p) => [p.id, p]));
    return ids.map((i) => found.get(i) ?? null);
  });
  return loader.load(id);
}
