import type { OrderActor, OrderStatus } from '@tradegraph/contracts';
import { dbDate, type EntityManager, placeholders, rows } from '@tradegraph/shared';

/** The order tables (service database); rows are parsed into typed records here. */

export type SagaStep =
  | 'RESERVING'
  | 'AUTHORIZING'
  | 'CAPTURING'
  | 'FULFILLING'
  | 'COMPLETED'
  | 'COMPENSATING'
  | 'COMPENSATED';
export type PaymentStatus = 'NONE' | 'REQUESTED' | 'CAPTURE_REQUESTED' | 'CAPTURED' | 'FAILED' | 'VOIDED';
export type ReservationStatus = 'REQUESTED' | 'RESERVED' | 'REJECTED' | 'RELEASE_REQUESTED' | 'RELEASED';

export interface OrderRecord {
  id: string;
  number: string;
  cartId: string;
  retailerId: string;
  storefrontId: string;
  customerId: string | null;
  email: string;
  accessTokenHash: string | null;
  shippingAddress: string;
  paymentId: string;
  paymentToken: string;
  idempotencyKey: string;
  currencyCode: string;
  totalMinor: number;
  status: OrderStatus;
  statusReason: string | null;
  createdAt: Date;
  updatedAt: Date;
}

export interface LineRecord {
  id: string;
  orderId: string;
  groupId: string;
  position: number;
  listingId: string;
  variantId: string;
  brandId: string;
  supplierId: string;
  title: string;
  quantity: number;
  unitPriceMinor: number;
  wholesaleUnitMinor: number;
  refundedQuantity: number;
}

export interface GroupRecord {
  id: string;
  orderId: string;
  supplierId: string;
  reservationStatus: ReservationStatus;
}

export interface SagaRecord {
  orderId: string;
  step: SagaStep;
  deadline: Date | null;
  paymentStatus: PaymentStatus;
  voidRequested: boolean;
  refundPending: boolean;
}

export interface ShipmentRecord {
  shipmentId: string;
  orderId: string;
  groupId: string;
  status: 'CREATED' | 'SHIPPED' | 'DELIVERED';
  lines: { orderLineId: string; quantity: number }[];
  eventAt: Date;
}

export interface HistoryRecord {
  orderId: string;
  status: OrderStatus;
  previousStatus: OrderStatus | null;
  at: Date;
  actor: OrderActor;
  reason: string | null;
}

export interface RefundRecord {
  id: string;
  orderId: string;
  idempotencyKey: string;
  amountMinor: number;
  lines: { orderLineId: string; quantity: number; amountMinor: string }[];
  status: 'REQUESTED' | 'ISSUED' | 'FAILED';
  reason: string;
  createdAt: Date;
}

const json = <T>(v: unknown): T => (typeof v === 'string' ? JSON.parse(v) : v) as T;
const lockOf = (lock: boolean) => (lock ? ' for update' : '');

/** The next human order number (an auto-increment sequence shared by every order). */
export async function nextOrderSeq(em: EntityManager): Promise<number> {
  const res = await em.execute<{ insertId: number }>('insert into order_numbers () values ()', [], 'run');
  return Number(res.insertId);
}

export async function insertOrder(em: EntityManager, o: OrderRecord): Promise<void> {
  await em.execute(
    `insert into orders (id, number, cart_id, retailer_id, storefront_id, customer_id, email, access_token_hash,
       shipping_address, payment_id, payment_token, idempotency_key, currency_code, total_minor, status, status_reason,
       created_at, updated_at)
     values (${placeholders(18)})`,
    [
      o.id,
      o.number,
      o.cartId,
      o.retailerId,
      o.storefrontId,
      o.customerId,
      o.email,
      o.accessTokenHash,
      o.shippingAddress,
      o.paymentId,
      o.paymentToken,
      o.idempotencyKey,
      o.currencyCode,
      o.totalMinor,
      o.status,
      o.statusReason,
      o.createdAt,
      o.updatedAt,
    ],
  );
}

