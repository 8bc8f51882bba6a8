import type { FulfillmentRejectedPayload, OrderStatus } from '@tradegraph/contracts';
import { dbDate, type Page, placeholders, qualified, rows, type TenantInfo } from '@tradegraph/shared';
import { type SupplierContext, tenantOf } from '../services.ts';

/**
 * SQL of the supplier's side of the order saga, in the supplier's tenant
 * database: fulfilment groups routed to it, their lines and the saga
 * reservations behind them, the order status as last heard from orders, and
 * shipments. Rows become typed values here.
 */

const tenantTable = (ctx: SupplierContext, table: string) => qualified(tenantOf(ctx).dbName, table);
const serviceTable = (ctx: SupplierContext, table: string) => qualified(ctx.kernel.serviceDb, table);

/** Where the saga reservation of a group stands: asked once, then RESERVED or REJECTED, RELEASED at the end. */
export type SagaReservationStatus = 'NONE' | 'RESERVED' | 'REJECTED' | 'RELEASED';
export type FulfillmentGroupStatus =
  | 'PENDING'
  | 'CONFIRMED'
  | 'PARTIALLY_SHIPPED'
  | 'SHIPPED'
  | 'DELIVERED'
  | 'CANCELLED';
export type ShipmentStatus = 'CREATED' | 'SHIPPED' | 'DELIVERED';

