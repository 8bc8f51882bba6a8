import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADDRESS, errorCode, type Harness, startHarness } from './harness.ts';

/**
 * Inventory levels, receipts, adjustments and the movement log; every change
 * also moves the service database's stock_summary and publishes
 * supplier.stock.changed with the supplier-wide total.
 */

let h: Harness;
let supplier: string;
let brand: string;
let variants: string[];
let unconnectedVariant: string;
let whA: string;
let whB: string;
let me: ReturnType<Harness['member']>;

const ADJUST = `mutation($i: AdjustInventoryInput!) { adjustInventory(input: $i) {
  level { id onHand reserved available warehouse { id } variant { id } } userErrors { code field message } } }`;
const RECEIVE = `mutation($i: ReceiveStockInput!) { receiveStock(input: $i) {
  receipt { id reference totalQuantity warehouse { id } lines { variant { id } quantity level { onHand reserved available } } }
  userErrors { code field message } } }`;
const RESERVE = `mutation($i: ReserveStockInput!) { reserveStock(input: $i) { reservation { id status } userErrors { code } } }`;

beforeAll(async () => {
  h = await startHarness();
  supplier = h.orgId();
  brand = h.orgId();
  me = h.member(supplier, 'SUPPLIER');
  await h.connect(supplier, brand, 'BRAND');
  variants = (await h.product(brand, { count: 3 })).variantIds;
  unconnectedVariant = (await h.product(h.orgId())).variantIds[0]!;
  const create = (name: string) =>
    h.call(
      `mutation($i: CreateWarehouseInput!) { createWarehouse(input: $i) { warehouse { id } } }`,
      {
        i: { name, address: ADDRESS },
      },
      me,
    );
  whA = (await create('A')).data?.createWarehouse.warehouse.id;
  whB = (await create('B')).data?.createWarehouse.warehouse.id;
});
afterAll(async () => h?.stop());

const summary = async (variantId: string) =>
  (
    await h.sql('select total_available t from stock_summary where supplier_id = ? and variant_id = ?', [
      supplier,
      variantId,
    ])
  )[0]?.t;

