import {
  byKeys,
  groupByKeys,
  newId,
  notFound,
  type PageArgs,
  pageArgs,
  RetryableConflict,
  requireOwnId,
  toConnection,
} from '@tradegraph/shared';
import { shipmentChanged } from '../events/publish.ts';
import type { SupplierContext, SupplierUnit } from '../services.ts';
import { tenantOf } from '../services.ts';
import {
  addShipped,
  findGroup,
  findShipment,
  type GroupFilter,
  type GroupLine,
  type GroupRecord,
  type GroupView,
  groupsByIds,
  insertShipment,
  lineReservations,
  linesOfGroups,
  linesOfShipments,
  listGroups,
  lockGroup,
  moveShipment,
  type ShipmentLine,
  type ShipmentRecord,
  type ShipmentView,
  shipmentsOfGroups,
} from '../store/fulfillment.ts';
import { type Actor, findReservation } from '../store/stock.ts';
import { fail } from './errors.ts';
import { refreshGroupStatus } from './fulfillment.ts';
import { commitPart, MAX_RESERVATION_QUANTITY } from './reservations.ts';
import { requireInt, requireText } from './validation.ts';

/**
 * Shipments of a fulfilment group: CREATED (label made; stock still
 * reserved) → SHIPPED (the group's reservations commit: on hand and reserved
 * drop, SHIPPED movements) → DELIVERED. Only a group whose order is confirmed
 * ships; a shipment may carry part of a line, never more than the line has
 * left. Every step publishes `supplier.shipment.changed` (aggregate: the group),
 * which moves the order's status in the orders subgraph.
 */

const MAX_SHIPMENT_LINES = 200;

/** Group statuses that take shipments (the order is paid and the reservation stands). */
const SHIPPABLE = new Set(['CONFIRMED', 'PARTIALLY_SHIPPED']);

function requireShippable(group: GroupRecord) {
  if (!SHIPPABLE.has(group.status))
    fail(
      'GROUP_NOT_CONFIRMED',
      group.status === 'CANCELLED'
        ? 'This fulfilment group was cancelled; nothing ships'
        : `This fulfilment group is ${group.status}; only a confirmed group ships`,
      'fulfillmentGroupId',
    );
}

/** Units of each line already in a shipment (any status). */
function allocated(lines: readonly ShipmentLine[]): Map<string, number> {
  const used = new Map<string, number>();
  for (const l of lines) used.set(l.orderLineId, (used.get(l.orderLineId) ?? 0) + l.quantity);
  return used;
}

async function publishShipment(tx: SupplierUnit, group: GroupRecord, s: ShipmentRecord, at: Date) {
  const lines = await linesOfShipments(tx, [s.id]);
  tx.publish(
    'supplier.shipment.changed',
    shipmentChanged({
      shipmentId: s.id,
      orderId: group.orderId,
      groupId: group.id,
      supplierId: tenantOf(tx).organizationId,
      status: s.status,
      carrier: s.carrier,
      trackingNumber: s.trackingNumber,
      lines: lines.map((l) => ({ orderLineId: l.orderLineId, quantity: l.quantity })),
      at: at.toISOString(),
    }),
  );
}

const view = (ctx: SupplierContext, s: ShipmentRecord): ShipmentView => ({ ...s, tenant: tenantOf(ctx) });

export interface CreateShipmentInput {
  fulfillmentGroupId: string;
  carrier: string;
  trackingNumber: string;
  lines: readonly { orderLineId: string; quantity: number }[];
}

