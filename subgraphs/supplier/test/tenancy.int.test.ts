import { tenantKeyOf } from '@tradegraph/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADDRESS, errorCode, type Harness, startHarness } from './harness.ts';

/**
 * Two suppliers, A and B. Every path that takes an id is tried by B with A's
 * ids, with forged ids (A's body under B's tenant key, unknown tenant keys,
 * malformed ids) and by a supplier C that has no database yet: the answer is
 * NOT_FOUND / null / empty, never A's data, and nothing of A's changes.
 */

let h: Harness;
let a: string;
let b: string;
let brand: string;
let variantId: string;
let asA: ReturnType<Harness['member']>;
let asB: ReturnType<Harness['member']>;
let asC: ReturnType<Harness['member']>;
const ids: { warehouse: string; offer: string; reservation: string; level: string } = {
  warehouse: '',
  offer: '',
  reservation: '',
  level: '',
};

beforeAll(async () => {
  h = await startHarness();
  a = h.orgId();
  b = h.orgId();
  brand = h.orgId();
  asA = h.member(a, 'SUPPLIER');
  asB = h.member(b, 'SUPPLIER');
  asC = h.member(h.orgId(), 'SUPPLIER');
  await h.connect(a, brand, 'BRAND');
  await h.connect(b, brand, 'BRAND');
  [variantId] = (await h.product(brand)).variantIds as [string];
  const create = (as: typeof asA, name: string) =>
    h.call(
      `mutation($i: CreateWarehouseInput!) { createWarehouse(input: $i) { warehouse { id } } }`,
      {
        i: { name, code: 'MAIN', address: ADDRESS },
      },
      as,
    );
  ids.warehouse = (await create(asA, 'A main')).data?.createWarehouse.warehouse.id;
  const bWarehouse = (await create(asB, 'B main')).data?.createWarehouse.warehouse.id;
  await h.call(
    `mutation($i: ReceiveStockInput!) { receiveStock(input: $i) { receipt { id } } }`,
    {
      i: { warehouseId: ids.warehouse, reference: 'A-1', lines: [{ variantId, quantity: 10 }] },
    },
    asA,
  );
  await h.call(
    `mutation($i: ReceiveStockInput!) { receiveStock(input: $i) { receipt { id } } }`,
    {
      i: { warehouseId: bWarehouse, reference: 'B-1', lines: [{ variantId, quantity: 1 }] },
    },
    asB,
  );
  ids.offer = (
    await h.call(
      `mutation($i: UpsertOfferInput!) { upsertOffer(input: $i) { offer { id } } }`,
      {
        i: {
          variantId,
          wholesalePrice: { amount: '3.00', currencyCode: 'EUR' },
          minimumOrderQuantity: 1,
          leadTimeDays: 1,
        },
      },
      asA,
    )
  ).data?.upsertOffer.offer.id;
  ids.reservation = (
    await h.call(
      `mutation($i: ReserveStockInput!) { reserveStock(input: $i) { reservation { id } } }`,
      {
        i: { variantId, quantity: 2, reference: 'A-order' },
      },
      asA,
    )
  ).data?.reserveStock.reservation.id;
  ids.level = (await h.sql('select id from inventory_levels', [], a))[0]!.id;
  expect(Object.values(ids).every(Boolean)).toBe(true);
});
afterAll(async () => h?.stop());

/** A's id with its tenant key replaced: routes to B's database, where no such row exists. */
const forge = (id: string, org: string) => id.replace(/^([a-z]+)_[a-z0-9]{12}_/, `$1_${tenantKeyOf(org)}_`);
const unknownTenant = (id: string) => id.replace(/^([a-z]+)_[a-z0-9]{12}_/, '$1_zzzzzzzzzzzz_');

