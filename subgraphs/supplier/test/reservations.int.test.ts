import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sweepExpiredReservations } from '../src/domain/reservations.ts';
import { ADDRESS, errorCode, type Harness, startHarness, waitFor } from './harness.ts';

/**
 * Reservations under concurrency: optimistic locking on inventory_levels with
 * bounded retries must never oversell, and the movement log must replay to the
 * final levels.
 */

let h: Harness;
let supplier: string;
let brand: string;
let me: ReturnType<Harness['member']>;

const RESERVE = `mutation($i: ReserveStockInput!) { reserveStock(input: $i) {
  reservation { id status quantity reference expiresAt warehouse { id } variant { id } } userErrors { code field message } } }`;
const RELEASE = `mutation($i: ReleaseReservationInput!) { releaseReservation(input: $i) { reservation { id status closedAt } userErrors { code field } } }`;
const COMMIT = `mutation($i: CommitReservationInput!) { commitReservation(input: $i) { reservation { id status } userErrors { code field } } }`;
const EXTEND = `mutation($i: ExtendReservationInput!) { extendReservation(input: $i) { reservation { id status expiresAt } userErrors { code field } } }`;

async function warehouse(name: string) {
  const res = await h.call(
    `mutation($i: CreateWarehouseInput!) { createWarehouse(input: $i) { warehouse { id } } }`,
    { i: { name, address: ADDRESS } },
    me,
  );
  return res.data?.createWarehouse.warehouse.id as string;
}

async function stock(warehouseId: string, variantId: string, quantity: number) {
  const res = await h.call(
    `mutation($i: ReceiveStockInput!) { receiveStock(input: $i) { receipt { id } userErrors { code message } } }`,
    { i: { warehouseId, reference: `R-${Math.random()}`, lines: [{ variantId, quantity }] } },
    me,
  );
  expect(res.data?.receiveStock.userErrors).toEqual([]);
}

async function level(warehouseId: string, variantId: string) {
  const [row] = await h.sql(
    'select on_hand, reserved, version from inventory_levels where warehouse_id = ? and variant_id = ?',
    [warehouseId, variantId],
    supplier,
  );
  return row;
}

/** Replays the movement log of each level in order: every entry must follow from the previous one. */
async function assertLogReplays(variantId: string) {
  const moves = await h.sql(
    'select warehouse_id, type, quantity, on_hand_after, reserved_after, available_after from stock_movements where variant_id = ? order by seq',
    [variantId],
    supplier,
  );
  const state = new Map<string, { onHand: number; reserved: number }>();
  for (const m of moves) {
    const s = state.get(m.warehouse_id) ?? { onHand: 0, reserved: 0 };
    if (m.type === 'RECEIVED' || m.type === 'ADJUSTED') s.onHand += m.quantity;
    else if (m.type === 'RESERVED' || m.type === 'RELEASED') s.reserved += m.quantity;
    else if (m.type === 'SHIPPED') {
      s.onHand += m.quantity;
      s.reserved += m.quantity;
    }
    expect(m.on_hand_after).toBe(s.onHand);
    expect(m.reserved_after).toBe(s.reserved);
    expect(m.available_after).toBe(s.onHand - s.reserved);
    expect(s.reserved).toBeGreaterThanOrEqual(0);
    expect(s.onHand).toBeGreaterThanOrEqual(s.reserved);
    state.set(m.warehouse_id, s);
  }
  for (const [warehouseId, s] of state) {
    const l = await level(warehouseId, variantId);
    expect({ onHand: l!.on_hand, reserved: l!.reserved }).toEqual(s);
    const [active] = await h.sql(
      "select coalesce(sum(quantity), 0) q from reservations where warehouse_id = ? and variant_id = ? and status = 'ACTIVE'",
      [warehouseId, variantId],
      supplier,
    );
    expect(Number(active!.q)).toBe(s.reserved);
  }
  const [summary] = await h.sql(
    'select total_available t from stock_summary where supplier_id = ? and variant_id = ?',
    [supplier, variantId],
  );
  const total = [...state.values()].reduce((a, s) => a + s.onHand - s.reserved, 0);
  expect(summary?.t ?? 0).toBe(total);
  return moves;
}

