import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { member, orgId } from '@tradegraph/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sweepDeadlines } from '../src/domain/saga-runner.ts';
import {
  CANCEL,
  CHECKOUT,
  checkoutInput,
  ORDER,
  type OrdersHarness,
  REFUND,
  reply,
  reservationRequests,
  sagaOf,
  seedScenario,
  startOrders,
} from './harness.ts';

let h: OrdersHarness;
beforeAll(async () => {
  h = await startOrders();
});
afterAll(() => h?.stop());

async function placeOrder(suppliers = 1, paymentToken = 'tok_visa') {
  const ids = Array.from({ length: suppliers }, () => orgId());
  const s = await seedScenario(h, {
    lines: ids.map((id, i) => ({
      priceMinor: 2000,
      quantity: 2,
      title: `Item ${i}`,
      suppliers: [{ id, wholesaleMinor: 1000, stock: 10 }],
    })),
  });
  const res = await h.call(CHECKOUT, { input: checkoutInput(s.cartId, undefined, paymentToken) });
  const { order, orderAccessToken } = res.data.checkout;
  const groups = await reservationRequests(h, order.id);
  return { s, orderId: order.id as string, token: orderAccessToken as string, groups };
}

const statuses = async (orderId: string) =>
  (await h.outbox('orders.order.status-changed', orderId)).map((e) => e.payload.status);
const commands = async (type: Parameters<OrdersHarness['outbox']>[0], orderId: string) =>
  (await h.outbox(type)).filter((e) => e.payload.orderId === orderId);

