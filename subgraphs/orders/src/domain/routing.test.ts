import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Candidate } from '../store/projections.ts';
import { canServe, retailerShare, routeLines } from './routing.ts';

const c = (
  supplierId: string,
  variantId: string,
  wholesaleMinor: number,
  totalAvailable = 100,
  moq = 1,
): Candidate => ({
  supplierId,
  variantId,
  wholesaleMinor,
  totalAvailable,
  minimumOrderQuantity: moq,
});
const line = (key: string, variantId: string, quantity = 1) => ({ key, variantId, quantity });
const NO_RULES = { supplierPriority: [], maxSuppliersPerOrder: null };
const suppliersOf = (r: ReturnType<typeof routeLines>) =>
  r.ok ? Object.fromEntries([...r.routes].map(([k, v]) => [k, v.supplierId])) : r;

describe('routeLines', () => {
  it('takes the cheapest supplier able to serve the quantity, then the supplier id', () => {
    const cs = [c('org_b', 'v1', 500), c('org_a', 'v1', 600), c('org_c', 'v1', 500)];
    expect(suppliersOf(routeLines([line('l1', 'v1')], cs, NO_RULES))).toEqual({ l1: 'org_b' });
  });
  it('puts the retailer priority list before price, in its order', () => {
    const cs = [c('org_a', 'v1', 500), c('org_b', 'v1', 900), c('org_c', 'v1', 800)];
    const rules = { supplierPriority: ['org_c', 'org_b'], maxSuppliersPerOrder: null };
    expect(suppliersOf(routeLines([line('l1', 'v1')], cs, rules))).toEqual({ l1: 'org_c' });
  });
  it('skips suppliers with too little stock or a higher minimum order quantity', () => {
    const cs = [c('org_a', 'v1', 100, 2), c('org_b', 'v1', 200, 50, 10), c('org_c', 'v1', 300, 5)];
    expect(suppliersOf(routeLines([line('l1', 'v1', 5)], cs, NO_RULES))).toEqual({ l1: 'org_c' });
    expect(canServe(cs[0]!, line('x', 'v1', 2))).toBe(true);
    expect(routeLines([line('l1', 'v1', 60)], cs, NO_RULES)).toEqual({
      ok: false,
      reason: 'UNROUTABLE',
      lines: ['l1'],
    });
  });
  it('prefers fewer groups between equally ranked suppliers', () => {
    const cs = [c('org_a', 'v1', 500), c('org_b', 'v1', 500), c('org_b', 'v2', 300)];
    expect(suppliersOf(routeLines([line('l1', 'v1'), line('l2', 'v2')], cs, NO_RULES))).toEqual({
      l1: 'org_b',
      l2: 'org_b',
    });
  });
  it('honours maxSuppliersPerOrder by giving up price, and refuses when it cannot', () => {
    const cs = [c('org_a', 'v1', 100), c('org_b', 'v1', 500), c('org_b', 'v2', 300)];
    const lines = [line('l1', 'v1'), line('l2', 'v2')];
    expect(suppliersOf(routeLines(lines, cs, NO_RULES))).toEqual({ l1: 'org_a', l2: 'org_b' });
    expect(suppliersOf(routeLines(lines, cs, { supplierPriority: [], maxSuppliersPerOrder: 1 }))).toEqual({
      l1: 'org_b',
      l2: 'org_b',
    });
    const apart = [c('org_a', 'v1', 100), c('org_b', 'v2', 300)];
    expect(routeLines(lines, apart, { supplierPriority: [], maxSuppliersPerOrder: 1 })).toEqual({
      ok: false,
      reason: 'TOO_MANY_SUPPLIERS',
      suppliers: 2,
    });
  });
  it('routes every line to a supplier that can serve it, never splitting a line', () => {
    const sup = fc.constantFrom('org_a', 'org_b', 'org_c');
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            s: sup,
            v: fc.constantFrom('v1', 'v2', 'v3'),
            w: fc.nat(1000),
            st: fc.nat(10),
            moq: fc.integer({ min: 1, max: 3 }),
          }),
        ),
        fc.array(fc.record({ v: fc.constantFrom('v1', 'v2', 'v3'), q: fc.integer({ min: 1, max: 6 }) }), {
          minLength: 1,
          maxLength: 5,
        }),
        (raw, ls) => {
          const cs = raw.map((r) => c(r.s, r.v, r.w, r.st, r.moq));
          const lines = ls.map((l, i) => line(`l${i}`, l.v, l.q));
          const res = routeLines(lines, cs, NO_RULES);
          if (!res.ok) {
            expect(res.reason).toBe('UNROUTABLE');
            return;
          }
          for (const l of lines) {
            const chosen = res.routes.get(l.key)!;
            expect(canServe(chosen, l)).toBe(true);
            const cheapest = Math.min(...cs.filter((x) => canServe(x, l)).map((x) => x.wholesaleMinor));
            expect(chosen.wholesaleMinor).toBe(cheapest);
          }
        },
      ),
    );
  });
});

describe('retailerShare (the split rule)', () => {
  it('floors brand commission and platform fee; negative when the price does not cover them', () => {
    const bps = { brandCommission: 500, platformFee: 300 };
    expect(retailerShare(10_000n, 6_000n, bps)).toBe(10_000n - 6_000n - 500n - 300n);
    expect(retailerShare(999n, 0n, bps)).toBe(999n - 49n - 29n);
    expect(retailerShare(1_000n, 950n, bps) < 0n).toBe(true);
  });
});
