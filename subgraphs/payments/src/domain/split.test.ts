import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type LineSplit,
  planSplit,
  reversedAfter,
  reverseLine,
  SplitError,
  type SplitLineInput,
  type SplitParts,
  sumParts,
} from './split.ts';

const RATES = { brandCommissionBps: 500, platformFeeBps: 300 };
const PARTIES = ['supplier', 'brand', 'platform', 'retailer'] as const;

/** A cart line whose price covers wholesale plus commission and fee (what checkout lets through). */
const arbLine = (rates: { brandCommissionBps: number; platformFeeBps: number }) =>
  fc
    .record({
      id: fc.uuid(),
      supplier: fc.constantFrom('org_s1', 'org_s2', 'org_s3'),
      brand: fc.constantFrom('org_b1', 'org_b2'),
      quantity: fc.integer({ min: 1, max: 500 }),
      unit: fc.bigInt({ min: 0n, max: 5_000_000n }),
      // the share of the line that is wholesale, of what remains after commission and fee
      wholesaleShare: fc.double({ min: 0, max: 1, noNaN: true }),
    })
    .map(({ id, supplier, brand, quantity, unit, wholesaleShare }): SplitLineInput => {
      const amount = unit * BigInt(quantity);
      const fees = (amount * BigInt(rates.brandCommissionBps + rates.platformFeeBps)) / 10_000n;
      const room = amount - fees;
      const wholesale = BigInt(Math.floor(Number(room) * wholesaleShare));
      return { orderLineId: id, supplierId: supplier, brandId: brand, amount, wholesale };
    });

const arbRates = fc.record({
  brandCommissionBps: fc.integer({ min: 0, max: 5000 }),
  platformFeeBps: fc.integer({ min: 0, max: 5000 }),
});

const arbCart = arbRates.chain((rates) =>
  fc.record({
    rates: fc.constant(rates),
    lines: fc.uniqueArray(arbLine(rates), { minLength: 1, maxLength: 12, selector: (l) => l.orderLineId }),
  }),
);

/** Splits `total` into 1..n positive pieces (a sequence of partial refunds). */
const arbPieces = (total: bigint) =>
  fc.uniqueArray(fc.bigInt({ min: 1n, max: total > 1n ? total - 1n : 1n }), { maxLength: 6 }).map((cuts) => {
    if (total === 0n) return [];
    const points = [...cuts.filter((c) => c < total), total].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    return points.map((p, i) => p - (i === 0 ? 0n : points[i - 1]!));
  });

function add(a: SplitParts, b: SplitParts): SplitParts {
  return {
    supplier: a.supplier + b.supplier,
    brand: a.brand + b.brand,
    platform: a.platform + b.platform,
    retailer: a.retailer + b.retailer,
  };
}

describe('planSplit', () => {
  it('gives the supplier the wholesale, floors the bps parts, and the rest to the retailer: parts sum to each line', () => {
    fc.assert(
      fc.property(arbCart, ({ rates, lines }) => {
        const plan = planSplit(lines, 'org_r', rates);
        expect(plan).toHaveLength(lines.length);
        for (const [i, split] of plan.entries()) {
          const line = lines[i]!;
          expect(sumParts(split)).toBe(line.amount);
          expect(split.supplier).toBe(line.wholesale);
          expect(split.brand).toBe((line.amount * BigInt(rates.brandCommissionBps)) / 10_000n);
          expect(split.platform).toBe((line.amount * BigInt(rates.platformFeeBps)) / 10_000n);
          // floored: never more than the exact share, less by under one minor unit
          expect(split.brand * 10_000n).toBeLessThanOrEqual(line.amount * BigInt(rates.brandCommissionBps));
          expect((split.brand + 1n) * 10_000n).toBeGreaterThan(
            line.amount * BigInt(rates.brandCommissionBps),
          );
          expect(split.retailer).toBe(line.amount - split.supplier - split.brand - split.platform);
          for (const p of PARTIES) expect(split[p]).toBeGreaterThanOrEqual(0n);
          expect(split.retailerId).toBe('org_r');
        }
      }),
      { numRuns: 300 },
    );
  });

  it('computes the defaults on an example: 100.00 with 60.00 wholesale', () => {
    const [split] = planSplit(
      [{ orderLineId: 'l1', supplierId: 's', brandId: 'b', amount: 10_000n, wholesale: 6_000n }],
      'r',
      RATES,
    );
    expect(split).toMatchObject({ supplier: 6_000n, brand: 500n, platform: 300n, retailer: 3_200n });
    // 0.99: 5 % is 4.95 → 4, 3 % is 2.97 → 2, the retailer gets the remainder
    const [small] = planSplit(
      [{ orderLineId: 'l2', supplierId: 's', brandId: 'b', amount: 99n, wholesale: 50n }],
      'r',
      RATES,
    );
    expect(small).toMatchObject({ supplier: 50n, brand: 4n, platform: 2n, retailer: 43n });
  });

  it('refuses a line priced below wholesale plus commission and fee, a negative amount and a repeated line', () => {
    const line = { orderLineId: 'l1', supplierId: 's', brandId: 'b', amount: 1000n, wholesale: 930n };
    expect(() => planSplit([line], 'r', RATES)).toThrow(SplitError);
    expect(planSplit([{ ...line, wholesale: 920n }], 'r', RATES)[0]!.retailer).toBe(0n);
    expect(() => planSplit([{ ...line, amount: -1n, wholesale: 0n }], 'r', RATES)).toThrow(SplitError);
    const ok = { ...line, wholesale: 1n };
    expect(() => planSplit([ok, ok], 'r', RATES)).toThrow(SplitError);
  });
});

