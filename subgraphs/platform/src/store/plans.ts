import { dbDate, type EntityManager, rows } from '@tradegraph/shared';

/** A plan: monthly fee, the platform's transaction fee and limits. */
export interface PlanRecord {
  id: string;
  code: string;
  name: string;
  monthlyFeeMinor: bigint;
  currencyCode: string;
  transactionFeeBps: number;
  maxStorefronts: number | null;
  maxApiCallsPerDay: number | null;
  trialDays: number;
  isDefault: boolean;
  createdAt: Date;
}

interface PlanRow {
  id: string;
  code: string;
  name: string;
  monthly_fee_minor: string | number;
  currency_code: string;
  transaction_fee_bps: number;
  max_storefronts: number | null;
  max_api_calls_per_day: number | null;
  trial_days: number;
  is_default: number;
  created_at: Date | string;
}

const COLUMNS =
  'id, code, name, monthly_fee_minor, currency_code, transaction_fee_bps, max_storefronts, max_api_calls_per_day, trial_days, is_default, created_at';

function parse(r: PlanRow): PlanRecord {
  return {
    id: r.id,
    code: r.code,
    name: r.name,
    monthlyFeeMinor: BigInt(r.monthly_fee_minor),
    currencyCode: r.currency_code,
    transactionFeeBps: Number(r.transaction_fee_bps),
    maxStorefronts: r.max_storefronts === null ? null : Number(r.max_storefronts),
    maxApiCallsPerDay: r.max_api_calls_per_day === null ? null : Number(r.max_api_calls_per_day),
    trialDays: Number(r.trial_days),
    isDefault: Boolean(r.is_default),
    createdAt: dbDate(r.created_at),
  };
}

export async function listPlans(em: EntityManager): Promise<PlanRecord[]> {
  return (await rows<PlanRow>(em, `select ${COLUMNS} from plans order by is_default desc, code`)).map(parse);
}

export async function findPlans(em: EntityManager, ids: readonly string[]): Promise<PlanRecord[]> {
  if (!ids.length) return [];
  const list = await rows<PlanRow>(
    em,
    `select ${COLUMNS} from plans where id in (${ids.map(() => '?').join(', ')})`,
    [...ids],
  );
  return list.map(parse);
}

export async function findPlan(em: EntityManager, id: string): Promise<PlanRecord | null> {
  return (await findPlans(em, [id]))[0] ?? null;
}

export async function findDefaultPlan(em: EntityManager): Promise<PlanRecord | null> {
  const [row] = await rows<PlanRow>(em, `select ${COLUMNS} from plans where is_default = 1 limit 1`);
  return row ? parse(row) : null;
}

export async function planCodeTaken(em: EntityManager, code: string): Promise<boolean> {
  return (await rows(em, 'select 1 from plans where code = ?', [code])).length > 0;
}

export async function insertPlan(em: EntityManager, plan: PlanRecord): Promise<void> {
  if (plan.isDefault) await em.execute('update plans set is_default = 0 where is_default = 1', [], 'run');
  await em.execute(
    `insert into plans (${COLUMNS}) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    [
      plan.id,
      plan.code,
      plan.name,
      plan.monthlyFeeMinor.toString(),
      plan.currencyCode,
      plan.transactionFeeBps,
      plan.maxStorefronts,
      plan.maxApiCallsPerDay,
      plan.trialDays,
      plan.isDefault ? 1 : 0,
      plan.createdAt,
    ],
    'run',
  );
}