beforeAll(async () => {
  h = await startHarness({ RESERVATION_SWEEP_INTERVAL_MS: '0', DB_POOL_MAX: '8' });
  supplier = h.orgId();
  brand = h.orgId();
  me = h.member(supplier, 'SUPPLIER');
  await h.connect(supplier, brand, 'BRAND');
});
afterAll(async () => h?.stop());

describe('concurrency', () => {
  it('40 concurrent reservations of 1 against stock 10: exactly 10 succeed, nothing oversold', async () => {
    const [variantId] = (await h.product(brand)).variantIds;
    const wh = await warehouse('Race');
    await stock(wh, variantId!, 10);

    const results = await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        h.call(RESERVE, { i: { variantId, quantity: 1, reference: `order-${i}`, ttlSeconds: 600 } }, me),
      ),
    );
    for (const r of results) expect(r.errors).toBeUndefined();
    const ok = results.filter((r) => r.data?.reserveStock.reservation);
    const failed = results.filter((r) => !r.data?.reserveStock.reservation);
    expect(ok).toHaveLength(10);
    expect(failed.map((r) => r.data?.reserveStock.userErrors[0].code)).toEqual(
      Array(30).fill('OUT_OF_STOCK'),
    );
    expect(new Set(ok.map((r) => r.data?.reserveStock.reservation.id)).size).toBe(10);

    expect(await level(wh, variantId!)).toEqual({ on_hand: 10, reserved: 10, version: 11 });
    const moves = await assertLogReplays(variantId!);
    const reserved = moves.filter((m) => m.type === 'RESERVED');
    expect(reserved.map((m) => m.reserved_after)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(
      await h.sql(
        "select count(*) n from reservations where status = 'ACTIVE' and variant_id = ?",
        [variantId],
        supplier,
      ),
    ).toEqual([{ n: 10 }]);
    const stockEvents = (await h.outbox('supplier.stock.changed', `${supplier}:${variantId}`)).filter(
      (e) => e.payload.movement === 'RESERVED',
    );
    expect(stockEvents.map((e) => e.payload.totalAvailable)).toEqual([9, 8, 7, 6, 5, 4, 3, 2, 1, 0]);
    const rsvEvents = await h.sql(
      "select count(*) n from outbox where type = 'supplier.reservation.changed'",
    );
    expect(rsvEvents).toEqual([{ n: 10 }]);
    const avail = await h.call(
      `query($r: [_Any!]!) { _entities(representations: $r) { ... on ProductVariant { availableQuantity } } }`,
      { r: [{ __typename: 'ProductVariant', id: variantId }] },
    );
    expect(avail.data?._entities[0].availableQuantity).toBe(0);
  });

  it('mixed: releases and commits racing new reservations across two warehouses stay consistent', async () => {
    const [variantId] = (await h.product(brand)).variantIds;
    const wa = await warehouse('Mixed A');
    const wb = await warehouse('Mixed B');
    await stock(wa, variantId!, 6);
    await stock(wb, variantId!, 4);
    const held: string[] = [];
    for (let i = 0; i < 8; i++) {
      const r = await h.call(RESERVE, { i: { variantId, quantity: 1, reference: `pre-${i}` } }, me);
      held.push(r.data?.reserveStock.reservation.id);
    }
    expect(held.every(Boolean)).toBe(true);

    const ops = [
      ...held.slice(0, 5).map((id) => h.call(RELEASE, { i: { id } }, me)),
      ...held.slice(5, 7).map((id) => h.call(COMMIT, { i: { id } }, me)),
      ...Array.from({ length: 30 }, (_, i) =>
        h.call(RESERVE, { i: { variantId, quantity: 1, reference: `new-${i}` } }, me),
      ),
      // the same reservation released twice at once: exactly one wins
      h.call(RELEASE, { i: { id: held[7] } }, me),
      h.call(RELEASE, { i: { id: held[7] } }, me),
    ];
    const results = await Promise.all(ops);
    for (const r of results) expect(r.errors).toBeUndefined();
    const released = results.slice(0, 5).map((r) => r.data?.releaseReservation.reservation?.status);
    expect(released).toEqual(Array(5).fill('RELEASED'));
    expect(results.slice(5, 7).map((r) => r.data?.commitReservation.reservation?.status)).toEqual([
      'COMMITTED',
      'COMMITTED',
    ]);
    const reserves = results.slice(7, 37);
    const won = reserves.filter((r) => r.data?.reserveStock.reservation).length;
    const codes = new Set(
      reserves
        .filter((r) => !r.data?.reserveStock.reservation)
        .map((r) => r.data?.reserveStock.userErrors[0].code),
    );
    expect([...codes].every((c) => c === 'OUT_OF_STOCK')).toBe(true);
    const doubles = results.slice(37).map((r) => r.data?.releaseReservation);
    expect(doubles.filter((d) => d.reservation?.status === 'RELEASED')).toHaveLength(1);
    expect(doubles.filter((d) => d.userErrors[0]?.code === 'RESERVATION_NOT_ACTIVE')).toHaveLength(1);

    // 10 received, 2 shipped → 8 on hand; at least the 2 never-held units were free all along
    const a = (await level(wa, variantId!))!;
    const b = (await level(wb, variantId!))!;
    expect(a.on_hand + b.on_hand).toBe(8);
    expect(a.reserved + b.reserved).toBe(won);
    expect(won).toBeGreaterThanOrEqual(2);
    expect(won).toBeLessThanOrEqual(8);
    await assertLogReplays(variantId!);
  });
});

