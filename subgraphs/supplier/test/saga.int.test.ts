import { createEnvelope } from '@tradegraph/shared/events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { onReservationRequested } from '../src/domain/fulfillment.ts';
import { type Harness, startHarness } from './harness.ts';

/**
 * The supplier's side of the order saga: reservation commands from orders
 * are answered with reserved / rejected, release commands with released;
 * all or nothing, idempotent, never overselling.
 */

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ RESERVATION_SWEEP_INTERVAL_MS: '0', DB_POOL_MAX: '12' });
});
afterAll(async () => h?.stop());

async function levels(supplierId: string, variantId: string) {
  return h.sql(
    'select warehouse_id, on_hand, reserved from inventory_levels where variant_id = ? order by warehouse_id',
    [variantId],
    supplierId,
  );
}

async function groupReservations(supplierId: string, groupId: string) {
  return h.sql(
    `select r.id, r.status, r.quantity, r.variant_id, r.reference, r.expires_at, f.order_line_id
       from fulfillment_reservations f join reservations r on r.id = f.reservation_id
      where f.group_id = ? order by f.order_line_id, r.id`,
    [groupId],
    supplierId,
  );
}

describe('orders.reservation.requested', () => {
  it('reserves every line of the group and answers reserved with the reservation ids', async () => {
    const s = await h.sagaSupplier({ variants: 2, stock: [10] });
    const cmd = h.reservationCommand(s, [
      { variantId: s.variantIds[0]!, quantity: 3 },
      { variantId: s.variantIds[1]!, quantity: 10 },
    ]);
    await h.requestReservation(cmd);

    const replies = await h.replies(cmd.groupId);
    expect(replies.map((r) => r.type)).toEqual(['supplier.fulfillment.reserved']);
    const reply = replies[0]!.payload;
    expect(reply).toMatchObject({ orderId: cmd.orderId, groupId: cmd.groupId, supplierId: s.supplierId });
    expect(reply.reservations).toHaveLength(2);
    const held = await groupReservations(s.supplierId, cmd.groupId);
    expect(held.map((r) => r.id).sort()).toEqual(
      reply.reservations.map((r: { reservationId: string }) => r.reservationId).sort(),
    );
    expect(held.map((r) => [r.status, r.quantity])).toEqual(
      [cmd.lines[0]!, cmd.lines[1]!]
        .sort((a, b) => a.orderLineId.localeCompare(b.orderLineId))
        .map((l) => ['ACTIVE', l.quantity]),
    );
    // the saga's TTL: long enough to reach shipping (default 7 days)
    for (const r of held) {
      const ttl = Date.parse(`${r.expires_at.replace(' ', 'T')}Z`) - Date.now();
      expect(ttl).toBeGreaterThan(6.9 * 24 * 3600 * 1000);
      expect(r.reference).toMatch(new RegExp(`^${cmd.orderId}/oln_`));
    }
    expect(await levels(s.supplierId, s.variantIds[0]!)).toEqual([
      { warehouse_id: s.warehouseIds[0], on_hand: 10, reserved: 3 },
    ]);
    expect(await levels(s.supplierId, s.variantIds[1]!)).toEqual([
      { warehouse_id: s.warehouseIds[0], on_hand: 10, reserved: 10 },
    ]);
    const movements = await h.sql(
      "select actor_kind, reservation_id from stock_movements where type = 'RESERVED' order by seq",
      [],
      s.supplierId,
    );
    expect(movements.map((m) => m.actor_kind)).toEqual(['SYSTEM', 'SYSTEM']);
  });

  it('splits a line over warehouses only when none holds it all', async () => {
    const s = await h.sagaSupplier({ stock: [5, 4] });
    const cmd = h.reservationCommand(s, [{ variantId: s.variantIds[0]!, quantity: 8 }]);
    await h.requestReservation(cmd);
    const [reply] = await h.replies(cmd.groupId);
    expect(reply!.type).toBe('supplier.fulfillment.reserved');
    expect(reply!.payload.reservations.map((r: { quantity: number }) => r.quantity).sort()).toEqual([3, 5]);
    expect((await levels(s.supplierId, s.variantIds[0]!)).map((l) => l.reserved).sort()).toEqual([3, 5]);

    const single = h.reservationCommand(s, [{ variantId: s.variantIds[0]!, quantity: 1 }]);
    await h.requestReservation(single);
    const [one] = await h.replies(single.groupId);
    expect(one!.payload.reservations).toHaveLength(1);
  });

  it('reserves nothing when one line is short, and answers rejected with what was short', async () => {
    const s = await h.sagaSupplier({ variants: 2, stock: [4] });
    const cmd = h.reservationCommand(s, [
      { variantId: s.variantIds[0]!, quantity: 2 },
      { variantId: s.variantIds[1]!, quantity: 5 },
    ]);
    await h.requestReservation(cmd);
    const replies = await h.replies(cmd.groupId);
    expect(replies.map((r) => r.type)).toEqual(['supplier.fulfillment.rejected']);
    expect(replies[0]!.payload).toEqual({
      orderId: cmd.orderId,
      groupId: cmd.groupId,
      supplierId: s.supplierId,
      reason: 'OUT_OF_STOCK',
      lines: [
        { orderLineId: cmd.lines[1]!.orderLineId, variantId: s.variantIds[1], requested: 5, available: 4 },
      ],
    });
    expect(await h.sql('select count(*) n from reservations', [], s.supplierId)).toEqual([{ n: 0 }]);
    for (const v of s.variantIds) expect((await levels(s.supplierId, v))[0]).toMatchObject({ reserved: 0 });
    const [group] = await h.sql(
      'select status, reservation_status from fulfillment_groups where id = ?',
      [cmd.groupId],
      s.supplierId,
    );
    expect(group).toEqual({ status: 'CANCELLED', reservation_status: 'REJECTED' });
  });

  it('lines of one variant share its stock', async () => {
    const s = await h.sagaSupplier({ stock: [5] });
    const cmd = h.reservationCommand(s, [
      { variantId: s.variantIds[0]!, quantity: 3 },
      { variantId: s.variantIds[0]!, quantity: 3 },
    ]);
    await h.requestReservation(cmd);
    const [reply] = await h.replies(cmd.groupId);
    expect(reply!.type).toBe('supplier.fulfillment.rejected');
    expect(reply!.payload.lines).toEqual([
      { orderLineId: cmd.lines[1]!.orderLineId, variantId: s.variantIds[0], requested: 3, available: 2 },
    ]);
  });

  it('rejects a variant the supplier does not offer (NOT_OFFERED), an unknown supplier and a malformed command', async () => {
    const s = await h.sagaSupplier({ stock: [5] });
    const { variantIds } = await h.product(s.brandId);
    const cmd = h.reservationCommand(s, [
      { variantId: s.variantIds[0]!, quantity: 1 },
      { variantId: variantIds[0]!, quantity: 1 },
    ]);
    await h.requestReservation(cmd);
    const [reply] = await h.replies(cmd.groupId);
    expect(reply!.payload).toMatchObject({ reason: 'NOT_OFFERED', lines: [{ variantId: variantIds[0] }] });

    const nobody = h.reservationCommand({ supplierId: h.orgId(), brandId: s.brandId }, [
      { variantId: s.variantIds[0]!, quantity: 1 },
    ]);
    await h.requestReservation(nobody);
    const [none] = await h.replies(nobody.groupId);
    expect(none!.payload).toMatchObject({ reason: 'OUT_OF_STOCK', lines: [{ requested: 1, available: 0 }] });

    const bad = h.reservationCommand(s, [{ variantId: s.variantIds[0]!, quantity: 0 }]);
    await h.requestReservation(bad);
    const [invalid] = await h.replies(bad.groupId);
    expect(invalid!.payload).toMatchObject({ reason: 'INVALID' });
    expect((await levels(s.supplierId, s.variantIds[0]!))[0]).toMatchObject({ reserved: 0 });
  });

  it('a redelivered command is applied once; a repeated command reserves nothing again and repeats the answer', async () => {
    const s = await h.sagaSupplier({ stock: [10] });
    const cmd = h.reservationCommand(s, [{ variantId: s.variantIds[0]!, quantity: 4 }]);
    const envelope = createEnvelope({ source: 'orders' }, 'orders.reservation.requested', {
      aggregateId: cmd.groupId,
      orgId: null,
      payload: cmd,
    });
    // the same event twice (a redelivery), then the same command again as a new event (orders re-deriving it)
    await h.service.bus.producer.send([envelope]);
    await h.service.bus.producer.send([envelope]);
    await h.processed(envelope.id);
    await h.requestReservation(cmd);

    const replies = await h.replies(cmd.groupId);
    expect(replies.map((r) => r.type)).toEqual([
      'supplier.fulfillment.reserved',
      'supplier.fulfillment.reserved',
    ]);
    expect(replies[1]!.payload).toEqual(replies[0]!.payload);
    expect(await groupReservations(s.supplierId, cmd.groupId)).toHaveLength(1);
    expect((await levels(s.supplierId, s.variantIds[0]!))[0]).toMatchObject({ reserved: 4 });
    expect(await h.sql('select count(*) n from processed_events where event_id = ?', [envelope.id])).toEqual([
      { n: 1 },
    ]);
  });

  it('concurrent commands for the last units never oversell', async () => {
    const s = await h.sagaSupplier({ stock: [10] });
    const variantId = s.variantIds[0]!;
    const commands = Array.from({ length: 8 }, () => h.reservationCommand(s, [{ variantId, quantity: 3 }]));
    // through the bus (the consumer's partitions run in parallel) …
    const envelopes = await Promise.all(
      commands.slice(0, 4).map((cmd) =>
        h.emit('orders.reservation.requested', cmd, {
          aggregateId: cmd.groupId,
          orgId: null,
          source: 'orders',
        }),
      ),
    );
    // … and straight into the handler, racing them
    await Promise.all([
      ...envelopes.map((e) => h.processed(e.id)),
      ...commands.slice(4).map((cmd) => onReservationRequested(h.service.kernel, h.service.services, cmd)),
    ]);
    const answers = await Promise.all(commands.map(async (cmd) => (await h.replies(cmd.groupId))[0]!));
    const reserved = answers.filter((a) => a.type === 'supplier.fulfillment.reserved');
    expect(reserved).toHaveLength(3);
    expect(answers.filter((a) => a.type === 'supplier.fulfillment.rejected')).toHaveLength(5);
    for (const a of answers.filter((x) => x.type === 'supplier.fulfillment.rejected'))
      expect(a.payload.lines[0]).toMatchObject({ requested: 3, available: 1 });
    expect(await levels(s.supplierId, variantId)).toEqual([
      { warehouse_id: s.warehouseIds[0], on_hand: 10, reserved: 9 },
    ]);
    const [active] = await h.sql(
      "select count(*) n, sum(quantity) q from reservations where status = 'ACTIVE'",
      [],
      s.supplierId,
    );
    expect(active).toEqual({ n: 3, q: '9' });
    const [summary] = await h.sql(
      'select total_available t from stock_summary where supplier_id = ? and variant_id = ?',
      [s.supplierId, variantId],
    );
    expect(summary).toEqual({ t: 1 });
  });
});