export async function createShipment(tx: SupplierUnit, input: CreateShipmentInput): Promise<ShipmentView> {
  const carrier = requireText(input.carrier, 'carrier', { max: 100, code: 'INVALID_CARRIER' });
  const trackingNumber = requireText(input.trackingNumber, 'trackingNumber', {
    max: 100,
    code: 'INVALID_TRACKING_NUMBER',
  });
  if (!input.lines.length || input.lines.length > MAX_SHIPMENT_LINES)
    fail('INVALID_LINES', `A shipment has 1 to ${MAX_SHIPMENT_LINES} lines`, 'lines');
  // locked: concurrent shipments of one group cannot both take the last units
  const group = await lockGroup(tx, input.fulfillmentGroupId);
  if (!group) throw notFound('FulfillmentGroup');
  requireShippable(group);
  const groupLines = new Map((await linesOfGroups(tx, [group.id])).map((l) => [l.orderLineId, l]));
  const shipments = await shipmentsOfGroups(tx, [group.id]);
  const used = allocated(
    await linesOfShipments(
      tx,
      shipments.map((s) => s.id),
    ),
  );
  const id = newId('shp', tenantOf(tx).tenantKey);
  const seen = new Set<string>();
  const lines: ShipmentLine[] = input.lines.map((l, i) => {
    const quantity = requireInt(l.quantity, ['lines', String(i), 'quantity'], {
      min: 1,
      max: MAX_RESERVATION_QUANTITY,
      code: 'INVALID_QUANTITY',
      what: 'quantity',
    });
    const line = groupLines.get(l.orderLineId);
    if (!line)
      fail('UNKNOWN_ORDER_LINE', 'This order line is not in the group', ['lines', String(i), 'orderLineId']);
    if (seen.has(l.orderLineId))
      fail('DUPLICATE_LINE', 'An order line appears twice in the shipment', [
        'lines',
        String(i),
        'orderLineId',
      ]);
    seen.add(l.orderLineId);
    const left = (line?.quantity ?? 0) - (used.get(l.orderLineId) ?? 0);
    if (quantity > left)
      fail('EXCEEDS_REMAINING', `Only ${left} of this line are left to ship`, [
        'lines',
        String(i),
        'quantity',
      ]);
    return { shipmentId: id, orderLineId: l.orderLineId, quantity };
  });
  const now = new Date();
  const shipment: ShipmentRecord = {
    id,
    groupId: group.id,
    status: 'CREATED',
    carrier,
    trackingNumber,
    shippedAt: null,
    deliveredAt: null,
    createdAt: now,
    updatedAt: now,
  };
  await insertShipment(tx, shipment, lines);
  await publishShipment(tx, group, shipment, now);
  return view(tx, shipment);
}

/** A shipment of the unit's tenant and its group (locked), or NOT_FOUND. */
async function ownShipment(tx: SupplierUnit, shipmentId: string) {
  const id = requireOwnId(tenantOf(tx), shipmentId, 'shp', 'Shipment');
  const found = await findShipment(tx, id);
  if (!found) throw notFound('Shipment');
  const group = await lockGroup(tx, found.groupId);
  if (!group) throw new Error(`shipment ${id} points at missing group ${found.groupId}`);
  // read again under the group's lock: a concurrent step may have moved it
  const shipment = await findShipment(tx, id);
  if (!shipment) throw notFound('Shipment');
  return { shipment, group };
}

/**
 * CREATED → SHIPPED: each line's units leave stock by committing the
 * reservations the saga made for it (partly, when the shipment carries part
 * of the line). An already shipped or delivered shipment is returned as is.
 */
export async function markShipped(tx: SupplierUnit, shipmentId: string, actor: Actor): Promise<ShipmentView> {
  const { shipment, group } = await ownShipment(tx, shipmentId);
  if (shipment.status !== 'CREATED') return view(tx, shipment);
  requireShippable(group);
  const held = await lineReservations(tx, group.id);
  for (const line of await linesOfShipments(tx, [shipment.id])) {
    let left = line.quantity;
    for (const h of held.filter((x) => x.orderLineId === line.orderLineId)) {
      if (!left) break;
      const r = await findReservation(tx, h.reservationId);
      if (r?.status !== 'ACTIVE') continue;
      const take = Math.min(left, r.quantity);
      await commitPart(tx, r.id, take, actor);
      left -= take;
    }
    if (left > 0 || !(await addShipped(tx, group.id, line.orderLineId, line.quantity)))
      fail(
        'EXCEEDS_REMAINING',
        `Not enough is reserved for order line ${line.orderLineId} to ship ${line.quantity}`,
      );
  }
  const now = new Date();
  if (!(await moveShipment(tx, shipment.id, 'CREATED', 'SHIPPED', now)))
    throw new RetryableConflict('shipment changed concurrently');
  await refreshGroupStatus(tx, group);
  const shipped: ShipmentRecord = { ...shipment, status: 'SHIPPED', shippedAt: now, updatedAt: now };
  await publishShipment(tx, group, shipped, now);
  return view(tx, shipped);
}

