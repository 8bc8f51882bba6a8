import { parseId, type ReadContext, type UnitContext } from '@tradegraph/shared';
import { type FulfillmentRulesRecord, findRules, saveRules } from '../store/rules.ts';
import { fail } from './errors.ts';

export const MAX_PRIORITY_SUPPLIERS = 50;

/** The rule for fulfilment-rule input (pure): organisation ids, no duplicates, at most 50; a limit of 1-50. */
export function validateRules(input: {
  supplierPriority: readonly string[];
  maxSuppliersPerOrder?: number | null;
}) {
  const priority = input.supplierPriority.map((s) => s.trim());
  if (priority.length > MAX_PRIORITY_SUPPLIERS)
    fail('TOO_LONG', `At most ${MAX_PRIORITY_SUPPLIERS} suppliers`, 'supplierPriority');
  priority.forEach((id, i) => {
    if (!parseId(id, 'org'))
      fail('INVALID', `"${id}" is not an organisation id`, ['supplierPriority', String(i)]);
  });
  if (new Set(priority).size !== priority.length)
    fail('INVALID', 'A supplier is listed twice', 'supplierPriority');
  const max = input.maxSuppliersPerOrder ?? null;
  if (max !== null && (!Number.isInteger(max) || max < 1 || max > 50))
    fail('INVALID', 'maxSuppliersPerOrder must be 1-50', 'maxSuppliersPerOrder');
  return { supplierPriority: priority, maxSuppliersPerOrder: max };
}

/** Replaces the acting retailer's rules. */
export async function setFulfillmentRules<S>(
  tx: UnitContext<S>,
  input: { supplierPriority: readonly string[]; maxSuppliersPerOrder?: number | null },
): Promise<FulfillmentRulesRecord> {
  const record = { retailerId: tx.actor!.organizationId, ...validateRules(input), updatedAt: new Date() };
  await saveRules(tx.em, record);
  return record;
}

export function fulfillmentRulesOf<S>(rx: ReadContext<S>): Promise<FulfillmentRulesRecord> {
  return findRules(rx.em, rx.actor!.organizationId);
}