describe('receiveStock', () => {
  it('books a multi-line receipt: levels, movements, summary and events', async () => {
    const res = await h.call(
      RECEIVE,
      {
        i: {
          warehouseId: whA,
          reference: 'PO-1001',
          note: 'first delivery',
          lines: [
            { variantId: variants[1], quantity: 5 },
            { variantId: variants[0], quantity: 20 },
          ],
        },
      },
      me,
    );
    expect(res.data?.receiveStock.userErrors).toEqual([]);
    const receipt = res.data?.receiveStock.receipt;
    expect(receipt).toMatchObject({
      reference: 'PO-1001',
      totalQuantity: 25,
      warehouse: { id: whA },
      lines: [
        { variant: { id: variants[1] }, quantity: 5, level: { onHand: 5, reserved: 0, available: 5 } },
        { variant: { id: variants[0] }, quantity: 20, level: { onHand: 20, reserved: 0, available: 20 } },
      ],
    });
    expect(receipt.id).toMatch(/^rcp_/);
    const moves = await h.sql(
      'select type, variant_id, quantity, on_hand_after, receipt_id, reference, reason, actor_kind from stock_movements order by seq',
      [],
      supplier,
    );
    expect(moves).toHaveLength(2);
    expect(
      moves.every((m) => m.type === 'RECEIVED' && m.receipt_id === receipt.id && m.reference === 'PO-1001'),
    ).toBe(true);
    expect(moves.map((m) => m.reason)).toEqual(['first delivery', 'first delivery']);
    expect(await summary(variants[0]!)).toBe(20);
    expect(await summary(variants[1]!)).toBe(5);
    const events = await h.outbox('supplier.stock.changed');
    expect(events.map((e) => e.payload)).toEqual(
      expect.arrayContaining([
        {
          supplierId: supplier,
          brandId: brand,
          variantId: variants[0],
          warehouseId: whA,
          onHand: 20,
          reserved: 0,
          available: 20,
          totalAvailable: 20,
          movement: 'RECEIVED',
        },
      ]),
    );
    expect(events.map((e) => e.aggregateId).sort()).toEqual(
      [`${supplier}:${variants[0]}`, `${supplier}:${variants[1]}`].sort(),
    );
  });

  it('totals across warehouses in stock.changed and stock_summary', async () => {
    const res = await h.call(
      RECEIVE,
      { i: { warehouseId: whB, reference: 'PO-2001', lines: [{ variantId: variants[0], quantity: 7 }] } },
      me,
    );
    expect(res.data?.receiveStock.receipt.lines[0].level.onHand).toBe(7);
    expect(await summary(variants[0]!)).toBe(27);
    const last = (await h.outbox('supplier.stock.changed')).at(-1)!;
    expect(last.payload).toMatchObject({ warehouseId: whB, onHand: 7, available: 7, totalAvailable: 27 });
  });

  it('refuses duplicate references and lines, bad quantities, unknown or unconnected variants — atomically', async () => {
    const before = await h.sql(
      'select (select count(*) from stock_summary) s, (select count(*) from outbox) e',
    );
    const beforeLevels = await h.sql(
      'select id, on_hand, version from inventory_levels order by id',
      [],
      supplier,
    );
    const cases: [Record<string, unknown>, string, string[]][] = [
      [
        { reference: 'PO-1001', lines: [{ variantId: variants[0], quantity: 1 }] },
        'DUPLICATE_RECEIPT',
        ['reference'],
      ],
      [
        { reference: ' ', lines: [{ variantId: variants[0], quantity: 1 }] },
        'INVALID_REFERENCE',
        ['reference'],
      ],
      [{ reference: 'X1', lines: [] }, 'INVALID_LINES', ['lines']],
      [
        {
          reference: 'X2',
          lines: [
            { variantId: variants[0], quantity: 1 },
            { variantId: variants[0], quantity: 2 },
          ],
        },
        'DUPLICATE_LINE',
        ['lines', '1', 'variantId'],
      ],
      [
        { reference: 'X3', lines: [{ variantId: variants[0], quantity: 0 }] },
        'INVALID_QUANTITY',
        ['lines', '0', 'quantity'],
      ],
      [
        // the first line would succeed; the second fails, so neither is booked
        {
          reference: 'X4',
          lines: [
            { variantId: variants[0], quantity: 3 },
            { variantId: 'var_abcdefabcdef_X', quantity: 1 },
          ],
        },
        'VARIANT_NOT_FOUND',
        ['lines', '1', 'variantId'],
      ],
      [
        {
          reference: 'X5',
          lines: [
            { variantId: variants[0], quantity: 3 },
            { variantId: unconnectedVariant, quantity: 1 },
          ],
        },
        'NO_FULFILLMENT_ACCESS',
        ['lines', '1', 'variantId'],
      ],
    ];
    for (const [input, code, field] of cases) {
      const res = await h.call(RECEIVE, { i: { warehouseId: whA, ...input } }, me);
      expect(res.data?.receiveStock.receipt, code).toBeNull();
      expect(res.data?.receiveStock.userErrors[0], code).toMatchObject({ code, field });
    }
    expect(
      await h.sql('select (select count(*) from stock_summary) s, (select count(*) from outbox) e'),
    ).toEqual(before);
    expect(
      await h.sql('select id, on_hand, version from inventory_levels order by id', [], supplier),
    ).toEqual(beforeLevels);
    expect(await h.sql('select count(*) n from stock_receipts', [], supplier)).toEqual([{ n: 2 }]);
  });

  it('refuses a deactivated warehouse', async () => {
    const created = await h.call(
      `mutation($i: CreateWarehouseInput!) { createWarehouse(input: $i) { warehouse { id } } }`,
      { i: { name: 'Closed', address: ADDRESS } },
      me,
    );
    const id = created.data?.createWarehouse.warehouse.id;
    await h.call(
      `mutation($i: UpdateWarehouseInput!) { updateWarehouse(input: $i) { warehouse { id } } }`,
      {
        i: { id, active: false },
      },
      me,
    );
    const res = await h.call(
      RECEIVE,
      { i: { warehouseId: id, reference: 'R', lines: [{ variantId: variants[0], quantity: 1 }] } },
      me,
    );
    expect(res.data?.receiveStock.userErrors[0]).toMatchObject({
      code: 'WAREHOUSE_INACTIVE',
      field: ['warehouseId'],
    });
  });
});