describe('the order saga', () => {
  it('happy path: reserved → authorised → CONFIRMED → captured → shipped → DELIVERED, one event per status', async () => {
    const { s, orderId, groups } = await placeOrder(2);
    await reply.reserved(h, orderId, groups[0]!);
    expect(await sagaOf(h, orderId)).toMatchObject({ status: 'PENDING', step: 'RESERVING' });
    await reply.reserved(h, orderId, groups[1]!);
    expect(await sagaOf(h, orderId)).toMatchObject({
      status: 'STOCK_RESERVED',
      step: 'AUTHORIZING',
      payment_status: 'REQUESTED',
    });
    const [auth] = await commands('orders.payment.authorization-requested', orderId);
    expect(auth?.payload).toMatchObject({
      amountMinor: '8000',
      currencyCode: 'EUR',
      paymentToken: 'tok_visa',
      retailerId: s.retailerId,
    });
    expect(auth?.payload.split).toHaveLength(2);
    expect(auth?.payload.split[0]).toMatchObject({ amountMinor: '4000', wholesaleMinor: '2000' });

    await reply.payment(h, orderId, 'authorized');
    expect(await sagaOf(h, orderId)).toMatchObject({ status: 'CONFIRMED', step: 'CAPTURING' });
    expect(await commands('orders.payment.capture-requested', orderId)).toHaveLength(1);
    await reply.payment(h, orderId, 'captured');
    expect(await sagaOf(h, orderId)).toMatchObject({
      status: 'CONFIRMED',
      step: 'FULFILLING',
      payment_status: 'CAPTURED',
    });

    await reply.shipment(h, orderId, groups[0]!, 'SHIPPED', 'shp_1');
    expect((await sagaOf(h, orderId)).status).toBe('PARTIALLY_SHIPPED');
    await reply.shipment(h, orderId, groups[1]!, 'SHIPPED', 'shp_2');
    expect((await sagaOf(h, orderId)).status).toBe('SHIPPED');
    await reply.shipment(h, orderId, groups[0]!, 'DELIVERED', 'shp_1');
    expect((await sagaOf(h, orderId)).status).toBe('SHIPPED');
    await reply.shipment(h, orderId, groups[1]!, 'DELIVERED', 'shp_2');
    expect(await sagaOf(h, orderId)).toMatchObject({ status: 'DELIVERED', step: 'COMPLETED' });

    const expected = [
      'PENDING',
      'STOCK_RESERVED',
      'PAYMENT_AUTHORIZED',
      'CONFIRMED',
      'PARTIALLY_SHIPPED',
      'SHIPPED',
      'DELIVERED',
    ];
    expect(await statuses(orderId)).toEqual(expected);
    const read = await h.call(ORDER, { id: orderId }, member(s.retailerId, 'RETAILER'));
    expect(read.data.order.statusHistory.map((x: { status: string }) => x.status)).toEqual(expected);
    expect(read.data.order.lines.map((l: { deliveredQuantity: number }) => l.deliveredQuantity)).toEqual([
      2, 2,
    ]);
  });

  it('a rejected reservation fails the order with the reason and releases the other groups', async () => {
    const { orderId, groups } = await placeOrder(2);
    const name = 'Harbor Supply Co.';
    await h.deliver(
      'identity.organization.created',
      {
        organizationId: groups[1]!.supplierId,
        name,
        kind: 'SUPPLIER',
        slug: 'harbor',
        createdByUserId: null,
      },
      { aggregateId: groups[1]!.supplierId, orgId: groups[1]!.supplierId },
    );
    await reply.reserved(h, orderId, groups[0]!);
    await reply.rejected(h, orderId, groups[1]!, 1);
    expect(await sagaOf(h, orderId)).toMatchObject({
      status: 'FAILED',
      step: 'COMPENSATING',
      status_reason: `${name} has only 1 of Item 1`,
    });
    const releases = await commands('orders.reservation.release-requested', orderId);
    expect(releases.map((e) => e.payload.groupId)).toEqual([groups[0]!.groupId]);
    expect(await commands('orders.payment.authorization-requested', orderId)).toEqual([]);
    // a late reservation reply changes nothing; the release reply completes the compensation
    await reply.reserved(h, orderId, groups[1]!);
    await reply.released(h, orderId, groups[0]!);
    expect((await sagaOf(h, orderId)).step).toBe('COMPENSATED');
    expect(await statuses(orderId)).toEqual(['PENDING', 'FAILED']);
  });

  it('a failed payment releases every group and voids, then ends FAILED with the reason', async () => {
    const { orderId, groups } = await placeOrder(1, 'tok_chargeDeclined');
    await reply.reserved(h, orderId, groups[0]!);
    await reply.payment(h, orderId, 'failed', 'Your card was declined');
    expect(await sagaOf(h, orderId)).toMatchObject({
      status: 'FAILED',
      status_reason: 'Your card was declined',
      step: 'COMPENSATING',
    });
    expect(await commands('orders.reservation.release-requested', orderId)).toHaveLength(1);
    expect(await commands('orders.payment.void-requested', orderId)).toHaveLength(1);
    await reply.released(h, orderId, groups[0]!);
    expect((await sagaOf(h, orderId)).step).toBe('COMPENSATED');
  });

  it('a supplier that does not answer by the deadline is compensated by the sweeper', async () => {
    const { orderId, groups } = await placeOrder(2);
    await reply.reserved(h, orderId, groups[0]!);
    await h.sql('update order_sagas set deadline = ? where order_id = ?', [
      new Date(Date.now() - 1000),
      orderId,
    ]);
    expect(await sweepDeadlines(h.service.kernel, h.service.services)).toBeGreaterThanOrEqual(1);
    const saga = await sagaOf(h, orderId);
    expect(saga).toMatchObject({ status: 'FAILED', step: 'COMPENSATING' });
    expect(saga.status_reason).toBe(`Supplier ${groups[1]!.supplierId} did not answer in time`);
    expect(
      (await commands('orders.reservation.release-requested', orderId)).map((e) => e.payload.groupId).sort(),
    ).toEqual(groups.map((g) => g.groupId).sort());
    // the late answer is ignored; a second sweep has nothing to do
    await reply.reserved(h, orderId, groups[1]!);
    expect((await sagaOf(h, orderId)).status).toBe('FAILED');
    expect(await statuses(orderId)).toEqual(['PENDING', 'FAILED']);
  });

  it('a payment that does not answer in time is voided and the order fails', async () => {
    const { orderId, groups } = await placeOrder(1);
    await reply.reserved(h, orderId, groups[0]!);
    await h.sql('update order_sagas set deadline = ? where order_id = ?', [
      new Date(Date.now() - 1000),
      orderId,
    ]);
    await sweepDeadlines(h.service.kernel, h.service.services);
    expect(await sagaOf(h, orderId)).toMatchObject({
      status: 'FAILED',
      status_reason: 'The payment timed out',
    });
    expect(await commands('orders.payment.void-requested', orderId)).toHaveLength(1);
    // an authorisation arriving late is not applied (the void already asked covers it)
    await reply.payment(h, orderId, 'authorized');
    expect((await sagaOf(h, orderId)).status).toBe('FAILED');
    await reply.released(h, orderId, groups[0]!);
    await reply.payment(h, orderId, 'voided');
    expect((await sagaOf(h, orderId)).step).toBe('COMPENSATED');
  });

  it('duplicate and reordered replies apply once', async () => {
    const { orderId, groups } = await placeOrder(1);
    const first = await reply.reserved(h, orderId, groups[0]!);
    // the very same envelope again (redelivery): deduplicated by processed_events
    await h.service.bus.producer.send([first]);
    // the same reply with a new id: ignored by the saga's step
    await reply.reserved(h, orderId, groups[0]!);
    expect(await commands('orders.payment.authorization-requested', orderId)).toHaveLength(1);
    // a capture before the authorisation is ignored; duplicate authorisations capture once
    await reply.payment(h, orderId, 'captured');
    expect((await sagaOf(h, orderId)).step).toBe('AUTHORIZING');
    await reply.payment(h, orderId, 'authorized');
    await reply.payment(h, orderId, 'authorized');
    expect(await commands('orders.payment.capture-requested', orderId)).toHaveLength(1);
    // an old shipment state after a newer one does not move the order back
    await reply.payment(h, orderId, 'captured');
    await reply.shipment(h, orderId, groups[0]!, 'DELIVERED', 'shp_x', new Date());
    await reply.shipment(h, orderId, groups[0]!, 'SHIPPED', 'shp_x', new Date(Date.now() - 60_000));
    expect(await sagaOf(h, orderId)).toMatchObject({ status: 'DELIVERED', step: 'COMPLETED' });
    expect(await statuses(orderId)).toEqual([
      'PENDING',
      'STOCK_RESERVED',
      'PAYMENT_AUTHORIZED',
      'CONFIRMED',
      'DELIVERED',
    ]);
    const log = await h.sql('select note from saga_log where order_id = ? and direction = ?', [
      orderId,
      'IN',
    ]);
    expect(log.filter((r) => String(r.note).startsWith('ignored')).length).toBeGreaterThanOrEqual(3);
  });
});