describe('reservation lifecycle', () => {
  let variantId: string;
  let wa: string;
  let wb: string;
  beforeAll(async () => {
    [variantId] = (await h.product(brand)).variantIds as [string];
    wa = await warehouse('Life A');
    wb = await warehouse('Life B');
    await stock(wa, variantId, 6);
    await stock(wb, variantId, 4);
  });

  it('picks the warehouse with the most available, or the one asked for; never splits', async () => {
    const auto = await h.call(RESERVE, { i: { variantId, quantity: 2, reference: 'a' } }, me);
    expect(auto.data?.reserveStock.reservation.warehouse.id).toBe(wa);
    const pinned = await h.call(
      RESERVE,
      { i: { variantId, quantity: 1, reference: 'b', warehouseId: wb } },
      me,
    );
    expect(pinned.data?.reserveStock.reservation.warehouse.id).toBe(wb);
    const tooMuch = await h.call(RESERVE, { i: { variantId, quantity: 5, reference: 'c' } }, me);
    expect(tooMuch.data?.reserveStock.userErrors[0]).toMatchObject({
      code: 'OUT_OF_STOCK',
      field: ['quantity'],
    });
    const pinnedShort = await h.call(
      RESERVE,
      { i: { variantId, quantity: 4, reference: 'd', warehouseId: wb } },
      me,
    );
    expect(pinnedShort.data?.reserveStock.userErrors[0].code).toBe('OUT_OF_STOCK');
  });

  it('validates input', async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ variantId, quantity: 0, reference: 'x' }, 'INVALID_QUANTITY'],
      [{ variantId, quantity: 1, reference: '' }, 'INVALID_REFERENCE'],
      [{ variantId, quantity: 1, reference: 'x', ttlSeconds: 0 }, 'INVALID_TTL'],
      [{ variantId, quantity: 1, reference: 'x', ttlSeconds: 604_801 }, 'INVALID_TTL'],
      [{ variantId: 'nope', quantity: 1, reference: 'x' }, 'VARIANT_NOT_FOUND'],
    ];
    for (const [input, code] of cases) {
      const res = await h.call(RESERVE, { i: input }, me);
      expect(res.data?.reserveStock.userErrors[0]?.code, code).toBe(code);
    }
    const closed = await warehouse('Closed');
    await h.call(
      `mutation($i: UpdateWarehouseInput!) { updateWarehouse(input: $i) { warehouse { id } } }`,
      {
        i: { id: closed, active: false },
      },
      me,
    );
    const inactive = await h.call(
      RESERVE,
      { i: { variantId, quantity: 1, reference: 'x', warehouseId: closed } },
      me,
    );
    expect(inactive.data?.reserveStock.userErrors[0].code).toBe('WAREHOUSE_INACTIVE');
    const viewer = h.member(supplier, 'SUPPLIER', ['inventory:read']);
    expect(errorCode(await h.call(RESERVE, { i: { variantId, quantity: 1, reference: 'x' } }, viewer))).toBe(
      'FORBIDDEN',
    );
  });

  it('commits: on hand and reserved drop, SHIPPED is logged, and only once', async () => {
    const r = await h.call(
      RESERVE,
      { i: { variantId, quantity: 2, reference: 'ship-1', warehouseId: wa } },
      me,
    );
    const id = r.data?.reserveStock.reservation.id;
    const before = (await level(wa, variantId))!;
    const res = await h.call(COMMIT, { i: { id } }, me);
    expect(res.data?.commitReservation.reservation.status).toBe('COMMITTED');
    expect(await level(wa, variantId)).toMatchObject({
      on_hand: before.on_hand - 2,
      reserved: before.reserved - 2,
    });
    const [shipped] = await h.sql(
      "select quantity, reference from stock_movements where type = 'SHIPPED' and reservation_id = ?",
      [id],
      supplier,
    );
    expect(shipped).toEqual({ quantity: -2, reference: 'ship-1' });
    const again = await h.call(COMMIT, { i: { id } }, me);
    expect(again.data?.commitReservation.userErrors[0].code).toBe('RESERVATION_NOT_ACTIVE');
    const release = await h.call(RELEASE, { i: { id } }, me);
    expect(release.data?.releaseReservation.userErrors[0].code).toBe('RESERVATION_NOT_ACTIVE');
    const events = await h.outbox('supplier.reservation.changed', id);
    expect(events.map((e) => e.payload.status)).toEqual(['ACTIVE', 'COMMITTED']);
    expect(await h.sql('select count(*) n from reservation_expiry where reservation_id = ?', [id])).toEqual([
      { n: 0 },
    ]);
    await assertLogReplays(variantId);
  });

  it('extends the expiry of an ACTIVE reservation', async () => {
    const r = await h.call(RESERVE, { i: { variantId, quantity: 1, reference: 'ext', ttlSeconds: 60 } }, me);
    const { id, expiresAt } = r.data!.reserveStock.reservation;
    const res = await h.call(EXTEND, { i: { id, ttlSeconds: 3600 } }, me);
    const extended = new Date(res.data?.extendReservation.reservation.expiresAt).getTime();
    expect(extended - new Date(expiresAt).getTime()).toBeGreaterThan(3000_000);
    const [idx] = await h.sql('select expires_at from reservation_expiry where reservation_id = ?', [id]);
    expect(new Date(`${idx!.expires_at.replace(' ', 'T')}Z`).getTime()).toBe(extended);
    const bad = await h.call(EXTEND, { i: { id, ttlSeconds: -1 } }, me);
    expect(bad.data?.extendReservation.userErrors[0].code).toBe('INVALID_TTL');
  });

  it('expires: an overdue reservation can no longer be committed and the sweeper releases it', async () => {
    const r = await h.call(
      RESERVE,
      { i: { variantId, quantity: 1, reference: 'late', ttlSeconds: 1, warehouseId: wb } },
      me,
    );
    const id = r.data?.reserveStock.reservation.id;
    const keep = await h.call(
      RESERVE,
      { i: { variantId, quantity: 1, reference: 'keep', ttlSeconds: 600, warehouseId: wb } },
      me,
    );
    const before = (await level(wb, variantId))!;
    await new Promise((res) => setTimeout(res, 1100));
    const commit = await h.call(COMMIT, { i: { id } }, me);
    expect(commit.data?.commitReservation.userErrors[0].code).toBe('RESERVATION_EXPIRED');
    const extend = await h.call(EXTEND, { i: { id } }, me);
    expect(extend.data?.extendReservation.userErrors[0].code).toBe('RESERVATION_EXPIRED');

    expect(await sweepExpiredReservations(h.service.kernel, h.service.services)).toBe(1);
    expect(await sweepExpiredReservations(h.service.kernel, h.service.services)).toBe(0);
    const [row] = await h.sql('select status, closed_at from reservations where id = ?', [id], supplier);
    expect(row!.status).toBe('EXPIRED');
    expect(row!.closed_at).not.toBeNull();
    expect(await level(wb, variantId)).toMatchObject({
      on_hand: before.on_hand,
      reserved: before.reserved - 1,
    });
    const [mv] = await h.sql(
      "select quantity, reason, actor_kind, actor_id from stock_movements where type = 'RELEASED' and reservation_id = ?",
      [id],
      supplier,
    );
    expect(mv).toEqual({ quantity: -1, reason: 'reservation expired', actor_kind: 'SYSTEM', actor_id: null });
    expect((await h.outbox('supplier.reservation.changed', id)).map((e) => e.payload.status)).toEqual([
      'ACTIVE',
      'EXPIRED',
    ]);
    const kept = await h.call(
      `query($id: ID!) { reservation(id: $id) { status } }`,
      {
        id: keep.data?.reserveStock.reservation.id,
      },
      me,
    );
    expect(kept.data?.reservation.status).toBe('ACTIVE');
    await assertLogReplays(variantId);
  });

  it('lists reservations with filters', async () => {
    const viewer = h.member(supplier, 'SUPPLIER', ['inventory:read']);
    const res = await h.call(
      `query($v: ID!) { reservations(filter: { variantId: $v, status: EXPIRED }) { totalCount nodes { reference status variant { id } } } }`,
      { v: variantId },
      viewer,
    );
    expect(res.data?.reservations).toEqual({
      totalCount: 1,
      nodes: [{ reference: 'late', status: 'EXPIRED', variant: { id: variantId } }],
    });
    const byRef = await h.call(
      `{ reservations(filter: { reference: "ship-1" }) { nodes { status } } }`,
      {},
      viewer,
    );
    expect(byRef.data?.reservations.nodes).toEqual([{ status: 'COMMITTED' }]);
  });
});