export async function insertLines(em: EntityManager, lines: LineRecord[]): Promise<void> {
  if (!lines.length) return;
  await em.execute(
    `insert into order_lines (id, order_id, group_id, position, listing_id, variant_id, brand_id, supplier_id, title,
       quantity, unit_price_minor, wholesale_unit_minor, refunded_quantity)
     values ${lines.map(() => `(${placeholders(13)})`).join(', ')}`,
    lines.flatMap((l) => [
      l.id,
      l.orderId,
      l.groupId,
      l.position,
      l.listingId,
      l.variantId,
      l.brandId,
      l.supplierId,
      l.title,
      l.quantity,
      l.unitPriceMinor,
      l.wholesaleUnitMinor,
      l.refundedQuantity,
    ]),
  );
}

export async function insertGroups(em: EntityManager, groups: GroupRecord[], at: Date): Promise<void> {
  await em.execute(
    `insert into order_groups (id, order_id, supplier_id, reservation_status, updated_at)
     values ${groups.map(() => '(?, ?, ?, ?, ?)').join(', ')}`,
    groups.flatMap((g) => [g.id, g.orderId, g.supplierId, g.reservationStatus, at]),
  );
}

export async function insertSaga(em: EntityManager, s: SagaRecord, at: Date): Promise<void> {
  await em.execute(
    `insert into order_sagas (order_id, step, deadline, payment_status, void_requested, refund_pending, updated_at)
     values (?, ?, ?, ?, ?, ?, ?)`,
    [s.orderId, s.step, s.deadline, s.paymentStatus, s.voidRequested ? 1 : 0, s.refundPending ? 1 : 0, at],
  );
}

export async function updateSaga(em: EntityManager, s: SagaRecord, at: Date): Promise<void> {
  await em.execute(
    `update order_sagas set step = ?, deadline = ?, payment_status = ?, void_requested = ?, refund_pending = ?,
       updated_at = ? where order_id = ?`,
    [s.step, s.deadline, s.paymentStatus, s.voidRequested ? 1 : 0, s.refundPending ? 1 : 0, at, s.orderId],
  );
}

export async function updateGroupStatus(
  em: EntityManager,
  groupId: string,
  status: ReservationStatus,
  at: Date,
): Promise<void> {
  await em.execute('update order_groups set reservation_status = ?, updated_at = ? where id = ?', [
    status,
    at,
    groupId,
  ]);
}

export async function updateOrderStatus(
  em: EntityManager,
  orderId: string,
  status: OrderStatus,
  reason: string | null,
  at: Date,
): Promise<void> {
  await em.execute(
    'update orders set status = ?, status_reason = coalesce(?, status_reason), updated_at = ? where id = ?',
    [status, reason, at, orderId],
  );
}

export async function addRefundedQuantity(
  em: EntityManager,
  lineId: string,
  quantity: number,
): Promise<void> {
  await em.execute('update order_lines set refunded_quantity = refunded_quantity + ? where id = ?', [
    quantity,
    lineId,
  ]);
}

export async function insertHistory(em: EntityManager, h: HistoryRecord): Promise<void> {
  await em.execute(
    `insert into order_status_history (order_id, status, previous_status, at, actor_kind, actor_id, reason)
     values (?, ?, ?, ?, ?, ?, ?)`,
    [h.orderId, h.status, h.previousStatus, h.at, h.actor.kind, h.actor.id, h.reason],
  );
}

export async function insertSagaLog(
  em: EntityManager,
  e: {
    orderId: string;
    at: Date;
    direction: 'IN' | 'OUT' | 'NOTE';
    type: string;
    eventId: string | null;
    note?: string | null;
  },
): Promise<void> {
  await em.execute(
    'insert into saga_log (order_id, at, direction, event_type, event_id, note) values (?, ?, ?, ?, ?, ?)',
    [e.orderId, e.at, e.direction, e.type, e.eventId, e.note?.slice(0, 1000) ?? null],
  );
}