describe('cancelOrder and refundOrder', () => {
  it('a guest cancels with the access token before shipping: released, voided, CANCELLED', async () => {
    const { orderId, token, groups } = await placeOrder(1);
    await reply.reserved(h, orderId, groups[0]!);
    const stranger = await h.call(CANCEL, { input: { orderId, reason: 'Changed my mind' } });
    expect(stranger.data.cancelOrder.userErrors[0].code).toBe('NOT_FOUND');
    const res = await h.call(CANCEL, { input: { orderId, reason: 'Changed my mind', accessToken: token } });
    expect(res.data.cancelOrder).toEqual({
      order: { id: orderId, status: 'CANCELLED', statusReason: 'Changed my mind' },
      userErrors: [],
    });
    expect(await commands('orders.reservation.release-requested', orderId)).toHaveLength(1);
    expect(await commands('orders.payment.void-requested', orderId)).toHaveLength(1);
    const read = await h.call(ORDER, { id: orderId, token });
    expect(read.data.order.statusHistory.at(-1)).toMatchObject({
      status: 'CANCELLED',
      actor: { kind: 'GUEST' },
      reason: 'Changed my mind',
    });
    const again = await h.call(CANCEL, { input: { orderId, reason: 'again', accessToken: token } });
    expect(again.data.cancelOrder.userErrors[0].code).toBe('NOT_CANCELLABLE');
  });

  it('nothing can be cancelled once shipped; the retailer refunds lines, then the rest', async () => {
    const { s, orderId, groups } = await placeOrder(1);
    await reply.reserved(h, orderId, groups[0]!);
    await reply.payment(h, orderId, 'authorized');
    await reply.payment(h, orderId, 'captured');
    await reply.shipment(h, orderId, groups[0]!, 'SHIPPED', 'shp_r');
    const retailer = member(s.retailerId, 'RETAILER');
    const cancel = await h.call(CANCEL, { input: { orderId, reason: 'late' } }, retailer);
    expect(cancel.data.cancelOrder.userErrors[0].code).toBe('NOT_CANCELLABLE');
    const lineId = groups[0]!.lines[0]!.orderLineId;
    const input = {
      orderId,
      lines: [{ orderLineId: lineId, quantity: 1 }],
      reason: 'Broken',
      idempotencyKey: 'rf-1',
    };
    const part = await h.call(REFUND, { input }, retailer);
    expect(part.data.refundOrder.refund).toMatchObject({ amount: { amount: '20.00' }, status: 'REQUESTED' });
    const same = await h.call(REFUND, { input }, retailer);
    expect(same.data.refundOrder.refund.id).toBe(part.data.refundOrder.refund.id);
    const other = await h.call(REFUND, { input }, member(orgId(), 'RETAILER'));
    expect(other.data.refundOrder.userErrors[0].code).toBe('NOT_FOUND');
    const [req] = await commands('orders.refund.requested', orderId);
    await h.deliver(
      'payments.refund.issued',
      {
        orderId,
        paymentId: req!.payload.paymentId,
        refundId: req!.payload.refundId,
        amountMinor: '2000',
        currencyCode: 'EUR',
      },
      { aggregateId: orderId, orgId: null },
    );
    expect((await sagaOf(h, orderId)).status).toBe('PARTIALLY_REFUNDED');
    const rest = await h.call(
      REFUND,
      { input: { orderId, reason: 'All of it', idempotencyKey: 'rf-2' } },
      retailer,
    );
    expect(rest.data.refundOrder.refund.amount.amount).toBe('20.00');
    const reqs = await commands('orders.refund.requested', orderId);
    await h.deliver(
      'payments.refund.issued',
      {
        orderId,
        paymentId: reqs[1]!.payload.paymentId,
        refundId: reqs[1]!.payload.refundId,
        amountMinor: '2000',
        currencyCode: 'EUR',
      },
      { aggregateId: orderId, orgId: null },
    );
    expect((await sagaOf(h, orderId)).status).toBe('REFUNDED');
    const more = await h.call(REFUND, { input: { orderId, reason: 'x', idempotencyKey: 'rf-3' } }, retailer);
    expect(more.data.refundOrder.userErrors[0].code).toBe('NOT_REFUNDABLE');
  });
});
