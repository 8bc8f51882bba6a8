import { CONNECTION_EVENT_TYPES } from '@tradegraph/contracts';
import type { Kernel } from '@tradegraph/shared';
import { type HandlerMap, handleEach } from '@tradegraph/shared/events';
import { applyOrganization } from '../domain/organizations.ts';
import {
  cartUpdate,
  connectionUpdate,
  listingPriceUpdate,
  offerUpdate,
  platformFeeUpdate,
  stockUpdate,
} from '../domain/projections.ts';
import { onRefundFailed, onRefundIssued, onRejected, onShipment } from '../domain/replies.ts';
import { runSaga } from '../domain/saga-runner.ts';
import type { OrdersServices } from '../services.ts';
import {
  findStamp,
  saveCart,
  saveConnection,
  saveListingPrice,
  saveOffer,
  savePlatformFee,
  saveStock,
} from '../store/projections.ts';
import { handlerPublisher } from './publish.ts';

/**
 * What the orders subgraph reacts to (consumer group `orders`). Each handler
 * runs in one transaction with the dedupe row (processed_events): projections
 * read their stored row locked, ask the decision in domain/projections.ts and
 * write its answer.
 */
export function ordersConsumers(_kernel: Kernel, services: OrdersServices): HandlerMap {
  const inOf = (e: { type: string; id: string }) => ({ incoming: { type: e.type, eventId: e.id } });
  const out = (em: Parameters<typeof handlerPublisher>[0], e: { requestId?: string }) =>
    handlerPublisher(em, e.requestId);
  return {
    // the saga's replies: each one unit of work on the order row (saga-runner.ts)
    'supplier.fulfillment.reserved': async (em, e) => {
      await runSaga(
        em,
        out(em, e),
        services,
        e.payload.orderId,
        { kind: 'reserved', groupId: e.payload.groupId },
        inOf(e),
      );
    },
    'supplier.fulfillment.rejected': async (em, e) => {
      await onRejected(em, out(em, e), services, e.payload, inOf(e).incoming);
    },
    'supplier.fulfillment.released': async (em, e) => {
      await runSaga(
        em,
        out(em, e),
        services,
        e.payload.orderId,
        { kind: 'released', groupId: e.payload.groupId },
        inOf(e),
      );
    },
    'supplier.shipment.changed': (em, e) => onShipment(em, out(em, e), services, e.payload, inOf(e).incoming),
    'payments.payment.authorized': async (em, e) => {
      await runSaga(em, out(em, e), services, e.payload.orderId, { kind: 'authorized' }, inOf(e));
    },
    'payments.payment.failed': async (em, e) => {
      const reason = e.payload.message || e.payload.reason;
      await runSaga(em, out(em, e), services, e.payload.orderId, { kind: 'payment-failed', reason }, inOf(e));
    },
    'payments.payment.captured': async (em, e) => {
      await runSaga(em, out(em, e), services, e.payload.orderId, { kind: 'captured' }, inOf(e));
    },
    'payments.payment.voided': async (em, e) => {
      await runSaga(em, out(em, e), services, e.payload.orderId, { kind: 'voided' }, inOf(e));
    },
    'payments.refund.issued': (em, e) =>
      onRefundIssued(em, out(em, e), services, e.payload, inOf(e).incoming),
    'payments.refund.failed': (em, e) =>
      onRefundFailed(em, e.payload.orderId, e.payload.refundId, e.payload.reason, inOf(e).incoming),
    // identity's organisation events carry its whole name: keep the latest (names suppliers in failure reasons).
    ...handleEach(['identity.organization.created', 'identity.organization.updated'], (em, e) =>
      applyOrganization(em, {
        id: e.payload.organizationId,
        name: e.payload.name,
        eventAt: new Date(e.occurredAt),
      }),
    ),
    ...handleEach(CONNECTION_EVENT_TYPES, async (em, e) => {
      const stored = await findStamp(em, 'fulfil_connections', { connection_id: e.payload.connectionId });
      const next = connectionUpdate(stored, e.payload, e.occurredAt);
      if (next) await saveConnection(em, next);
    }),
    'retailer.cart.changed': async (em, e) => {
      const stored = await findStamp(em, 'carts', { cart_id: e.payload.cartId });
      const next = cartUpdate(stored, e.payload, e.occurredAt);
      if (next) await saveCart(em, next);
    },
    'retailer.listing.changed': async (em, e) => {
      const stored = await findStamp(em, 'listing_prices', { listing_id: e.payload.listingId });
      const next = listingPriceUpdate(stored, e.payload, e.occurredAt);
      if (next) await saveListingPrice(em, next);
    },
    'supplier.offer.changed': async (em, e) => {
      const next = offerUpdate(
        await findStamp(em, 'offers', { offer_id: e.payload.offerId }),
        e.payload,
        e.occurredAt,
      );
      if (next) await saveOffer(em, next);
    },
    'supplier.stock.changed': async (em, e) => {
      const key = { supplier_id: e.payload.supplierId, variant_id: e.payload.variantId };
      const next = stockUpdate(await findStamp(em, 'stock_totals', key), e.payload, e.occurredAt);
      if (next) await saveStock(em, next);
    },
    // the retailer's plan fee, for checkout's PRICE_BELOW_COST (the fee payments' split takes)
    'platform.subscription.changed': async (em, e) => {
      const key = { organization_id: e.payload.organizationId };
      const next = platformFeeUpdate(await findStamp(em, 'platform_fees', key), e.payload, e.occurredAt);
      if (next) await savePlatformFee(em, next);
    },
  };
}
