import type { OrderStatus } from '@tradegraph/contracts';
import { newId, tenantKeyOf } from '@tradegraph/shared';
import {
  ADDRESS,
  errorCode,
  member,
  orgId,
  startHarness as startServiceHarness,
  waitFor,
} from '@tradegraph/testing';
import { start } from '../src/service.ts';

/**
 * Supplier's test harness on @tradegraph/testing: the supplier service on
 * fresh databases, plus what only supplier tests need: identity's partner
 * connections and catalog's products, simulated by their events.
 */
export async function startHarness(env: Record<string, string> = {}) {
  const h = await startServiceHarness({ name: 'supplier', start, env });

  const connections = new Map<string, string>();
  /** Simulates identity: a connection between a supplier and a brand or retailer reaching `status`. */
  const connect = async (
    supplierId: string,
    partnerId: string,
    partnerKind: 'BRAND' | 'RETAILER',
    opts: { scopes?: string[]; status?: 'ACTIVE' | 'REVOKED' | 'PENDING' } = {},
  ) => {
    const pair = `${supplierId}|${partnerId}`;
    const connectionId = connections.get(pair) ?? newId('con');
    connections.set(pair, connectionId);
    const status = opts.status ?? 'ACTIVE';
    const scopes =
      opts.scopes ?? (partnerKind === 'BRAND' ? ['CATALOG_READ', 'FULFILL_ORDERS'] : ['FULFILL_ORDERS']);
    const payload = {
      connectionId,
      requesterId: partnerId,
      requesterKind: partnerKind,
      partnerId: supplierId,
      partnerKind: 'SUPPLIER' as const,
      scopes,
      status,
    };
    const meta = { aggregateId: connectionId, orgId: partnerId, source: 'identity' };
    if (status === 'ACTIVE') await h.deliver('identity.connection.accepted', payload, meta);
    else if (status === 'PENDING') await h.deliver('identity.connection.requested', payload, meta);
    else {
      await h.deliver(
        'identity.connection.revoked',
        { ...payload, revokedByOrganizationId: partnerId },
        meta,
      );
      // identity opens a new connection after a revocation
      connections.delete(pair);
    }
    return connectionId;
  };

  /** Simulates catalog: a product of `brandId` with `count` variants in `status`. */
  const product = async (
    brandId: string,
    opts: {
      count?: number;
      status?: 'ACTIVE' | 'DRAFT' | 'ARCHIVED';
      productId?: string;
      variantIds?: string[];
    } = {},
  ) => {
    const brandKey = tenantKeyOf(brandId);
    const productId = opts.productId ?? newId('prd', brandKey);
    const variantIds =
      opts.variantIds ?? Array.from({ length: opts.count ?? 1 }, () => newId('var', brandKey));
    const status = opts.status ?? 'ACTIVE';
    await h.deliver(
      'catalog.product.changed',
      {
        productId,
        brandId,
        name: `Product ${productId.slice(-6)}`,
        status,
        variants: variantIds.map((variantId, i) => ({
          variantId,
          sku: `SKU-${variantId.slice(-8)}-${i}`,
          gtin: null,
          options: [],
          msrpMinor: '1999',
          currencyCode: 'EUR',
        })),
      },
      { aggregateId: productId, orgId: brandId, source: 'catalog' },
    );
    return { productId, variantIds };
  };

  const me = (supplierId: string) => member(supplierId, 'SUPPLIER');

  /** A warehouse of the supplier, through the API. */
  const warehouse = async (supplierId: string, name = 'Main') => {
    const res = await h.call(
      `mutation($i: CreateWarehouseInput!) { createWarehouse(input: $i) { warehouse { id } } }`,
      { i: { name, address: ADDRESS } },
      me(supplierId),
    );
    return res.data?.createWarehouse.warehouse.id as string;
  };

  /** Books `quantity` of a variant into a warehouse, through the API. */
  const receive = async (supplierId: string, warehouseId: string, variantId: string, quantity: number) => {
    const res = await h.call(
      `mutation($i: ReceiveStockInput!) { receiveStock(input: $i) { receipt { id } userErrors { code message } } }`,
      { i: { warehouseId, reference: `R-${newId('rcp')}`, lines: [{ variantId, quantity }] } },
      me(supplierId),
    );
    if (res.errors || res.data?.receiveStock.userErrors.length)
      throw new Error(`receiveStock failed: ${JSON.stringify(res)}`);
  };

  /** An active offer of the supplier for the variant, through the API. */
  const offer = async (supplierId: string, variantId: string) => {
    const res = await h.call(
      `mutation($i: UpsertOfferInput!) { upsertOffer(input: $i) { offer { id } userErrors { code message } } }`,
      {
        i: {
          variantId,
          wholesalePrice: { amount: '10.00', currencyCode: 'EUR' },
          minimumOrderQuantity: 1,
          leadTimeDays: 2,
        },
      },
      me(supplierId),
    );
    if (res.errors || res.data?.upsertOffer.userErrors.length)
      throw new Error(`upsertOffer failed: ${JSON.stringify(res)}`);
  };

  /**
   * A supplier ready for the saga: connected to a brand that has `variants`
   * variants, one warehouse per entry of `stock` (units of every variant),
   * and an offer for each variant.
   */
  const sagaSupplier = async (opts: { variants?: number; stock?: number[] } = {}) => {
    const supplierId = orgId();
    const brandId = orgId();
    await connect(supplierId, brandId, 'BRAND');
    const { variantIds } = await product(brandId, { count: opts.variants ?? 1 });
    const warehouseIds: string[] = [];
    for (const [i, units] of (opts.stock ?? [10]).entries()) {
      const wh = await warehouse(supplierId, `Warehouse ${i}`);
      warehouseIds.push(wh);
      for (const v of variantIds) if (units > 0) await receive(supplierId, wh, v, units);
    }
    for (const v of variantIds) await offer(supplierId, v);
    return { supplierId, brandId, variantIds, warehouseIds };
  };

  /** Simulates orders: the reservation command for one group (lines: variant and quantity). */
  const reservationCommand = (
    s: { supplierId: string; brandId: string },
    lines: { variantId: string; quantity: number; orderLineId?: string }[],
    ids: { orderId?: string; groupId?: string } = {},
  ) => ({
    orderId: ids.orderId ?? newId('ord'),
    groupId: ids.groupId ?? newId('fgr'),
    supplierId: s.supplierId,
    retailerId: orgId(),
    lines: lines.map((l) => ({
      orderLineId: l.orderLineId ?? newId('oln'),
      variantId: l.variantId,
      brandId: s.brandId,
      quantity: l.quantity,
    })),
    deadline: new Date(Date.now() + 30_000).toISOString(),
  });
  type Command = ReturnType<typeof reservationCommand>;
  const ordersMeta = (aggregateId: string) => ({ aggregateId, orgId: null, source: 'orders' });

  /** Delivers a reservation command and waits until applied. */
  const requestReservation = (cmd: Command) =>
    h.deliver('orders.reservation.requested', cmd, ordersMeta(cmd.groupId));

  /** Delivers a release command for the command's group and waits until applied. */
  const requestRelease = (cmd: Pick<Command, 'orderId' | 'groupId' | 'supplierId'>) =>
    h.deliver(
      'orders.reservation.release-requested',
      { orderId: cmd.orderId, groupId: cmd.groupId, supplierId: cmd.supplierId, reason: 'test' },
      ordersMeta(cmd.groupId),
    );

  /** Delivers `orders.order.placed` for the command's group (one group, the command's lines). */
  const placeOrder = (cmd: Command) =>
    h.deliver(
      'orders.order.placed',
      {
        orderId: cmd.orderId,
        number: `TG-${cmd.orderId.slice(-6)}`,
        cartId: newId('crt'),
        retailerId: cmd.retailerId,
        storefrontId: newId('stf'),
        customerId: null,
        currencyCode: 'EUR',
        totalMinor: '10000',
        lines: cmd.lines.map((l) => ({
          ...l,
          listingId: newId('lst'),
          supplierId: cmd.supplierId,
          groupId: cmd.groupId,
          unitPriceMinor: '2000',
          wholesaleUnitMinor: '1000',
          title: 'Thing',
        })),
        groups: [
          {
            groupId: cmd.groupId,
            supplierId: cmd.supplierId,
            orderLineIds: cmd.lines.map((l) => l.orderLineId),
          },
        ],
        placedAt: new Date().toISOString(),
      },
      ordersMeta(cmd.orderId),
    );

  /** Delivers `orders.order.status-changed` for the command's order. */
  const orderStatus = (cmd: Command, status: OrderStatus, at = new Date()) =>
    h.deliver(
      'orders.order.status-changed',
      {
        orderId: cmd.orderId,
        number: `TG-${cmd.orderId.slice(-6)}`,
        retailerId: cmd.retailerId,
        customerId: null,
        brandIds: [...new Set(cmd.lines.map((l) => l.brandId))],
        supplierIds: [cmd.supplierId],
        previousStatus: null,
        status,
        reason: null,
        actor: { kind: 'SYSTEM', id: null },
        at: at.toISOString(),
      },
      ordersMeta(cmd.orderId),
    );

  /** The replies supplier wrote to its outbox for a group, oldest first. */
  const replies = async (groupId: string) => {
    const found = await h.sql(
      "select type, envelope from outbox where aggregate_id = ? and type like 'supplier.fulfillment.%' order by seq",
      [groupId],
    );
    return found.map((r) => {
      const e = typeof r.envelope === 'string' ? JSON.parse(r.envelope) : r.envelope;
      return { type: r.type as string, id: e.id as string, payload: e.payload };
    });
  };

  return {
    ...h,
    member,
    orgId,
    connect,
    product,
    warehouse,
    receive,
    offer,
    sagaSupplier,
    reservationCommand,
    requestReservation,
    requestRelease,
    placeOrder,
    orderStatus,
    replies,
  };
}

export type Harness = Awaited<ReturnType<typeof startHarness>>;

export { ADDRESS, errorCode, waitFor };
