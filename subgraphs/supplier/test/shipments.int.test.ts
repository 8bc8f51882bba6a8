import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorCode, type Harness, startHarness } from './harness.ts';

/**
 * A supplier's fulfilment queue (a projection of orders' events) and the
 * shipments it makes: only confirmed groups ship, stock leaves as SHIPPED
 * movements committing the saga's reservations, partial shipments allowed,
 * and nobody sees or touches another supplier's groups.
 */

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ RESERVATION_SWEEP_INTERVAL_MS: '0' });
});
afterAll(async () => h?.stop());

const QUEUE = `query($f: FulfillmentGroupFilter, $first: Int, $after: String) {
  fulfillmentGroups(filter: $f, first: $first, after: $after) {
    totalCount pageInfo { hasNextPage endCursor }
    nodes { id status order { id } createdAt
      lines { orderLineId quantity shippedQuantity variant { id } }
      shipments { id status carrier trackingNumber lines { orderLineId quantity } shippedAt deliveredAt fulfillmentGroup { id } } } } }`;
const CREATE = `mutation($i: CreateShipmentInput!) { createShipment(input: $i) {
  shipment { id status carrier trackingNumber lines { orderLineId quantity } fulfillmentGroup { id status } }
  userErrors { code field message } } }`;
const SHIP = `mutation($i: MarkShipmentShippedInput!) { markShipmentShipped(input: $i) {
  shipment { id status shippedAt fulfillmentGroup { id status lines { orderLineId shippedQuantity } } } userErrors { code field message } } }`;
const DELIVER = `mutation($i: MarkShipmentDeliveredInput!) { markShipmentDelivered(input: $i) {
  shipment { id status deliveredAt fulfillmentGroup { id status } } userErrors { code field message } } }`;

/** A group placed, reserved and (unless told otherwise) confirmed by orders. */
async function group(
  opts: {
    quantities?: number[];
    stock?: number;
    confirm?: boolean;
    s?: Awaited<ReturnType<Harness['sagaSupplier']>>;
  } = {},
) {
  const quantities = opts.quantities ?? [5];
  const s = opts.s ?? (await h.sagaSupplier({ variants: quantities.length, stock: [opts.stock ?? 10] }));
  const cmd = h.reservationCommand(
    s,
    quantities.map((quantity, i) => ({ variantId: s.variantIds[i]!, quantity })),
  );
  await h.placeOrder(cmd);
  await h.requestReservation(cmd);
  if (opts.confirm !== false) await h.orderStatus(cmd, 'CONFIRMED');
  return { s, cmd, me: h.member(s.supplierId, 'SUPPLIER') };
}

async function shipmentEvents(groupId: string) {
  return (await h.outbox('supplier.shipment.changed', groupId)).map((e) => e.payload);
}

describe('fulfillmentGroups', () => {
  it("is the supplier's queue: groups projected from orders' events, whatever order they arrive in", async () => {
    const s = await h.sagaSupplier({ variants: 2, stock: [10] });
    const me = h.member(s.supplierId, 'SUPPLIER');
    const cmd = h.reservationCommand(s, [
      { variantId: s.variantIds[0]!, quantity: 2 },
      { variantId: s.variantIds[1]!, quantity: 1 },
    ]);
    await h.placeOrder(cmd);
    let res = await h.call(QUEUE, {}, me);
    expect(res.errors).toBeUndefined();
    expect(res.data?.fulfillmentGroups.nodes).toEqual([
      {
        id: cmd.groupId,
        status: 'PENDING',
        order: { id: cmd.orderId },
        createdAt: expect.any(String),
        lines: cmd.lines
          .map((l) => ({
            orderLineId: l.orderLineId,
            quantity: l.quantity,
            shippedQuantity: 0,
            variant: { id: l.variantId },
          }))
          .sort((a, b) => a.orderLineId.localeCompare(b.orderLineId)),
        shipments: [],
      },
    ]);

    // CONFIRMED arrives, then an older PAYMENT_AUTHORIZED (a redelivery): the newer status stays
    const at = new Date();
    await h.requestReservation(cmd);
    await h.orderStatus(cmd, 'CONFIRMED', at);
    await h.orderStatus(cmd, 'PAYMENT_AUTHORIZED', new Date(at.getTime() - 5));
    res = await h.call(QUEUE, { f: { status: 'CONFIRMED' } }, me);
    expect(res.data?.fulfillmentGroups.nodes.map((g: { id: string }) => g.id)).toEqual([cmd.groupId]);
    expect((await h.call(QUEUE, { f: { status: 'PENDING' } }, me)).data?.fulfillmentGroups.totalCount).toBe(
      0,
    );

    // the status may arrive before the group itself: it is kept for the order
    const early = h.reservationCommand(s, [{ variantId: s.variantIds[0]!, quantity: 1 }]);
    await h.orderStatus(early, 'CONFIRMED');
    await h.requestReservation(early);
    await h.placeOrder(early);
    res = await h.call(QUEUE, { f: { status: 'CONFIRMED' }, first: 1 }, me);
    expect(res.data?.fulfillmentGroups).toMatchObject({ totalCount: 2, pageInfo: { hasNextPage: true } });
    const next = await h.call(
      QUEUE,
      { f: { status: 'CONFIRMED' }, first: 1, after: res.data?.fulfillmentGroups.pageInfo.endCursor },
      me,
    );
    expect(
      [res, next].flatMap((r) => r.data?.fulfillmentGroups.nodes.map((g: { id: string }) => g.id)).sort(),
    ).toEqual([cmd.groupId, early.groupId].sort());
  });

  it('a failed or cancelled order, or a released reservation, cancels the group', async () => {
    const failed = await group({ confirm: false });
    await h.orderStatus(failed.cmd, 'FAILED');
    const released = await group();
    await h.requestRelease(released.cmd);
    for (const g of [failed, released]) {
      const res = await h.call(QUEUE, {}, g.me);
      expect(res.data?.fulfillmentGroups.nodes.map((n: { status: string }) => n.status)).toEqual([
        'CANCELLED',
      ]);
    }
  });
});