describe('orders.reservation.release-requested', () => {
  it('releases what the group holds, idempotently, and answers released each time', async () => {
    const s = await h.sagaSupplier({ variants: 2, stock: [10] });
    const cmd = h.reservationCommand(s, [
      { variantId: s.variantIds[0]!, quantity: 2 },
      { variantId: s.variantIds[1]!, quantity: 3 },
    ]);
    await h.requestReservation(cmd);
    await h.requestRelease(cmd);
    await h.requestRelease(cmd);

    expect((await h.replies(cmd.groupId)).map((r) => r.type)).toEqual([
      'supplier.fulfillment.reserved',
      'supplier.fulfillment.released',
      'supplier.fulfillment.released',
    ]);
    const released = (await h.replies(cmd.groupId))[1]!.payload;
    expect(released).toEqual({ orderId: cmd.orderId, groupId: cmd.groupId, supplierId: s.supplierId });
    expect((await groupReservations(s.supplierId, cmd.groupId)).map((r) => r.status)).toEqual([
      'RELEASED',
      'RELEASED',
    ]);
    for (const v of s.variantIds)
      expect((await levels(s.supplierId, v))[0]).toMatchObject({ on_hand: 10, reserved: 0 });
    const moves = await h.sql(
      "select count(*) n from stock_movements where type = 'RELEASED'",
      [],
      s.supplierId,
    );
    expect(moves).toEqual([{ n: 2 }]);
  });

  it('answers released for a group never reserved, which then can no longer be reserved', async () => {
    const s = await h.sagaSupplier({ stock: [10] });
    const cmd = h.reservationCommand(s, [{ variantId: s.variantIds[0]!, quantity: 2 }]);
    await h.requestRelease(cmd);
    // the saga gave up before the command arrived (e.g. a slow supplier): nothing is held for it
    await h.requestReservation(cmd);
    expect((await h.replies(cmd.groupId)).map((r) => r.type)).toEqual([
      'supplier.fulfillment.released',
      'supplier.fulfillment.released',
    ]);
    expect(await h.sql('select count(*) n from reservations', [], s.supplierId)).toEqual([{ n: 0 }]);

    const stranger = h.reservationCommand({ supplierId: h.orgId(), brandId: s.brandId }, [
      { variantId: s.variantIds[0]!, quantity: 1 },
    ]);
    await h.requestRelease(stranger);
    expect((await h.replies(stranger.groupId)).map((r) => r.type)).toEqual(['supplier.fulfillment.released']);
  });
});
