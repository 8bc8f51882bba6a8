import type { Candidate } from '../store/projections.ts';

/**
 * Fulfilment routing (pure; docs/orders.md, "Fulfilment rules"). A line may
 * go to a supplier that is connected to fulfil its brand, offers the variant
 * in the cart's currency with a minimum order quantity ≤ the line's quantity,
 * and has at least the quantity available. Among those: the retailer's
 * priority list first (in its order), then the lowest wholesale price, then
 * the supplier id. When several suppliers tie on that, the fewest groups win
 * (a supplier already serving other lines is preferred). A line is never
 * split across suppliers.
 */

export interface RoutableLine {
  key: string;
  variantId: string;
  quantity: number;
}

export interface RoutingRules {
  supplierPriority: readonly string[];
  maxSuppliersPerOrder: number | null;
}

export type Routing =
  | { ok: true; routes: Map<string, Candidate> }
  | { ok: false; reason: 'UNROUTABLE'; lines: string[] }
  | { ok: false; reason: 'TOO_MANY_SUPPLIERS'; suppliers: number };

/** Whether a candidate can take the line at all. */
export const canServe = (c: Candidate, line: RoutableLine): boolean =>
  c.variantId === line.variantId &&
  c.minimumOrderQuantity <= line.quantity &&
  c.totalAvailable >= line.quantity;

function rankOf(priority: readonly string[]) {
  const idx = new Map(priority.map((s, i) => [s, i]));
  return (c: Candidate): [number, number] => [idx.get(c.supplierId) ?? priority.length, c.wholesaleMinor];
}

const cmp = (a: [number, number], b: [number, number]) => a[0] - b[0] || a[1] - b[1];

/**
 * Greedy cover: repeatedly the supplier that can take the most unassigned
 * lines among each line's allowed set (ties: the supplier id), until every
 * line has one.
 */
function cover(lines: RoutableLine[], allowed: Map<string, Candidate[]>): Map<string, Candidate> {
  const routes = new Map<string, Candidate>();
  const left = new Set(lines.map((l) => l.key));
  while (left.size) {
    const counts = new Map<string, number>();
    for (const key of left)
      for (const c of allowed.get(key)!) counts.set(c.supplierId, (counts.get(c.supplierId) ?? 0) + 1);
    const [best] = [...counts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    for (const key of [...left]) {
      const c = allowed.get(key)!.find((x) => x.supplierId === best![0]);
      if (c) {
        routes.set(key, c);
        left.delete(key);
      }
    }
  }
  return routes;
}

export function routeLines(lines: RoutableLine[], candidates: Candidate[], rules: RoutingRules): Routing {
  const rank = rankOf(rules.supplierPriority);
  const feasible = new Map<string, Candidate[]>();
  const unroutable: string[] = [];
  for (const line of lines) {
    const cs = candidates.filter((c) => canServe(c, line));
    if (!cs.length) unroutable.push(line.key);
    feasible.set(line.key, cs);
  }
  if (unroutable.length) return { ok: false, reason: 'UNROUTABLE', lines: unroutable };
  // each line's best candidates: those equal on (priority, price)
  const best = new Map<string, Candidate[]>();
  for (const line of lines) {
    const cs = feasible.get(line.key)!;
    const top = cs.map(rank).sort(cmp)[0]!;
    best.set(
      line.key,
      cs.filter((c) => cmp(rank(c), top) === 0),
    );
  }
  let routes = cover(lines, best);
  const max = rules.maxSuppliersPerOrder;
  const count = (r: Map<string, Candidate>) => new Set([...r.values()].map((c) => c.supplierId)).size;
  if (max !== null && count(routes) > max) {
    // the preferred routing needs too many suppliers: the fewest suppliers among every feasible one
    routes = cover(lines, feasible);
    if (count(routes) > max) return { ok: false, reason: 'TOO_MANY_SUPPLIERS', suppliers: count(routes) };
  }
  return { ok: true, routes };
}

/**
 * The split rule (the same as payments', docs/orders.md "Money"): brand
 * commission and platform fee are floored basis points of the line amount;
 * the retailer keeps the rest after the supplier's wholesale total. Negative
 * means the price does not cover the costs (PRICE_BELOW_COST).
 */
export function retailerShare(
  amountMinor: bigint,
  wholesaleMinor: bigint,
  bps: { brandCommission: number; platformFee: number },
): bigint {
  const brand = (amountMinor * BigInt(bps.brandCommission)) / 10_000n;
  const platform = (amountMinor * BigInt(bps.platformFee)) / 10_000n;
  return amountMinor - wholesaleMinor - brand - platform;
}