/** SHIPPED → DELIVERED; an already delivered shipment is returned as is. */
export async function markDelivered(tx: SupplierUnit, shipmentId: string): Promise<ShipmentView> {
  const { shipment, group } = await ownShipment(tx, shipmentId);
  if (shipment.status === 'DELIVERED') return view(tx, shipment);
  if (shipment.status !== 'SHIPPED')
    fail('SHIPMENT_NOT_SHIPPED', 'This shipment has not been handed to the carrier yet', 'shipmentId');
  const now = new Date();
  if (!(await moveShipment(tx, shipment.id, 'SHIPPED', 'DELIVERED', now)))
    throw new RetryableConflict('shipment changed concurrently');
  await refreshGroupStatus(tx, group);
  const delivered: ShipmentRecord = { ...shipment, status: 'DELIVERED', deliveredAt: now, updatedAt: now };
  await publishShipment(tx, group, delivered, now);
  return view(tx, delivered);
}

// ---- reads (a context bound to the caller's tenant) ----

/** The supplier's queue, newest first. */
export async function fulfillmentGroups(
  ctx: SupplierContext,
  filter: GroupFilter | null | undefined,
  args: PageArgs,
) {
  const page = pageArgs<string>(args);
  const tenant = tenantOf(ctx);
  const { rows, count } = await listGroups(ctx, filter ?? {}, page);
  return toConnection(
    rows.map((g): GroupView => ({ ...g, tenant })),
    page,
    (g) => g.id,
    count,
  );
}

/** One of the caller's groups, or null (any other id). */
export async function ownGroup(ctx: SupplierContext, id: string): Promise<GroupView | null> {
  const g = await findGroup(ctx, id);
  return g ? { ...g, tenant: tenantOf(ctx) } : null;
}

/** Per-request loaders over one tenant (the group or shipment's), one query per batch. */
const byTenant = (ctx: SupplierContext, what: string) => `${what}:${tenantOf(ctx).dbName}`;

export function groupLinesLoader(ctx: SupplierContext) {
  return ctx.loaders.get<string, GroupLine[]>(byTenant(ctx, 'fulfillment-lines'), async (ids) =>
    groupByKeys(ids, await linesOfGroups(ctx, [...ids]), (l) => l.groupId),
  );
}

export function groupShipmentsLoader(ctx: SupplierContext) {
  return ctx.loaders.get<string, ShipmentView[]>(byTenant(ctx, 'fulfillment-shipments'), async (ids) =>
    groupByKeys(
      ids,
      (await shipmentsOfGroups(ctx, [...ids])).map((s) => view(ctx, s)),
      (s) => s.groupId,
    ),
  );
}

export function shipmentLinesLoader(ctx: SupplierContext) {
  return ctx.loaders.get<string, ShipmentLine[]>(byTenant(ctx, 'shipment-lines'), async (ids) =>
    groupByKeys(ids, await linesOfShipments(ctx, [...ids]), (l) => l.shipmentId),
  );
}

/** The group of a shipment the caller already reads: same tenant, so it exists; its absence is a broken row. */
export function groupLoader(ctx: SupplierContext) {
  return ctx.loaders.get<string, GroupView>(byTenant(ctx, 'fulfillment-group'), async (ids) => {
    const tenant = tenantOf(ctx);
    return byKeys(ids, await groupsByIds(ctx, [...ids]), (g) => g.id).map((g, i) =>
      g ? { ...g, tenant } : new Error(`fulfilment group ${ids[i]} is missing`),
    );
  });
}