describe('refund reversal', () => {
  it('repeated partial refunds reverse in proportion, never create or lose a cent, and a full refund reverses every part', () => {
    const arb = arbCart.chain(({ rates, lines }) => {
      const plan = planSplit(lines, 'org_r', rates);
      return fc.record({
        plan: fc.constant(plan),
        refunds: fc.tuple(...plan.map((l) => arbPieces(l.amount))),
        fully: fc.boolean(),
      });
    });
    fc.assert(
      fc.property(arb, ({ plan, refunds, fully }) => {
        for (const [i, line] of plan.entries()) {
          // a partial sequence drops the last piece
          const pieces = fully ? refunds[i]! : refunds[i]!.slice(0, -1);
          let refunded = 0n;
          let reversed: SplitParts = { supplier: 0n, brand: 0n, platform: 0n, retailer: 0n };
          for (const piece of pieces) {
            const delta = reverseLine(line, refunded, piece);
            expect(sumParts(delta)).toBe(piece);
            refunded += piece;
            reversed = add(reversed, delta);
            expectWithinParts(line, reversed);
            expectProportional(line, reversed, refunded);
          }
          expect(sumParts(reversed)).toBe(refunded);
          if (fully && line.amount > 0n) {
            for (const p of PARTIES) expect(reversed[p]).toBe(line[p]);
          }
        }
      }),
      { numRuns: 300 },
    );
  });

  it('refuses to refund more than the line or a non-positive amount', () => {
    const [line] = planSplit(
      [{ orderLineId: 'l1', supplierId: 's', brandId: 'b', amount: 1000n, wholesale: 500n }],
      'r',
      RATES,
    );
    expect(() => reverseLine(line!, 600n, 401n)).toThrow(SplitError);
    expect(() => reverseLine(line!, 0n, 0n)).toThrow(SplitError);
    expect(reverseLine(line!, 600n, 400n)).toEqual({
      supplier: 500n - 300n,
      brand: 50n - 30n,
      platform: 30n - 18n,
      retailer: 420n - 252n,
    });
  });
});

/** Every party has had between 0 and its whole part reversed. */
function expectWithinParts(line: LineSplit, reversed: SplitParts) {
  for (const p of PARTIES) {
    expect(reversed[p]).toBeGreaterThanOrEqual(0n);
    expect(reversed[p]).toBeLessThanOrEqual(line[p]);
  }
}

/** Each cumulative reversal is within a few minor units of part × refunded / amount. */
function expectProportional(line: LineSplit, reversed: SplitParts, refunded: bigint) {
  expect(reversedAfter(line, refunded)).toEqual(reversed);
  for (const p of PARTIES) {
    const exact = line[p] * refunded;
    const diff = reversed[p] * line.amount - exact;
    expect(diff < 0n ? -diff : diff).toBeLessThanOrEqual(3n * line.amount);
  }
}