describe('shipments', () => {
  it('ships a confirmed group in parts: reservations commit as SHIPPED movements, then delivered', async () => {
    const { s, cmd, me } = await group({ quantities: [5, 2] });
    const [l1, l2] = cmd.lines;
    const create = await h.call(
      CREATE,
      {
        i: {
          fulfillmentGroupId: cmd.groupId,
          carrier: 'DHL',
          trackingNumber: 'TRK-1',
          lines: [{ orderLineId: l1!.orderLineId, quantity: 2 }],
        },
      },
      me,
    );
    expect(create.data?.createShipment.userErrors).toEqual([]);
    const first = create.data?.createShipment.shipment;
    expect(first).toMatchObject({
      status: 'CREATED',
      carrier: 'DHL',
      trackingNumber: 'TRK-1',
      lines: [{ orderLineId: l1!.orderLineId, quantity: 2 }],
      fulfillmentGroup: { id: cmd.groupId, status: 'CONFIRMED' },
    });
    expect(first.id).toMatch(/^shp_/);
    // nothing left yet: CREATED keeps the stock reserved
    expect(
      await h.sql(
        'select on_hand, reserved from inventory_levels where variant_id = ?',
        [l1!.variantId],
        s.supplierId,
      ),
    ).toEqual([{ on_hand: 10, reserved: 5 }]);

    const shipped = await h.call(SHIP, { i: { shipmentId: first.id } }, me);
    expect(shipped.data?.markShipmentShipped.userErrors).toEqual([]);
    expect(shipped.data?.markShipmentShipped.shipment).toMatchObject({
      status: 'SHIPPED',
      shippedAt: expect.any(String),
      fulfillmentGroup: { status: 'PARTIALLY_SHIPPED' },
    });
    expect(
      await h.sql(
        'select on_hand, reserved from inventory_levels where variant_id = ?',
        [l1!.variantId],
        s.supplierId,
      ),
    ).toEqual([{ on_hand: 8, reserved: 3 }]);
    const [held] = await h.sql(
      'select r.status, r.quantity from reservations r join fulfillment_reservations f on f.reservation_id = r.id where f.order_line_id = ?',
      [l1!.orderLineId],
      s.supplierId,
    );
    expect(held).toEqual({ status: 'ACTIVE', quantity: 3 });
    // repeating the step changes nothing
    const again = await h.call(SHIP, { i: { shipmentId: first.id } }, me);
    expect(again.data?.markShipmentShipped.shipment.status).toBe('SHIPPED');

    // more than is left of a line, a line of another group, a line twice
    const tooMany = await h.call(
      CREATE,
      {
        i: {
          fulfillmentGroupId: cmd.groupId,
          carrier: 'DHL',
          trackingNumber: 'TRK-X',
          lines: [{ orderLineId: l1!.orderLineId, quantity: 4 }],
        },
      },
      me,
    );
    expect(tooMany.data?.createShipment.userErrors).toEqual([
      {
        code: 'EXCEEDS_REMAINING',
        field: ['lines', '0', 'quantity'],
        message: 'Only 3 of this line are left to ship',
      },
    ]);
    const unknown = await h.call(
      CREATE,
      {
        i: {
          fulfillmentGroupId: cmd.groupId,
          carrier: 'DHL',
          trackingNumber: 'TRK-X',
          lines: [{ orderLineId: 'oln_nope', quantity: 1 }],
        },
      },
      me,
    );
    expect(unknown.data?.createShipment.userErrors[0].code).toBe('UNKNOWN_ORDER_LINE');

    const rest = await h.call(
      CREATE,
      {
        i: {
          fulfillmentGroupId: cmd.groupId,
          carrier: 'UPS',
          trackingNumber: 'TRK-2',
          lines: [
            { orderLineId: l1!.orderLineId, quantity: 3 },
            { orderLineId: l2!.orderLineId, quantity: 2 },
          ],
        },
      },
      me,
    );
    const second = rest.data?.createShipment.shipment;
    const early = await h.call(DELIVER, { i: { shipmentId: second.id } }, me);
    expect(early.data?.markShipmentDelivered.userErrors[0].code).toBe('SHIPMENT_NOT_SHIPPED');
    const done = await h.call(SHIP, { i: { shipmentId: second.id } }, me);
    expect(done.data?.markShipmentShipped.shipment.fulfillmentGroup).toMatchObject({
      status: 'SHIPPED',
      lines: expect.arrayContaining([
        { orderLineId: l1!.orderLineId, shippedQuantity: 5 },
        { orderLineId: l2!.orderLineId, shippedQuantity: 2 },
      ]),
    });
    for (const [variantId, onHand] of [
      [l1!.variantId, 5],
      [l2!.variantId, 8],
    ] as const) {
      expect(
        await h.sql(
          'select on_hand, reserved from inventory_levels where variant_id = ?',
          [variantId],
          s.supplierId,
        ),
      ).toEqual([{ on_hand: onHand, reserved: 0 }]);
    }
    expect(
      await h.sql(
        'select r.status from reservations r join fulfillment_reservations f on f.reservation_id = r.id where f.group_id = ? order by r.id',
        [cmd.groupId],
        s.supplierId,
      ),
    ).toEqual([{ status: 'COMMITTED' }, { status: 'COMMITTED' }]);
    const movements = await h.sql(
      // the first line's movements first, each level's in log order
      "select variant_id, quantity, on_hand_after, reserved_after, reservation_id from stock_movements where type = 'SHIPPED' order by variant_id = ? desc, seq",
      [l1!.variantId],
      s.supplierId,
    );
    expect(movements.map((m) => [m.variant_id, m.quantity, m.on_hand_after, m.reserved_after])).toEqual([
      [l1!.variantId, -2, 8, 3],
      [l1!.variantId, -3, 5, 0],
      [l2!.variantId, -2, 8, 0],
    ]);
    expect(movements.every((m) => m.reservation_id?.startsWith('rsv_'))).toBe(true);

    await h.call(DELIVER, { i: { shipmentId: first.id } }, me);
    const delivered = await h.call(DELIVER, { i: { shipmentId: second.id } }, me);
    expect(delivered.data?.markShipmentDelivered.shipment).toMatchObject({
      status: 'DELIVERED',
      deliveredAt: expect.any(String),
      fulfillmentGroup: { status: 'DELIVERED' },
    });

    const events = await shipmentEvents(cmd.groupId);
    expect(events.map((e) => [e.shipmentId === first.id ? 1 : 2, e.status])).toEqual([
      [1, 'CREATED'],
      [1, 'SHIPPED'],
      [2, 'CREATED'],
      [2, 'SHIPPED'],
      [1, 'DELIVERED'],
      [2, 'DELIVERED'],
    ]);
    expect(events[3]).toMatchObject({
      orderId: cmd.orderId,
      groupId: cmd.groupId,
      supplierId: s.supplierId,
      carrier: 'UPS',
      trackingNumber: 'TRK-2',
      lines: expect.arrayContaining([
        { orderLineId: l1!.orderLineId, quantity: 3 },
        { orderLineId: l2!.orderLineId, quantity: 2 },
      ]),
    });
  });

  it('only a confirmed group ships; a cancelled order cannot ship what it created', async () => {
    const pending = await group({ confirm: false });
    const input = (g: Awaited<ReturnType<typeof group>>) => ({
      i: {
        fulfillmentGroupId: g.cmd.groupId,
        carrier: 'DHL',
        trackingNumber: 'T',
        lines: [{ orderLineId: g.cmd.lines[0]!.orderLineId, quantity: 1 }],
      },
    });
    const refused = await h.call(CREATE, input(pending), pending.me);
    expect(refused.data?.createShipment.userErrors[0]).toMatchObject({ code: 'GROUP_NOT_CONFIRMED' });

    const cancelled = await group();
    const created = await h.call(CREATE, input(cancelled), cancelled.me);
    const shipmentId = created.data?.createShipment.shipment.id;
    await h.orderStatus(cancelled.cmd, 'CANCELLED');
    await h.requestRelease(cancelled.cmd);
    const ship = await h.call(SHIP, { i: { shipmentId } }, cancelled.me);
    expect(ship.data?.markShipmentShipped.userErrors[0]).toMatchObject({
      code: 'GROUP_NOT_CONFIRMED',
      message: 'This fulfilment group was cancelled; nothing ships',
    });
    expect(
      await h.sql(
        "select count(*) n from stock_movements where type = 'SHIPPED'",
        [],
        cancelled.s.supplierId,
      ),
    ).toEqual([{ n: 0 }]);
  });

  it('concurrent shipments of the last units of a line: one is created, the other exceeds what is left', async () => {
    const g = await group({ quantities: [3] });
    const input = {
      i: {
        fulfillmentGroupId: g.cmd.groupId,
        carrier: 'DHL',
        trackingNumber: 'T',
        lines: [{ orderLineId: g.cmd.lines[0]!.orderLineId, quantity: 2 }],
      },
    };
    const results = await Promise.all([h.call(CREATE, input, g.me), h.call(CREATE, input, g.me)]);
    expect(
      results.map((r) => r.data?.createShipment.userErrors.map((e: { code: string }) => e.code)).sort(),
    ).toEqual([[], ['EXCEEDS_REMAINING']]);
  });
});

