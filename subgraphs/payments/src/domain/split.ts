/**
 * The split plan: who earns what from each order line (pure; no I/O).
 *
 * Per line of amount A (what the shopper pays for it) and wholesale W:
 *   supplier = W
 *   brand    = floor(A × PAYMENTS_BRAND_COMMISSION_BPS / 10 000)
 *   platform = floor(A × the retailer's plan fee / 10 000)   (platform-fees.ts; PAYMENTS_PLATFORM_FEE_BPS
 *              until payments has heard of the retailer's plan)
 *   retailer = A − supplier − brand − platform   (the rounding remainder goes to the retailer)
 * so the parts always sum to A exactly. A line whose retailer part would be
 * negative (sold below cost plus fees) is refused: checkout refuses it first
 * as PRICE_BELOW_COST with the same rule.
 *
 * Refunds reverse a line in proportion, cumulatively: after R of A has been
 * refunded, each of supplier/brand/platform has had floor(part × R / A)
 * reversed and the retailer the rest, so repeated partial refunds never
 * create or lose a cent, and a full refund reverses every part exactly.
 * When flooring would leave the retailer more reversed than it earned, the
 * parts with the largest remainders are rounded up instead, so no party
 * ever has more reversed than its part.
 */

export const BPS_DENOMINATOR = 10_000n;

export type SplitParty = 'SUPPLIER' | 'BRAND' | 'PLATFORM' | 'RETAILER';

export interface SplitRates {
  brandCommissionBps: number;
  platformFeeBps: number;
}

/** One order line as the authorisation request describes it (minor units). */
export interface SplitLineInput {
  orderLineId: string;
  supplierId: string;
  brandId: string;
  amount: bigint;
  wholesale: bigint;
}

/** The four parts of one line. */
export interface SplitParts {
  supplier: bigint;
  brand: bigint;
  platform: bigint;
  retailer: bigint;
}

/** One line of a split plan: who the parties are and what each earns. */
export interface LineSplit extends SplitParts {
  orderLineId: string;
  supplierId: string;
  brandId: string;
  retailerId: string;
  amount: bigint;
}

/** A line the split cannot be computed for (the message says why). */
export class SplitError extends Error {
  override name = 'SplitError';
}

const ZERO: SplitParts = { supplier: 0n, brand: 0n, platform: 0n, retailer: 0n };

function bpsOf(amount: bigint, bps: number): bigint {
  return (amount * BigInt(bps)) / BPS_DENOMINATOR;
}

/** Splits one line; throws SplitError for a negative amount, a wholesale above it, or a retailer part below zero. */
export function splitLine(line: SplitLineInput, retailerId: string, rates: SplitRates): LineSplit {
  if (line.amount < 0n) throw new SplitError(`line ${line.orderLineId}: the amount is negative`);
  if (line.wholesale < 0n) throw new SplitError(`line ${line.orderLineId}: the wholesale amount is negative`);
  const brand = bpsOf(line.amount, rates.brandCommissionBps);
  const platform = bpsOf(line.amount, rates.platformFeeBps);
  const retailer = line.amount - line.wholesale - brand - platform;
  if (retailer < 0n) {
    throw new SplitError(`line ${line.orderLineId}: the price is below wholesale plus commission and fee`);
  }
  return {
    orderLineId: line.orderLineId,
    supplierId: line.supplierId,
    brandId: line.brandId,
    retailerId,
    amount: line.amount,
    supplier: line.wholesale,
    brand,
    platform,
    retailer,
  };
}

/** The split plan of an order: one entry per line, in the order given. */
export function planSplit(
  lines: readonly SplitLineInput[],
  retailerId: string,
  rates: SplitRates,
): LineSplit[] {
  const seen = new Set<string>();
  return lines.map((line) => {
    if (seen.has(line.orderLineId)) throw new SplitError(`line ${line.orderLineId} appears twice`);
    seen.add(line.orderLineId);
    return splitLine(line, retailerId, rates);
  });
}

export function sumParts(p: SplitParts): bigint {
  return p.supplier + p.brand + p.platform + p.retailer;
}

/** What has been reversed of each part once `refunded` (0 ≤ refunded ≤ amount) of the line was refunded in total. */
export function reversedAfter(line: LineSplit, refunded: bigint): SplitParts {
  if (refunded < 0n || refunded > line.amount) {
    throw new SplitError(`line ${line.orderLineId}: cannot refund ${refunded} of ${line.amount}`);
  }
  if (refunded === 0n || line.amount === 0n) return ZERO;
  const floored = (['supplier', 'brand', 'platform'] as const).map((party) => {
    const scaled = line[party] * refunded;
    return { party, value: scaled / line.amount, remainder: scaled % line.amount };
  });
  let retailer = refunded - floored.reduce((s, f) => s + f.value, 0n);
  // Rounding down three parts can push up to 2 extra minor units onto the retailer; where that
  // would exceed what the retailer earned, round the largest remainders up instead.
  const byRemainder = floored
    .filter((f) => f.remainder > 0n)
    .sort((a, b) => Number(b.remainder - a.remainder));
  for (const f of byRemainder) {
    if (retailer <= line.retailer) break;
    f.value += 1n;
    retailer -= 1n;
  }
  const out = { ...ZERO, retailer };
  for (const f of floored) out[f.party] = f.value;
  return out;
}

/**
 * What one refund of `amount` reverses of a line of which `refundedBefore`
 * was already refunded: the difference of the cumulative reversals, so the
 * parts of every refund sum to its amount and all refunds together never
 * exceed the line's parts.
 */
export function reverseLine(line: LineSplit, refundedBefore: bigint, amount: bigint): SplitParts {
  if (amount <= 0n) throw new SplitError(`line ${line.orderLineId}: a refund must be positive`);
  const before = reversedAfter(line, refundedBefore);
  const after = reversedAfter(line, refundedBefore + amount);
  return {
    supplier: after.supplier - before.supplier,
    brand: after.brand - before.brand,
    platform: after.platform - before.platform,
    retailer: after.retailer - before.retailer,
  };
}