export interface GroupRecord {
  id: string;
  orderId: string;
  orderNumber: string | null;
  retailerId: string | null;
  currencyCode: string | null;
  reservationStatus: SagaReservationStatus;
  /** The rejected reply, repeated when the command comes again. */
  rejection: FulfillmentRejectedPayload | null;
  status: FulfillmentGroupStatus;
  placedAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

export interface GroupLine {
  groupId: string;
  orderLineId: string;
  variantId: string;
  brandId: string;
  quantity: number;
  shippedQuantity: number;
}

export interface LineReservation {
  reservationId: string;
  groupId: string;
  orderLineId: string;
  warehouseId: string;
  quantity: number;
}

export interface ShipmentLine {
  shipmentId: string;
  orderLineId: string;
  quantity: number;
}

export interface ShipmentRecord {
  id: string;
  groupId: string;
  status: ShipmentStatus;
  carrier: string;
  trackingNumber: string;
  shippedAt: Date | null;
  deliveredAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

/** A group as the API shows it, with the supplier tenant it was read from (its children are read there too). */
export type GroupView = GroupRecord & { tenant: TenantInfo };
/** A shipment as the API shows it, with its supplier tenant. */
export type ShipmentView = ShipmentRecord & { tenant: TenantInfo };

/** The order's status as this supplier last heard it (`orders.order.status-changed`). */
export interface OrderStatusRecord {
  orderId: string;
  status: OrderStatus;
  reason: string | null;
  eventAt: Date;
}

// ---- groups ----

interface GroupRow {
  id: string;
  order_id: string;
  order_number: string | null;
  retailer_id: string | null;
  currency_code: string | null;
  reservation_status: SagaReservationStatus;
  rejection: string | FulfillmentRejectedPayload | null;
  status: FulfillmentGroupStatus;
  placed_at: Date | string | null;
  created_at: Date | string;
  updated_at: Date | string;
}

function toGroup(r: GroupRow): GroupRecord {
  return {
    id: r.id,
    orderId: r.order_id,
    orderNumber: r.order_number,
    retailerId: r.retailer_id,
    currencyCode: r.currency_code,
    reservationStatus: r.reservation_status,
    rejection: typeof r.rejection === 'string' ? JSON.parse(r.rejection) : r.rejection,
    status: r.status,
    placedAt: r.placed_at === null ? null : dbDate(r.placed_at),
    createdAt: dbDate(r.created_at),
    updatedAt: dbDate(r.updated_at),
  };
}

/** What orders told about a group; the command and the placed event each know part of it. */
export interface GroupFacts {
  id: string;
  orderId: string;
  retailerId?: string | null;
  orderNumber?: string | null;
  currencyCode?: string | null;
  placedAt?: Date | null;
}

/**
 * Makes sure the group's row exists (whichever of the placed event and the
 * reservation command comes first creates it; the other fills in what it
 * knows). Concurrent callers wait on the row's lock instead of failing.
 */
export async function ensureGroup(ctx: SupplierContext, g: GroupFacts): Promise<void> {
  const now = new Date();
  await ctx.em.execute(
    `insert into ${tenantTable(ctx, 'fulfillment_groups')}
       (id, order_id, order_number, retailer_id, currency_code, reservation_status, rejection, status, placed_at, created_at, updated_at)
     values (?, ?, ?, ?, ?, 'NONE', null, 'PENDING', ?, ?, ?)
     on duplicate key update
       order_number = coalesce(values(order_number), order_number),
       retailer_id = coalesce(values(retailer_id), retailer_id),
       currency_code = coalesce(values(currency_code), currency_code),
       placed_at = coalesce(values(placed_at), placed_at)`,
    [
      g.id,
      g.orderId,
      g.orderNumber ?? null,
      g.retailerId ?? null,
      g.currencyCode ?? null,
      g.placedAt ?? null,
      now,
      now,
    ],
    'run',
  );
}

/** The group, locked until the transaction ends (the saga's steps on one group run one after another). */
export async function lockGroup(ctx: SupplierContext, id: string): Promise<GroupRecord | null> {
  const [row] = await rows<GroupRow>(
    ctx.em,
    `select * from ${tenantTable(ctx, 'fulfillment_groups')} where id = ? for update`,
    [id],
  );
  return row ? toGroup(row) : null;
}

export async function findGroup(ctx: SupplierContext, id: string): Promise<GroupRecord | null> {
  const [row] = await rows<GroupRow>(
    ctx.em,
    `select * from ${tenantTable(ctx, 'fulfillment_groups')} where id = ?`,
    [id],
  );
  return row ? toGroup(row) : null;
}

export async function groupsByIds(ctx: SupplierContext, ids: string[]): Promise<GroupRecord[]> {
  if (!ids.length) return [];
  const found = await rows<GroupRow>(
    ctx.em,
    `select * from ${tenantTable(ctx, 'fulfillment_groups')} where id in (${placeholders(ids.length)})`,
    ids,
  );
  return found.map(toGroup);
}

/** Ids of this supplier's groups of an order, locked. */
export async function lockGroupsOfOrder(ctx: SupplierContext, orderId: string): Promise<GroupRecord[]> {
  const found = await rows<GroupRow>(
    ctx.em,
    `select * from ${tenantTable(ctx, 'fulfillment_groups')} where order_id = ? order by id for update`,
    [orderId],
  );
  return found.map(toGroup);
}

/** Sets the saga reservation of a group (its row is locked by the caller). */
export async function setReservationStatus(
  ctx: SupplierContext,
  id: string,
  status: SagaReservationStatus,
  rejection: FulfillmentRejectedPayload | null,
): Promise<void> {
  await ctx.em.execute(
    `update ${tenantTable(ctx, 'fulfillment_groups')} set reservation_status = ?, rejection = ?, updated_at = ? where id = ?`,
    [status, rejection ? JSON.stringify(rejection) : null, new Date(), id],
    'run',
  );
}

export async function setGroupStatus(
  ctx: SupplierContext,
  id: string,
  status: FulfillmentGroupStatus,
): Promise<void> {
  await ctx.em.execute(
    `update ${tenantTable(ctx, 'fulfillment_groups')} set status = ?, updated_at = ? where id = ? and status <> ?`,
    [status, new Date(), id, status],
    'run',
  );
}

export interface GroupFilter {
  status?: FulfillmentGroupStatus | null;
}

/** A page of the supplier's groups, newest order first (keyset on the group id). */
export async function listGroups(ctx: SupplierContext, filter: GroupFilter, page: Page<string>) {
  const where: string[] = [];
  const params: unknown[] = [];
  if (filter.status) {
    where.push('status = ?');
    params.push(filter.status);
  }
  const whereSql = (extra: string[]) => (extra.length ? `where ${extra.join(' and ')}` : '');
  const pageWhere = page.after ? [...where, 'id < ?'] : where;
  const found = await rows<GroupRow>(
    ctx.em,
    `select * from ${tenantTable(ctx, 'fulfillment_groups')} ${whereSql(pageWhere)} order by id desc limit ?`,
    [...params, ...(page.after ? [page.after] : []), page.limit],
  );
  return {
    rows: found.map(toGroup),
    count: async () => {
      const [c] = await rows<{ n: number | string }>(
        ctx.em,
        `select count(*) n from ${tenantTable(ctx, 'fulfillment_groups')} ${whereSql(where)}`,
        params,
      );
      return Number(c?.n ?? 0);
    },
  };
}

// ---- lines and their reservations ----

interface LineRow {
  group_id: string;
  order_line_id: string;
  variant_id: string;
  brand_id: string;
  quantity: number | string;
  shipped_quantity: number | string;
}

const toLine = (r: LineRow): GroupLine => ({
  groupId: r.group_id,
  orderLineId: r.order_line_id,
  variantId: r.variant_id,
  brandId: r.brand_id,
  quantity: Number(r.quantity),
  shippedQuantity: Number(r.shipped_quantity),
});

/** Records the group's lines once (orders never changes a placed line; a repeat is ignored). */
export async function ensureLines(
  ctx: SupplierContext,
  lines: Omit<GroupLine, 'shippedQuantity'>[],
): Promise<void> {
  if (!lines.length) return;
  await ctx.em.execute(
    `insert into ${tenantTable(ctx, 'fulfillment_group_lines')}
       (group_id, order_line_id, variant_id, brand_id, quantity, shipped_quantity)
     values ${lines.map(() => '(?, ?, ?, ?, ?, 0)').join(', ')}
     on duplicate key update group_id = group_id`,
    lines.flatMap((l) => [l.groupId, l.orderLineId, l.variantId, l.brandId, l.quantity]),
    'run',
  );
}

export async function linesOfGroups(ctx: SupplierContext, groupIds: string[]): Promise<GroupLine[]> {
  if (!groupIds.length) return [];
  const found = await rows<LineRow>(
    ctx.em,
    `select * from ${tenantTable(ctx, 'fulfillment_group_lines')}
      where group_id in (${placeholders(groupIds.length)}) order by group_id, order_line_id`,
    groupIds,
  );
  return found.map(toLine);
}

/** Adds shipped units to a line, never beyond its quantity: false when that would be exceeded. */
export async function addShipped(
  ctx: SupplierContext,
  groupId: string,
  orderLineId: string,
  quantity: number,
): Promise<boolean> {
  const res = await ctx.em.execute<{ affectedRows: number }>(
    `update ${tenantTable(ctx, 'fulfillment_group_lines')} set shipped_quantity = shipped_quantity + ?
      where group_id = ? and order_line_id = ? and shipped_quantity + ? <= quantity`,
    [quantity, groupId, orderLineId, quantity],
    'run',
  );
  return res.affectedRows === 1;
}

export async function insertLineReservations(ctx: SupplierContext, list: LineReservation[]): Promise<void> {
  if (!list.length) return;
  await ctx.em.execute(
    `insert into ${tenantTable(ctx, 'fulfillment_reservations')}
       (reservation_id, group_id, order_line_id, warehouse_id, quantity)
     values ${list.map(() => '(?, ?, ?, ?, ?)').join(', ')}`,
    list.flatMap((r) => [r.reservationId, r.groupId, r.orderLineId, r.warehouseId, r.quantity]),
    'run',
  );
}

export async function lineReservations(ctx: SupplierContext, groupId: string): Promise<LineReservation[]> {
  const found = await rows<{
    reservation_id: string;
    group_id: string;
    order_line_id: string;
    warehouse_id: string;
    quantity: number | string;
  }>(
    ctx.em,
    `select * from ${tenantTable(ctx, 'fulfillment_reservations')} where group_id = ? order by order_line_id, reservation_id`,
    [groupId],
  );
  return found.map((r) => ({
    reservationId: r.reservation_id,
    groupId: r.group_id,
    orderLineId: r.order_line_id,
    warehouseId: r.warehouse_id,
    quantity: Number(r.quantity),
  }));
}

// ---- the order's status ----

/** The order's status as last heard, locked. */
export async function lockOrderStatus(
  ctx: SupplierContext,
  orderId: string,
): Promise<OrderStatusRecord | null> {
  const [row] = await rows<{
    order_id: string;
    status: OrderStatus;
    reason: string | null;
    event_at: Date | string;
  }>(ctx.em, `select * from ${tenantTable(ctx, 'fulfillment_orders')} where order_id = ? for update`, [
    orderId,
  ]);
  return row
    ? { orderId: row.order_id, status: row.status, reason: row.reason, eventAt: dbDate(row.event_at) }
    : null;
}

export async function saveOrderStatus(ctx: SupplierContext, s: OrderStatusRecord): Promise<void> {
  await ctx.em.execute(
    `insert into ${tenantTable(ctx, 'fulfillment_orders')} (order_id, status, reason, event_at, updated_at)
     values (?, ?, ?, ?, ?)
     on duplicate key update status = values(status), reason = values(reason), event_at = values(event_at), updated_at = values(updated_at)`,
    [s.orderId, s.status, s.reason, s.eventAt, new Date()],
    'run',
  );
}

// ---- shipments ----

interface ShipmentRow {
  id: string;
  group_id: string;
  status: ShipmentStatus;
  carrier: string;
  tracking_number: string;
  shipped_at: Date | string | null;
  delivered_at: Date | string | null;
  created_at: Date | string;
  updated_at: Date | string;
}

const toShipment = (r: ShipmentRow): ShipmentRecord => ({
  id: r.id,
  groupId: r.group_id,
  status: r.status,
  carrier: r.carrier,
  trackingNumber: r.tracking_number,
  shippedAt: r.shipped_at === null ? null : dbDate(r.shipped_at),
  deliveredAt: r.delivered_at === null ? null : dbDate(r.delivered_at),
  createdAt: dbDate(r.created_at),
  updatedAt: dbDate(r.updated_at),
});

export async function insertShipment(
  ctx: SupplierContext,
  s: ShipmentRecord,
  lines: ShipmentLine[],
): Promise<void> {
  await ctx.em.execute(
    `insert into ${tenantTable(ctx, 'shipments')}
       (id, group_id, status, carrier, tracking_number, shipped_at, delivered_at, created_at, updated_at)
     values (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    [
      s.id,
      s.groupId,
      s.status,
      s.carrier,
      s.trackingNumber,
      s.shippedAt,
      s.deliveredAt,
      s.createdAt,
      s.updatedAt,
    ],
    'run',
  );
  await ctx.em.execute(
    `insert into ${tenantTable(ctx, 'shipment_lines')} (shipment_id, order_line_id, quantity)
     values ${lines.map(() => '(?, ?, ?)').join(', ')}`,
    lines.flatMap((l) => [l.shipmentId, l.orderLineId, l.quantity]),
    'run',
  );
}

export async function findShipment(ctx: SupplierContext, id: string): Promise<ShipmentRecord | null> {
  const [row] = await rows<ShipmentRow>(
    ctx.em,
    `select * from ${tenantTable(ctx, 'shipments')} where id = ?`,
    [id],
  );
  return row ? toShipment(row) : null;
}

/** Moves a shipment from `from` to `to`; false when a concurrent change moved it first. */
export async function moveShipment(
  ctx: SupplierContext,
  id: string,
  from: ShipmentStatus,
  to: ShipmentStatus,
  at: Date,
): Promise<boolean> {
  const column = to === 'SHIPPED' ? 'shipped_at' : 'delivered_at';
  const res = await ctx.em.execute<{ affectedRows: number }>(
    `update ${tenantTable(ctx, 'shipments')} set status = ?, ${column} = ?, updated_at = ? where id = ? and status = ?`,
    [to, at, at, id, from],
    'run',
  );
  return res.affectedRows === 1;
}

export async function shipmentsOfGroups(ctx: SupplierContext, groupIds: string[]): Promise<ShipmentRecord[]> {
  if (!groupIds.length) return [];
  const found = await rows<ShipmentRow>(
    ctx.em,
    `select * from ${tenantTable(ctx, 'shipments')} where group_id in (${placeholders(groupIds.length)}) order by group_id, id`,
    groupIds,
  );
  return found.map(toShipment);
}

export async function linesOfShipments(ctx: SupplierContext, shipmentIds: string[]): Promise<ShipmentLine[]> {
  if (!shipmentIds.length) return [];
  const found = await rows<{ shipment_id: string; order_line_id: string; quantity: number | string }>(
    ctx.em,
    `select * from ${tenantTable(ctx, 'shipment_lines')}
      where shipment_id in (${placeholders(shipmentIds.length)}) order by shipment_id, order_line_id`,
    shipmentIds,
  );
  return found.map((r) => ({
    shipmentId: r.shipment_id,
    orderLineId: r.order_line_id,
    quantity: Number(r.quantity),
  }));
}

// ---- what the saga checks before reserving ----

/** Variants of `variantIds` the supplier has an ACTIVE offer for. */
export async function offeredVariants(ctx: SupplierContext, variantIds: string[]): Promise<Set<string>> {
  if (!variantIds.length) return new Set();
  const found = await rows<{ variant_id: string }>(
    ctx.em,
    `select variant_id from ${tenantTable(ctx, 'offers')} where active = 1 and variant_id in (${placeholders(variantIds.length)})`,
    variantIds,
  );
  return new Set(found.map((r) => r.variant_id));
}

/** Brands of `brandIds` the supplier has an ACTIVE FULFILL_ORDERS connection with. */
export async function fulfilledBrands(ctx: SupplierContext, brandIds: string[]): Promise<Set<string>> {
  if (!brandIds.length) return new Set();
  const found = await rows<{ partner_id: string }>(
    ctx.em,
    `select distinct partner_id from ${serviceTable(ctx, 'partner_access')}
      where supplier_id = ? and can_fulfill = 1 and partner_id in (${placeholders(brandIds.length)})`,
    [tenantOf(ctx).organizationId, ...brandIds],
  );
  return new Set(found.map((r) => r.partner_id));
}