async function snapshotOfA() {
  return {
    warehouses: await h.sql('select id, name, code, active, updated_at from warehouses order by id', [], a),
    levels: await h.sql('select id, on_hand, reserved, version from inventory_levels order by id', [], a),
    offers: await h.sql('select id, wholesale_minor, active, updated_at from offers order by id', [], a),
    reservations: await h.sql('select id, status, expires_at from reservations order by id', [], a),
    movements: await h.sql('select count(*) n from stock_movements', [], a),
  };
}

describe('tenant isolation', () => {
  it('B cannot read A’s entities by id, foreign or forged', async () => {
    for (const as of [asB, asC]) {
      const wid = [ids.warehouse, forge(ids.warehouse, b), unknownTenant(ids.warehouse), 'whs_garbage', 'x'];
      for (const id of wid) {
        const w = await h.call(`query($id: ID!) { warehouse(id: $id) { id name } }`, { id }, as);
        expect(w.data?.warehouse ?? null, id).toBeNull();
        expect(errorCode(w), id).toBe('NOT_FOUND');
        const lvl = await h.call(
          `query($w: ID!, $v: ID!) { inventoryLevel(warehouseId: $w, variantId: $v) { onHand } }`,
          { w: id, v: variantId },
          as,
        );
        expect(errorCode(lvl)).toBe('NOT_FOUND');
        for (const filter of ['inventoryLevels', 'stockMovements', 'reservations']) {
          const res = await h.call(
            `query($w: ID!) { ${filter}(filter: { warehouseId: $w }) { totalCount } }`,
            { w: id },
            as,
          );
          expect(errorCode(res), filter).toBe('NOT_FOUND');
        }
      }
      for (const id of [ids.reservation, forge(ids.reservation, b), unknownTenant(ids.reservation)]) {
        const r = await h.call(`query($id: ID!) { reservation(id: $id) { id } }`, { id }, as);
        expect(errorCode(r)).toBe('NOT_FOUND');
      }
      const byReservation = await h.call(
        `query($r: ID!) { stockMovements(filter: { reservationId: $r }) { totalCount } }`,
        { r: ids.reservation },
        as,
      );
      expect(byReservation.data?.stockMovements.totalCount).toBe(0);
      const offer = await h.call(`query($id: ID!) { offer(id: $id) { id } }`, { id: ids.offer }, as);
      expect(offer.data?.offer).toBeNull();
    }
  });

  it('B’s lists never show A’s rows', async () => {
    const res = await h.call(
      `{ warehouses { nodes { id } } inventoryLevels { nodes { id onHand } } offers { totalCount }
         stockMovements { nodes { reference } } reservations { totalCount } }`,
      {},
      asB,
    );
    expect(res.data?.warehouses.nodes).toHaveLength(1);
    expect(res.data?.warehouses.nodes[0].id).not.toBe(ids.warehouse);
    expect(res.data?.inventoryLevels.nodes).toEqual([
      { id: expect.not.stringMatching(ids.level), onHand: 1 },
    ]);
    expect(res.data?.offers.totalCount).toBe(0);
    expect(res.data?.stockMovements.nodes).toEqual([{ reference: 'B-1' }]);
    expect(res.data?.reservations.totalCount).toBe(0);
    const org = await h.call(
      `query($r: [_Any!]!) { _entities(representations: $r) { ... on Organization { warehouses { id } offers { totalCount } } } }`,
      { r: [{ __typename: 'Organization', id: a }] },
      asB,
    );
    expect(org.data?._entities[0]).toEqual({ warehouses: [], offers: { totalCount: 0 } });
  });

  it('B cannot change A’s warehouses, levels, offers or reservations', async () => {
    const before = await snapshotOfA();
    const foreign = (id: string) => [id, forge(id, b), unknownTenant(id)];
    const attempts: Promise<Awaited<ReturnType<Harness['call']>>>[] = [];
    for (const as of [asB, asC]) {
      for (const wid of foreign(ids.warehouse)) {
        attempts.push(
          h.call(
            `mutation($i: UpdateWarehouseInput!) { updateWarehouse(input: $i) { warehouse { id } } }`,
            {
              i: { id: wid, name: 'hijacked', active: false },
            },
            as,
          ),
          h.call(
            `mutation($i: AdjustInventoryInput!) { adjustInventory(input: $i) { level { id } } }`,
            {
              i: { warehouseId: wid, variantId, delta: -5, reason: 'steal' },
            },
            as,
          ),
          h.call(
            `mutation($i: ReceiveStockInput!) { receiveStock(input: $i) { receipt { id } } }`,
            {
              i: { warehouseId: wid, reference: 'X', lines: [{ variantId, quantity: 1 }] },
            },
            as,
          ),
          h.call(
            `mutation($i: ReserveStockInput!) { reserveStock(input: $i) { reservation { id } } }`,
            {
              i: { variantId, quantity: 1, reference: 'X', warehouseId: wid },
            },
            as,
          ),
        );
      }
      for (const rid of foreign(ids.reservation)) {
        attempts.push(
          h.call(
            `mutation($i: ReleaseReservationInput!) { releaseReservation(input: $i) { reservation { id } } }`,
            {
              i: { id: rid },
            },
            as,
          ),
          h.call(
            `mutation($i: CommitReservationInput!) { commitReservation(input: $i) { reservation { id } } }`,
            {
              i: { id: rid },
            },
            as,
          ),
          h.call(
            `mutation($i: ExtendReservationInput!) { extendReservation(input: $i) { reservation { id } } }`,
            {
              i: { id: rid, ttlSeconds: 99 },
            },
            as,
          ),
        );
      }
      for (const oid of foreign(ids.offer)) {
        attempts.push(
          h.call(
            `mutation($i: DeactivateOfferInput!) { deactivateOffer(input: $i) { offer { id } } }`,
            {
              i: { id: oid },
            },
            as,
          ),
          h.call(
            `mutation($i: RemoveOfferInput!) { removeOffer(input: $i) { removedOfferId } }`,
            { i: { id: oid } },
            as,
          ),
        );
      }
    }
    const results = await Promise.all(attempts);
    for (const r of results) {
      expect(errorCode(r)).toBe('NOT_FOUND');
      expect(Object.values(r.data ?? {}).every((v) => v === null)).toBe(true);
    }
    expect(await snapshotOfA()).toEqual(before);
  });

  it('B reserving the same variant only ever touches its own stock', async () => {
    const res = await h.call(
      `mutation($i: ReserveStockInput!) { reserveStock(input: $i) { reservation { id } userErrors { code } } }`,
      { i: { variantId, quantity: 2, reference: 'B-order' } },
      asB,
    );
    expect(res.data?.reserveStock.userErrors[0].code).toBe('OUT_OF_STOCK');
    const ok = await h.call(
      `mutation($i: ReserveStockInput!) { reserveStock(input: $i) { reservation { id } userErrors { code } } }`,
      { i: { variantId, quantity: 1, reference: 'B-order' } },
      asB,
    );
    expect(ok.data?.reserveStock.reservation.id.split('_')[1]).toBe(tenantKeyOf(b));
    expect(await h.sql('select on_hand, reserved from inventory_levels', [], a)).toEqual([
      { on_hand: 10, reserved: 2 },
    ]);
  });

  it('A still sees and manages its own data', async () => {
    const w = await h.call(
      `query($id: ID!) { warehouse(id: $id) { name code } }`,
      { id: ids.warehouse },
      asA,
    );
    expect(w.data?.warehouse).toEqual({ name: 'A main', code: 'MAIN' });
    const rel = await h.call(
      `mutation($i: ReleaseReservationInput!) { releaseReservation(input: $i) { reservation { status } } }`,
      { i: { id: ids.reservation } },
      asA,
    );
    expect(rel.data?.releaseReservation.reservation.status).toBe('RELEASED');
  });
});