describe('the sweeper in the process', () => {
  it('releases expired reservations on its own', async () => {
    const h2 = await startHarness({ RESERVATION_SWEEP_INTERVAL_MS: '200' });
    try {
      const s = h2.orgId();
      const b = h2.orgId();
      const m = h2.member(s, 'SUPPLIER');
      await h2.connect(s, b, 'BRAND');
      const [variantId] = (await h2.product(b)).variantIds;
      const wh = (
        await h2.call(
          `mutation($i: CreateWarehouseInput!) { createWarehouse(input: $i) { warehouse { id } } }`,
          {
            i: { name: 'W', address: ADDRESS },
          },
          m,
        )
      ).data?.createWarehouse.warehouse.id;
      await h2.call(
        `mutation($i: ReceiveStockInput!) { receiveStock(input: $i) { receipt { id } } }`,
        {
          i: { warehouseId: wh, reference: 'R', lines: [{ variantId, quantity: 3 }] },
        },
        m,
      );
      const r = await h2.call(RESERVE, { i: { variantId, quantity: 3, reference: 'o', ttlSeconds: 1 } }, m);
      const id = r.data?.reserveStock.reservation.id;
      await waitFor(
        async () => {
          const [row] = await h2.sql('select status from reservations where id = ?', [id], s);
          return row?.status === 'EXPIRED';
        },
        'expiry',
        5000,
      );
      const [lvl] = await h2.sql('select on_hand, reserved from inventory_levels', [], s);
      expect(lvl).toEqual({ on_hand: 3, reserved: 0 });
    } finally {
      await h2.stop();
    }
  });
});
