import type { ConnectionEventPayload, ProductChangedPayload } from '@tradegraph/contracts';
import { newId } from '@tradegraph/shared';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { CatalogVariantRecord, PartnerAccessRecord } from '../store/projections.ts';
import { partnerAccessUpdate, productVariantUpdates } from './projections.ts';

/**
 * The projection decisions converge: whatever order a row's events arrive in
 * (redelivery, dead-letter replay, a rebalance), the rows end as the events in
 * time order leave them. The consumer does exactly this: read the stored rows,
 * ask the decision, write its answer.
 */

const T0 = Date.parse('2026-11-29T10:00:00.000Z');
const at = (ms: number) => new Date(T0 + ms).toISOString();
const supplier = newId('org');
const brand = newId('org');

const permutation = <T>(items: T[]) =>
  fc.shuffledSubarray(items, { minLength: items.length, maxLength: items.length });

describe('partner_access (identity.connection.*)', () => {
  const STATUSES = ['PENDING', 'ACTIVE', 'DECLINED', 'REVOKED'] as const;
  const event = fc.record({
    status: fc.constantFrom(...STATUSES),
    // few instants, so that ties of one millisecond are common
    ms: fc.integer({ min: 0, max: 3 }),
  });
  const payload = (status: ConnectionEventPayload['status']): ConnectionEventPayload => ({
    connectionId: 'con_1',
    requesterId: brand,
    requesterKind: 'BRAND',
    partnerId: supplier,
    partnerKind: 'SUPPLIER',
    scopes: ['CATALOG_READ', 'FULFILL_ORDERS'],
    status,
  });
  const project = (events: { status: ConnectionEventPayload['status']; ms: number }[]) => {
    let row: PartnerAccessRecord | null = null;
    for (const e of events) row = partnerAccessUpdate(row, payload(e.status), at(e.ms)) ?? row;
    return row;
  };

  it('ends in the same state for every order of the same events', () => {
    fc.assert(
      fc.property(
        fc
          .array(event, { minLength: 1, maxLength: 8 })
          .chain((es) => fc.tuple(permutation(es), permutation(es))),
        ([a, b]) => {
          expect(project(a)).toEqual(project(b));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('an older event never undoes a newer one; a revocation at the same instant wins', () => {
    expect(
      project([
        { status: 'ACTIVE', ms: 2 },
        { status: 'PENDING', ms: 1 },
      ]),
    ).toMatchObject({
      status: 'ACTIVE',
      canFulfill: true,
      supplierId: supplier,
      partnerId: brand,
      partnerKind: 'BRAND',
    });
    expect(
      project([
        { status: 'REVOKED', ms: 1 },
        { status: 'ACTIVE', ms: 1 },
      ]),
    ).toMatchObject({
      status: 'REVOKED',
      canFulfill: false,
    });
  });

  it('ignores connections without a supplier on one side', () => {
    const retail = { ...payload('ACTIVE'), partnerId: newId('org'), partnerKind: 'RETAILER' as const };
    expect(partnerAccessUpdate(null, retail, at(0))).toBeNull();
  });
});

describe('catalog_variants (catalog.product.changed)', () => {
  const productId = newId('prd');
  const VARIANTS = ['var_A', 'var_B', 'var_C', 'var_D'];
  const snapshot = fc.record({
    status: fc.constantFrom('DRAFT', 'ACTIVE', 'ARCHIVED' as const),
    variants: fc.subarray(VARIANTS, { minLength: 1 }),
    sku: fc.constantFrom('x', 'y', 'z'),
  });
  /** Snapshots of one product at distinct instants (catalog writes one product's changes one after another). */
  const history = fc
    .uniqueArray(fc.integer({ min: 0, max: 50 }), { minLength: 1, maxLength: 6 })
    .chain((instants) => fc.tuple(...instants.map((ms) => snapshot.map((s) => ({ ...s, ms })))));

  const payload = (s: { status: ProductChangedPayload['status']; variants: string[]; sku: string }) => ({
    productId,
    brandId: brand,
    name: `P-${s.sku}`,
    status: s.status,
    variants: s.variants.map((variantId) => ({
      variantId,
      sku: `${variantId}-${s.sku}`,
      gtin: null,
      options: [],
      msrpMinor: '100',
      currencyCode: 'EUR',
    })),
  });

  /** The consumer against an in-memory catalog_variants table. */
  const project = (
    events: { status: ProductChangedPayload['status']; variants: string[]; sku: string; ms: number }[],
  ) => {
    const table = new Map<string, CatalogVariantRecord>();
    for (const e of events) {
      const stored = [...table.values()].map((r) => ({
        variantId: r.variantId,
        status: r.status,
        eventAt: r.eventAt,
      }));
      const { save, remove } = productVariantUpdates(stored, payload(e), at(e.ms));
      for (const row of save) table.set(row.variantId, row);
      for (const id of remove) {
        const row = table.get(id);
        if (row) table.set(id, { ...row, status: 'REMOVED', eventAt: new Date(at(e.ms)) });
      }
    }
    return table;
  };
  /**
   * What anything reads of the table: a variant's brand and status, and every
   * column of a variant that is not REMOVED. (A removed variant keeps the
   * columns of one of its older snapshots and the instant of a newer one;
   * which ones depends on the arrival order, and nothing reads them.)
   */
  const observed = (table: Map<string, CatalogVariantRecord>) =>
    Object.fromEntries(
      [...table.values()]
        .sort((x, y) => (x.variantId < y.variantId ? -1 : 1))
        .map((r) => [r.variantId, r.status === 'REMOVED' ? { brandId: r.brandId, status: r.status } : r]),
    );

  it('ends as the events in time order leave it, whatever order they arrive in', () => {
    fc.assert(
      fc.property(
        history.chain((events) => fc.tuple(fc.constant(events), permutation(events))),
        ([events, arrival]) => {
          const inTimeOrder = [...events].sort((x, y) => x.ms - y.ms);
          expect(observed(project(arrival))).toEqual(observed(project(inTimeOrder)));
        },
      ),
      { numRuns: 500 },
    );
  });

  it('a variant the newest snapshot no longer lists is REMOVED, also when an older snapshot arrives later', () => {
    const newer = { status: 'ACTIVE' as const, variants: ['var_A'], sku: 'y', ms: 2 };
    const older = { status: 'ACTIVE' as const, variants: ['var_A', 'var_B'], sku: 'x', ms: 1 };
    const state = project([newer, older]);
    expect(state.get('var_A')).toMatchObject({ status: 'ACTIVE', sku: 'var_A-y' });
    expect(state.get('var_B')).toMatchObject({ status: 'REMOVED', eventAt: new Date(at(2)) });
    // and a newer snapshot listing it again brings it back
    const again = project([newer, older, { status: 'ACTIVE', variants: ['var_B'], sku: 'z', ms: 3 }]);
    expect(again.get('var_B')).toMatchObject({ status: 'ACTIVE', sku: 'var_B-z' });
    expect(again.get('var_A')).toMatchObject({ status: 'REMOVED' });
  });
});