describe('adjustInventory', () => {
  it('corrects stock up and down, logging who and why', async () => {
    const down = await h.call(
      ADJUST,
      { i: { warehouseId: whA, variantId: variants[0], delta: -4, reason: 'damaged in transit' } },
      me,
    );
    expect(down.data?.adjustInventory.level).toMatchObject({ onHand: 16, reserved: 0, available: 16 });
    const up = await h.call(
      ADJUST,
      { i: { warehouseId: whA, variantId: variants[0], delta: 2, reason: 'recount' } },
      me,
    );
    expect(up.data?.adjustInventory.level).toMatchObject({ onHand: 18, available: 18 });
    const moves = await h.sql(
      "select quantity, on_hand_after, reason, actor_kind, actor_id from stock_movements where type = 'ADJUSTED' order by seq",
      [],
      supplier,
    );
    expect(moves).toEqual([
      {
        quantity: -4,
        on_hand_after: 16,
        reason: 'damaged in transit',
        actor_kind: 'USER',
        actor_id: (me as { userId: string }).userId,
      },
      {
        quantity: 2,
        on_hand_after: 18,
        reason: 'recount',
        actor_kind: 'USER',
        actor_id: (me as { userId: string }).userId,
      },
    ]);
    expect(await summary(variants[0]!)).toBe(25);
  });

  it('starts a level for a connected ACTIVE variant with a positive delta', async () => {
    const res = await h.call(
      ADJUST,
      { i: { warehouseId: whB, variantId: variants[2], delta: 3, reason: 'found' } },
      me,
    );
    expect(res.data?.adjustInventory.level).toMatchObject({
      onHand: 3,
      warehouse: { id: whB },
      variant: { id: variants[2] },
    });
  });

  it('never goes below zero or below what is reserved', async () => {
    const r = await h.call(
      RESERVE,
      { i: { variantId: variants[1], quantity: 4, warehouseId: whA, reference: 'o-1' } },
      me,
    );
    expect(r.data?.reserveStock.reservation.status).toBe('ACTIVE');
    const below = await h.call(
      ADJUST,
      { i: { warehouseId: whA, variantId: variants[1], delta: -2, reason: 'x' } },
      me,
    );
    expect(below.data?.adjustInventory.userErrors[0]).toMatchObject({
      code: 'BELOW_RESERVED',
      field: ['delta'],
    });
    const negative = await h.call(
      ADJUST,
      { i: { warehouseId: whA, variantId: variants[1], delta: -6, reason: 'x' } },
      me,
    );
    expect(negative.data?.adjustInventory.userErrors[0].code).toBe('NEGATIVE_STOCK');
    const ok = await h.call(
      ADJUST,
      { i: { warehouseId: whA, variantId: variants[1], delta: -1, reason: 'x' } },
      me,
    );
    expect(ok.data?.adjustInventory.level).toMatchObject({ onHand: 4, reserved: 4, available: 0 });
    const none = await h.call(
      ADJUST,
      { i: { warehouseId: whB, variantId: variants[1], delta: -1, reason: 'x' } },
      me,
    );
    expect(none.data?.adjustInventory.userErrors[0].code).toBe('OUT_OF_STOCK');
  });

  it('validates input', async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ warehouseId: whA, variantId: variants[0], delta: 0, reason: 'x' }, 'INVALID_QUANTITY'],
      [{ warehouseId: whA, variantId: variants[0], delta: 2_000_000_000, reason: 'x' }, 'INVALID_QUANTITY'],
      [{ warehouseId: whA, variantId: variants[0], delta: 1, reason: '' }, 'INVALID_REASON'],
      [{ warehouseId: whA, variantId: 'var_abcdefabcdef_NOPE', delta: 1, reason: 'x' }, 'VARIANT_NOT_FOUND'],
      [{ warehouseId: whA, variantId: unconnectedVariant, delta: 1, reason: 'x' }, 'NO_FULFILLMENT_ACCESS'],
    ];
    for (const [input, code] of cases) {
      const res = await h.call(ADJUST, { i: input }, me);
      expect(res.data?.adjustInventory.userErrors[0]?.code, code).toBe(code);
    }
    const unknownWh = await h.call(
      ADJUST,
      { i: { warehouseId: 'whs_nope', variantId: variants[0], delta: 1, reason: 'x' } },
      me,
    );
    expect(errorCode(unknownWh)).toBe('NOT_FOUND');
    const viewer = h.member(supplier, 'SUPPLIER', ['inventory:read']);
    expect(
      errorCode(
        await h.call(
          ADJUST,
          { i: { warehouseId: whA, variantId: variants[0], delta: 1, reason: 'x' } },
          viewer,
        ),
      ),
    ).toBe('FORBIDDEN');
  });

  it('keeps stock_summary equal to the sum of the levels', async () => {
    for (const v of variants) {
      const [row] = await h.sql(
        'select coalesce(sum(on_hand - reserved), 0) s from inventory_levels where variant_id = ?',
        [v],
        supplier,
      );
      expect(Number(await summary(v)), v).toBe(Number(row!.s));
    }
  });
});