describe('isolation', () => {
  it("another supplier neither lists nor touches a group or shipment, and other callers can't at all", async () => {
    const g = await group();
    const created = await h.call(
      CREATE,
      {
        i: {
          fulfillmentGroupId: g.cmd.groupId,
          carrier: 'DHL',
          trackingNumber: 'T',
          lines: [{ orderLineId: g.cmd.lines[0]!.orderLineId, quantity: 1 }],
        },
      },
      g.me,
    );
    const shipmentId = created.data?.createShipment.shipment.id;

    const other = await h.sagaSupplier();
    const intruder = h.member(other.supplierId, 'SUPPLIER');
    expect((await h.call(QUEUE, {}, intruder)).data?.fulfillmentGroups.totalCount).toBe(0);
    const foreignGroup = await h.call(
      CREATE,
      {
        i: {
          fulfillmentGroupId: g.cmd.groupId,
          carrier: 'DHL',
          trackingNumber: 'T',
          lines: [{ orderLineId: g.cmd.lines[0]!.orderLineId, quantity: 1 }],
        },
      },
      intruder,
    );
    expect(errorCode(foreignGroup)).toBe('NOT_FOUND');
    for (const doc of [SHIP, DELIVER]) {
      expect(errorCode(await h.call(doc, { i: { shipmentId } }, intruder))).toBe('NOT_FOUND');
    }
    // a retailer or brand member, or a supplier without the permissions, is refused
    expect(errorCode(await h.call(QUEUE, {}, h.member(g.cmd.retailerId, 'RETAILER')))).toBe('FORBIDDEN');
    expect(errorCode(await h.call(QUEUE, {}, h.member(g.s.supplierId, 'SUPPLIER', ['org:read'])))).toBe(
      'FORBIDDEN',
    );
    expect(errorCode(await h.call(QUEUE, {}))).toBe('UNAUTHENTICATED');
    const reader = h.member(g.s.supplierId, 'SUPPLIER', ['orders:read']);
    expect((await h.call(QUEUE, {}, reader)).data?.fulfillmentGroups.totalCount).toBe(1);
    expect(errorCode(await h.call(SHIP, { i: { shipmentId } }, reader))).toBe('FORBIDDEN');
    // the owner's shipment is untouched
    const mine = await h.call(SHIP, { i: { shipmentId } }, g.me);
    expect(mine.data?.markShipmentShipped.shipment.status).toBe('SHIPPED');
  });
});