export async function insertIdempotencyKey(
  em: EntityManager,
  k: { key: string; retailerId: string; cartId: string; orderId: string; at: Date },
): Promise<void> {
  await em.execute(
    'insert into idempotency_keys (idempotency_key, retailer_id, cart_id, order_id, created_at) values (?, ?, ?, ?, ?)',
    [k.key, k.retailerId, k.cartId, k.orderId, k.at],
  );
}

/** The order an idempotency key made (a locking read: sees the latest committed row). */
export async function findIdempotencyKey(
  em: EntityManager,
  key: string,
  lock: boolean,
): Promise<{ cartId: string; orderId: string } | null> {
  const [r] = await rows<{ cart_id: string; order_id: string }>(
    em,
    `select cart_id, order_id from idempotency_keys where idempotency_key = ?${lock ? ' lock in share mode' : ''}`,
    [key],
  );
  return r ? { cartId: r.cart_id, orderId: r.order_id } : null;
}

/** Orders of the cart that still run or succeeded. */
export async function liveOrdersOfCart(em: EntityManager, cartId: string): Promise<string[]> {
  const found = await rows<{ id: string }>(
    em,
    `select id from orders where cart_id = ? and status not in ('FAILED', 'CANCELLED')`,
    [cartId],
  );
  return found.map((r) => r.id);
}

interface OrderRow {
  id: string;
  number: string;
  cart_id: string;
  retailer_id: string;
  storefront_id: string;
  customer_id: string | null;
  email: string;
  access_token_hash: string | null;
  shipping_address: unknown;
  payment_id: string;
  payment_token: string;
  idempotency_key: string;
  currency_code: string;
  total_minor: number | string;
  status: OrderStatus;
  status_reason: string | null;
  created_at: Date | string;
  updated_at: Date | string;
}

const toOrder = (r: OrderRow): OrderRecord => ({
  id: r.id,
  number: r.number,
  cartId: r.cart_id,
  retailerId: r.retailer_id,
  storefrontId: r.storefront_id,
  customerId: r.customer_id,
  email: r.email,
  accessTokenHash: r.access_token_hash,
  shippingAddress:
    typeof r.shipping_address === 'string' ? r.shipping_address : JSON.stringify(r.shipping_address),
  paymentId: r.payment_id,
  paymentToken: r.payment_token,
  idempotencyKey: r.idempotency_key,
  currencyCode: r.currency_code,
  totalMinor: Number(r.total_minor),
  status: r.status,
  statusReason: r.status_reason,
  createdAt: dbDate(r.created_at),
  updatedAt: dbDate(r.updated_at),
});

export async function findOrder(em: EntityManager, id: string, lock = false): Promise<OrderRecord | null> {
  const [r] = await rows<OrderRow>(em, `select * from orders where id = ?${lockOf(lock)}`, [id]);
  return r ? toOrder(r) : null;
}

export async function findOrders(em: EntityManager, ids: readonly string[]): Promise<OrderRecord[]> {
  if (!ids.length) return [];
  return (
    await rows<OrderRow>(em, `select * from orders where id in (${placeholders(ids.length)})`, [...ids])
  ).map(toOrder);
}

export async function findLines(em: EntityManager, orderIds: readonly string[]): Promise<LineRecord[]> {
  if (!orderIds.length) return [];
  const found = await rows<{
    id: string;
    order_id: string;
    group_id: string;
    position: number;
    listing_id: string;
    variant_id: string;
    brand_id: string;
    supplier_id: string;
    title: string;
    quantity: number;
    unit_price_minor: number | string;
    wholesale_unit_minor: number | string;
    refunded_quantity: number;
  }>(
    em,
    `select * from order_lines where order_id in (${placeholders(orderIds.length)}) order by order_id, position`,
    [...orderIds],
  );
  return found.map((r) => ({
    id: r.id,
    orderId: r.order_id,
    groupId: r.group_id,
    position: Number(r.position),
    listingId: r.listing_id,
    variantId: r.variant_id,
    brandId: r.brand_id,
    supplierId: r.supplier_id,
    title: r.title,
    quantity: Number(r.quantity),
    unitPriceMinor: Number(r.unit_price_minor),
    wholesaleUnitMinor: Number(r.wholesale_unit_minor),
    refundedQuantity: Number(r.refunded_quantity),
  }));
}