describe('levels and the movement log', () => {
  it('lists levels with filters', async () => {
    const viewer = h.member(supplier, 'SUPPLIER', ['inventory:read']);
    const all = await h.call(
      `{ inventoryLevels { totalCount nodes { onHand variant { id } warehouse { id } } } }`,
      {},
      viewer,
    );
    expect(all.data?.inventoryLevels.totalCount).toBe(4);
    const inA = await h.call(
      `query($w: ID!) { inventoryLevels(filter: { warehouseId: $w }) { totalCount } }`,
      { w: whA },
      viewer,
    );
    expect(inA.data?.inventoryLevels.totalCount).toBe(2);
    const one = await h.call(
      `query($w: ID!, $v: ID!) { inventoryLevel(warehouseId: $w, variantId: $v) { onHand reserved available } }`,
      { w: whA, v: variants[1] },
      viewer,
    );
    expect(one.data?.inventoryLevel).toEqual({ onHand: 4, reserved: 4, available: 0 });
    const viaWarehouse = await h.call(
      `query($id: ID!) { warehouse(id: $id) { inventory { totalCount nodes { variant { id } onHand } } } }`,
      { id: whB },
      viewer,
    );
    expect(viaWarehouse.data?.warehouse.inventory.totalCount).toBe(2);
  });

  it('filters and pages the movement log, newest first', async () => {
    const viewer = h.member(supplier, 'SUPPLIER', ['inventory:read']);
    const all = await h.sql('select type from stock_movements order by seq desc', [], supplier);
    const Q = `query($f: StockMovementFilter, $a: String) { stockMovements(filter: $f, first: 3, after: $a) {
      totalCount nodes { type quantity variant { id } warehouse { id } reservation { id } receiptId reference reason
      onHandAfter reservedAfter availableAfter performedBy { kind } createdAt } pageInfo { hasNextPage endCursor } } }`;
    const seen: string[] = [];
    let after: string | null = null;
    for (;;) {
      const res = await h.call(Q, { a: after }, viewer);
      const c = res.data?.stockMovements;
      expect(c.totalCount).toBe(all.length);
      seen.push(...c.nodes.map((n: { type: string }) => n.type));
      if (!c.pageInfo.hasNextPage) break;
      after = c.pageInfo.endCursor;
    }
    expect(seen).toEqual(all.map((r) => r.type));

    const adjusted = await h.call(Q, { f: { types: ['ADJUSTED'], warehouseId: whA } }, viewer);
    expect(adjusted.data?.stockMovements.totalCount).toBe(3);
    const reserved = await h.call(Q, { f: { types: ['RESERVED'] } }, viewer);
    expect(reserved.data?.stockMovements.nodes[0]).toMatchObject({
      type: 'RESERVED',
      quantity: 4,
      reference: 'o-1',
      onHandAfter: 5,
      reservedAfter: 4,
      availableAfter: 1,
      performedBy: { kind: 'USER' },
    });
    expect(reserved.data?.stockMovements.nodes[0].reservation.id).toMatch(/^rsv_/);
    const byRef = await h.call(Q, { f: { reference: 'PO-1001' } }, viewer);
    expect(byRef.data?.stockMovements.totalCount).toBe(2);
    const future = await h.call(Q, { f: { since: new Date(Date.now() + 60_000).toISOString() } }, viewer);
    expect(future.data?.stockMovements.totalCount).toBe(0);
    for (const bad of ['garbage', Buffer.from('"x"').toString('base64url')]) {
      expect(errorCode(await h.call(Q, { a: bad }, viewer)), bad).toBe('BAD_USER_INPUT');
    }
    const byVariant = await h.call(Q, { f: { variantId: variants[2] } }, viewer);
    expect(byVariant.data?.stockMovements.nodes).toEqual([
      expect.objectContaining({ type: 'ADJUSTED', quantity: 3, reason: 'found' }),
    ]);
  });

  it('publishes exactly one stock.changed per level change', async () => {
    const moves = await h.sql('select count(*) n from stock_movements', [], supplier);
    expect((await h.outbox('supplier.stock.changed')).length).toBe(Number(moves[0]!.n));
  });
});
