import { dbDate, type EntityManager, rows } from '@tradegraph/shared';

export interface FulfillmentRulesRecord {
  retailerId: string;
  supplierPriority: string[];
  maxSuppliersPerOrder: number | null;
  updatedAt: Date | null;
}

export async function findRules(em: EntityManager, retailerId: string): Promise<FulfillmentRulesRecord> {
  const [r] = await rows<{
    supplier_priority: unknown;
    max_suppliers_per_order: number | null;
    updated_at: Date | string;
  }>(
    em,
    'select supplier_priority, max_suppliers_per_order, updated_at from fulfillment_rules where retailer_id = ?',
    [retailerId],
  );
  if (!r) return { retailerId, supplierPriority: [], maxSuppliersPerOrder: null, updatedAt: null };
  const priority =
    typeof r.supplier_priority === 'string' ? JSON.parse(r.supplier_priority) : r.supplier_priority;
  return {
    retailerId,
    supplierPriority: Array.isArray(priority) ? priority.map(String) : [],
    maxSuppliersPerOrder: r.max_suppliers_per_order === null ? null : Number(r.max_suppliers_per_order),
    updatedAt: dbDate(r.updated_at),
  };
}

export async function saveRules(
  em: EntityManager,
  r: FulfillmentRulesRecord & { updatedAt: Date },
): Promise<void> {
  await em.execute(
    `insert into fulfillment_rules (retailer_id, supplier_priority, max_suppliers_per_order, updated_at) values (?, ?, ?, ?)
     on duplicate key update supplier_priority = values(supplier_priority),
       max_suppliers_per_order = values(max_suppliers_per_order), updated_at = values(updated_at)`,
    [r.retailerId, JSON.stringify(r.supplierPriority), r.maxSuppliersPerOrder, r.updatedAt],
  );
}