export async function findGroups(em: EntityManager, orderIds: readonly string[]): Promise<GroupRecord[]> {
  if (!orderIds.length) return [];
  const found = await rows<{
    id: string;
    order_id: string;
    supplier_id: string;
    reservation_status: ReservationStatus;
  }>(
    em,
    `select id, order_id, supplier_id, reservation_status from order_groups
     where order_id in (${placeholders(orderIds.length)}) order by order_id, id`,
    [...orderIds],
  );
  return found.map((r) => ({
    id: r.id,
    orderId: r.order_id,
    supplierId: r.supplier_id,
    reservationStatus: r.reservation_status,
  }));
}

export async function findSaga(em: EntityManager, orderId: string): Promise<SagaRecord | null> {
  const [r] = await rows<{
    order_id: string;
    step: SagaStep;
    deadline: Date | string | null;
    payment_status: PaymentStatus;
    void_requested: number;
    refund_pending: number;
  }>(em, 'select * from order_sagas where order_id = ?', [orderId]);
  return r
    ? {
        orderId: r.order_id,
        step: r.step,
        deadline: r.deadline === null ? null : dbDate(r.deadline),
        paymentStatus: r.payment_status,
        voidRequested: Number(r.void_requested) === 1,
        refundPending: Number(r.refund_pending) === 1,
      }
    : null;
}

/** Orders whose saga step has a deadline before `now` (the sweeper's work list). */
export async function overdueSagas(em: EntityManager, now: Date, limit: number): Promise<string[]> {
  const found = await rows<{ order_id: string }>(
    em,
    'select order_id from order_sagas where deadline is not null and deadline <= ? order by deadline limit ?',
    [now, limit],
  );
  return found.map((r) => r.order_id);
}

export async function findShipments(
  em: EntityManager,
  orderId: string,
  lock = true,
): Promise<ShipmentRecord[]> {
  const found = await rows<{
    shipment_id: string;
    order_id: string;
    group_id: string;
    status: ShipmentRecord['status'];
    shipment_lines: unknown;
    event_at: Date | string;
  }>(em, `select * from order_shipments where order_id = ?${lockOf(lock)}`, [orderId]);
  return found.map((r) => ({
    shipmentId: r.shipment_id,
    orderId: r.order_id,
    groupId: r.group_id,
    status: r.status,
    lines: json<ShipmentRecord['lines']>(r.shipment_lines),
    eventAt: dbDate(r.event_at),
  }));
}

export async function saveShipment(em: EntityManager, s: ShipmentRecord): Promise<void> {
  await em.execute(
    `insert into order_shipments (shipment_id, order_id, group_id, status, shipment_lines, event_at) values (?, ?, ?, ?, ?, ?)
     on duplicate key update status = values(status), shipment_lines = values(shipment_lines), event_at = values(event_at)`,
    [s.shipmentId, s.orderId, s.groupId, s.status, JSON.stringify(s.lines), s.eventAt],
  );
}

export async function findHistory(em: EntityManager, orderIds: readonly string[]): Promise<HistoryRecord[]> {
  if (!orderIds.length) return [];
  const found = await rows<{
    order_id: string;
    status: OrderStatus;
    previous_status: OrderStatus | null;
    at: Date | string;
    actor_kind: OrderActor['kind'];
    actor_id: string | null;
    reason: string | null;
  }>(
    em,
    `select * from order_status_history where order_id in (${placeholders(orderIds.length)}) order by order_id, id`,
    [...orderIds],
  );
  return found.map((r) => ({
    orderId: r.order_id,
    status: r.status,
    previousStatus: r.previous_status,
    at: dbDate(r.at),
    actor: { kind: r.actor_kind, id: r.actor_id },
    reason: r.reason,
  }));
}

export async function findSagaLog(em: EntityManager, orderId: string) {
  const found = await rows<{
    at: Date | string;
    direction: string;
    event_type: string;
    event_id: string | null;
    note: string | null;
  }>(em, 'select at, direction, event_type, event_id, note from saga_log where order_id = ? order by id', [
    orderId,
  ]);
  return found.map((r) => ({
    at: dbDate(r.at),
    direction: r.direction,
    type: r.event_type,
    eventId: r.event_id,
    note: r.note,
  }));
}

/** Who may list which orders: a page of ids, newest first, after the cursor key. */
export type ListScope =
  | { by: 'retailer'; id: string }
  | { by: 'customer'; id: string }
  | { by: 'supplier'; id: string }
  | { by: 'brand'; id: string };

function scopeWhere(scope: ListScope, status: OrderStatus | null) {
  const where: string[] = [];
  const params: unknown[] = [];
  if (scope.by === 'retailer') where.push('o.retailer_id = ?');
  else if (scope.by === 'customer') where.push('o.customer_id = ?');
  else if (scope.by === 'supplier')
    where.push('exists (select 1 from order_groups g where g.order_id = o.id and g.supplier_id = ?)');
  else where.push('exists (select 1 from order_lines l where l.order_id = o.id and l.brand_id = ?)');
  params.push(scope.id);
  if (status) {
    where.push('o.status = ?');
    params.push(status);
  }
  return { where, params };
}

export async function countOrders(
  em: EntityManager,
  scope: ListScope,
  status: OrderStatus | null,
): Promise<number> {
  const { where, params } = scopeWhere(scope, status);
  const [r] = await rows<{ n: number | string }>(
    em,
    `select count(*) as n from orders o where ${where.join(' and ')}`,
    params,
  );
  return Number(r?.n ?? 0);
}

export async function listOrders(
  em: EntityManager,
  scope: ListScope,
  status: OrderStatus | null,
  after: [string, string] | null,
  limit: number,
): Promise<OrderRecord[]> {
  const { where, params } = scopeWhere(scope, status);
  if (after) {
    where.push('(o.created_at < ? or (o.created_at = ? and o.id < ?))');
    params.push(dbDate(after[0]), dbDate(after[0]), after[1]);
  }
  const found = await rows<OrderRow>(
    em,
    `select o.* from orders o where ${where.join(' and ')} order by o.created_at desc, o.id desc limit ?`,
    [...params, limit],
  );
  return found.map(toOrder);
}

export async function insertRefund(em: EntityManager, r: RefundRecord): Promise<void> {
  await em.execute(
    `insert into order_refunds (id, order_id, idempotency_key, amount_minor, refund_lines, status, reason, created_at)
     values (?, ?, ?, ?, ?, ?, ?, ?)`,
    [
      r.id,
      r.orderId,
      r.idempotencyKey,
      r.amountMinor,
      JSON.stringify(r.lines),
      r.status,
      r.reason,
      r.createdAt,
    ],
  );
}

export async function updateRefundStatus(
  em: EntityManager,
  id: string,
  status: RefundRecord['status'],
): Promise<void> {
  await em.execute('update order_refunds set status = ? where id = ?', [status, id]);
}

export async function findRefunds(
  em: EntityManager,
  where: { orderId: string; idempotencyKey?: string; id?: string },
): Promise<RefundRecord[]> {
  const found = await rows<{
    id: string;
    order_id: string;
    idempotency_key: string;
    amount_minor: number | string;
    refund_lines: unknown;
    status: RefundRecord['status'];
    reason: string;
    created_at: Date | string;
  }>(
    em,
    `select * from order_refunds where order_id = ?${where.idempotencyKey ? ' and idempotency_key = ?' : ''}${where.id ? ' and id = ?' : ''}`,
    [where.orderId, ...(where.idempotencyKey ? [where.idempotencyKey] : []), ...(where.id ? [where.id] : [])],
  );
  return found.map((r) => ({
    id: r.id,
    orderId: r.order_id,
    idempotencyKey: r.idempotency_key,
    amountMinor: Number(r.amount_minor),
    lines: json<RefundRecord['lines']>(r.refund_lines),
    status: r.status,
    reason: r.reason,
    createdAt: dbDate(r.created_at),
  }));
}
