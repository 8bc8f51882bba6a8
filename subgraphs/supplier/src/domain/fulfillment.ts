import type {
  FulfillmentRejectedPayload,
  OrderPlacedPayload,
  OrderStatus,
  OrderStatusChangedPayload,
  ReservationReleaseRequestedPayload,
  ReservationRequestedPayload,
} from '@tradegraph/contracts';
import { type Kernel, parseId, registryOf, supersedes, systemContext, write } from '@tradegraph/shared';
import { fulfillmentRejected, fulfillmentReleased, fulfillmentReserved } from '../events/publish.ts';
import { type SupplierServices, type SupplierUnit, tenantOf } from '../services.ts';
import {
  ensureGroup,
  ensureLines,
  type FulfillmentGroupStatus,
  fulfilledBrands,
  type GroupLine,
  type GroupRecord,
  insertLineReservations,
  type LineReservation,
  lineReservations,
  linesOfGroups,
  lockGroup,
  lockGroupsOfOrder,
  lockOrderStatus,
  offeredVariants,
  type SagaReservationStatus,
  type ShipmentRecord,
  saveOrderStatus,
  setGroupStatus,
  setReservationStatus,
  shipmentsOfGroups,
} from '../store/fulfillment.ts';
import { type Actor, availableLevels, findReservation, type Level } from '../store/stock.ts';
import { MAX_RESERVATION_QUANTITY, release, reserve } from './reservations.ts';

/**
 * The supplier's side of the order saga (docs/supplier.md, "Order saga").
 * Orders sends commands as events; each is applied in ONE unit of work on
 * the supplier's tenant database: the group row (locked), the stock
 * reservations and the reply in the outbox commit together. The group's
 * `reservation_status` moves once from NONE, so a repeated command (a
 * redelivery, or orders re-deriving it after a restart) reserves nothing
 * again and repeats the recorded answer.
 */

const SYSTEM: Actor = { kind: 'SYSTEM', id: null };

// ---- rules ----

type CommandLine = ReservationRequestedPayload['lines'][number];
type ShortLine = FulfillmentRejectedPayload['lines'][number];

/** Why a reservation command cannot be understood, or null. */
export function commandProblem(lines: readonly CommandLine[]): string | null {
  if (!lines.length) return 'the group has no lines';
  const seen = new Set<string>();
  for (const l of lines) {
    if (seen.has(l.orderLineId)) return `order line ${l.orderLineId} appears twice`;
    seen.add(l.orderLineId);
    if (!Number.isInteger(l.quantity) || l.quantity < 1 || l.quantity > MAX_RESERVATION_QUANTITY)
      return `order line ${l.orderLineId} has an invalid quantity`;
    if (!parseId(l.variantId, 'var')) return `order line ${l.orderLineId} has an invalid variant id`;
  }
  return null;
}

/** One reservation to make: part (or all) of a line, in one warehouse. */
export interface Allocation {
  orderLineId: string;
  variantId: string;
  warehouseId: string;
  quantity: number;
}

/**
 * Plans the group's reservations over the levels' available stock: each line
 * from the warehouse with the most available, split over several warehouses
 * only when none holds it all (orders routes on the supplier's total). Lines
 * of one variant share its stock. All or nothing: any line that cannot be
 * covered is reported with what was left for it, and nothing is planned.
 */
export function allocate(
  lines: readonly CommandLine[],
  levels: readonly Pick<Level, 'warehouseId' | 'variantId' | 'onHand' | 'reserved'>[],
): { parts: Allocation[] } | { short: ShortLine[] } {
  const left = new Map<string, { warehouseId: string; available: number }[]>();
  for (const l of levels) {
    const list = left.get(l.variantId) ?? [];
    list.push({ warehouseId: l.warehouseId, available: l.onHand - l.reserved });
    left.set(l.variantId, list);
  }
  const parts: Allocation[] = [];
  const short: ShortLine[] = [];
  for (const line of lines) {
    const stock = (left.get(line.variantId) ?? []).sort((a, b) => b.available - a.available);
    const available = stock.reduce((sum, s) => sum + Math.max(0, s.available), 0);
    if (available < line.quantity) {
      short.push({
        orderLineId: line.orderLineId,
        variantId: line.variantId,
        requested: line.quantity,
        available,
      });
      continue;
    }
    let wanted = line.quantity;
    for (const s of stock) {
      if (!wanted) break;
      const take = Math.min(wanted, s.available);
      if (take <= 0) continue;
      parts.push({
        orderLineId: line.orderLineId,
        variantId: line.variantId,
        warehouseId: s.warehouseId,
        quantity: take,
      });
      s.available -= take;
      wanted -= take;
    }
  }
  return short.length ? { short } : { parts };
}

/** Order statuses after which the supplier may ship (the payment is confirmed). */
const SHIPPABLE_ORDER = new Set<OrderStatus>([
  'CONFIRMED',
  'PARTIALLY_SHIPPED',
  'SHIPPED',
  'DELIVERED',
  'PARTIALLY_REFUNDED',
  'REFUNDED',
]);

/**
 * The group's status as the supplier's queue shows it, from everything known
 * about it: shipped units first (they cannot be undone), then a reservation
 * that was refused or released, or an order that failed or was cancelled
 * (CANCELLED), then an order confirmed over a standing reservation
 * (CONFIRMED: ready to ship); otherwise PENDING (stock or payment on its way).
 */
export function groupStatus(g: {
  reservationStatus: SagaReservationStatus;
  orderStatus: OrderStatus | null;
  lines: readonly Pick<GroupLine, 'quantity' | 'shippedQuantity'>[];
  shipments: readonly Pick<ShipmentRecord, 'status'>[];
}): FulfillmentGroupStatus {
  const ordered = g.lines.reduce((n, l) => n + l.quantity, 0);
  const shipped = g.lines.reduce((n, l) => n + l.shippedQuantity, 0);
  if (shipped > 0) {
    if (shipped < ordered) return 'PARTIALLY_SHIPPED';
    const sent = g.shipments.filter((s) => s.status !== 'CREATED');
    return sent.every((s) => s.status === 'DELIVERED') ? 'DELIVERED' : 'SHIPPED';
  }
  if (g.reservationStatus === 'REJECTED' || g.reservationStatus === 'RELEASED') return 'CANCELLED';
  if (g.orderStatus === 'FAILED' || g.orderStatus === 'CANCELLED') return 'CANCELLED';
  if (g.reservationStatus === 'RESERVED' && g.orderStatus && SHIPPABLE_ORDER.has(g.orderStatus))
    return 'CONFIRMED';
  return 'PENDING';
}

/** Same-instant status changes: a later step of the saga wins (terminal ones last). */
const ORDER_STATUS_RANK: Record<OrderStatus, number> = {
  PENDING: 0,
  STOCK_RESERVED: 1,
  PAYMENT_AUTHORIZED: 2,
  CONFIRMED: 3,
  PARTIALLY_SHIPPED: 4,
  SHIPPED: 5,
  DELIVERED: 6,
  PARTIALLY_REFUNDED: 7,
  REFUNDED: 8,
  FAILED: 9,
  CANCELLED: 9,
};

// ---- steps (inside a unit of work on the supplier's tenant) ----

/** Recomputes and stores the group's status from its rows. */
export async function refreshGroupStatus(
  tx: SupplierUnit,
  group: GroupRecord,
): Promise<FulfillmentGroupStatus> {
  const [lines, shipments, order] = [
    await linesOfGroups(tx, [group.id]),
    await shipmentsOfGroups(tx, [group.id]),
    await lockOrderStatus(tx, group.orderId),
  ];
  const status = groupStatus({
    reservationStatus: group.reservationStatus,
    orderStatus: order?.status ?? null,
    lines,
    shipments,
  });
  await setGroupStatus(tx, group.id, status);
  return status;
}

/** The group's row, created from the command when the placed event has not arrived yet, and locked. */
async function lockedGroupOf(
  tx: SupplierUnit,
  facts: { orderId: string; groupId: string; retailerId?: string },
): Promise<GroupRecord> {
  await ensureGroup(tx, { id: facts.groupId, orderId: facts.orderId, retailerId: facts.retailerId ?? null });
  const group = await lockGroup(tx, facts.groupId);
  if (!group) throw new Error(`fulfilment group ${facts.groupId} vanished`);
  return group;
}

async function publishReserved(tx: SupplierUnit, group: GroupRecord, reservations: LineReservation[]) {
  tx.publish(
    'supplier.fulfillment.reserved',
    fulfillmentReserved({
      orderId: group.orderId,
      groupId: group.id,
      supplierId: tenantOf(tx).organizationId,
      reservations: reservations.map((r) => ({
        orderLineId: r.orderLineId,
        reservationId: r.reservationId,
        warehouseId: r.warehouseId,
        quantity: r.quantity,
      })),
    }),
  );
}

/**
 * `orders.reservation.requested`: reserves every line of the group, all or
 * nothing, and answers `supplier.fulfillment.reserved` (with the reservation
 * ids) or `.rejected` (with what was short; nothing is held). A group already
 * answered gets the same answer again; a group already released (the saga gave
 * up before this command arrived) reserves nothing and answers `.released`.
 */
export async function reserveGroup(tx: SupplierUnit, cmd: ReservationRequestedPayload): Promise<string> {
  const supplierId = tenantOf(tx).organizationId;
  const group = await lockedGroupOf(tx, cmd);
  if (group.reservationStatus === 'RESERVED') {
    await publishReserved(tx, group, await lineReservations(tx, group.id));
    return 'RESERVED';
  }
  if (group.reservationStatus === 'REJECTED' && group.rejection) {
    tx.publish('supplier.fulfillment.rejected', fulfillmentRejected(group.rejection));
    return 'REJECTED';
  }
  if (group.reservationStatus === 'RELEASED') {
    tx.publish(
      'supplier.fulfillment.released',
      fulfillmentReleased({ orderId: cmd.orderId, groupId: cmd.groupId, supplierId }),
    );
    return 'RELEASED';
  }

  const reject = async (reason: FulfillmentRejectedPayload['reason'], lines: ShortLine[]) => {
    const rejection: FulfillmentRejectedPayload = {
      orderId: cmd.orderId,
      groupId: cmd.groupId,
      supplierId,
      reason,
      lines,
    };
    await setReservationStatus(tx, group.id, 'REJECTED', rejection);
    await refreshGroupStatus(tx, { ...group, reservationStatus: 'REJECTED' });
    tx.publish('supplier.fulfillment.rejected', fulfillmentRejected(rejection));
    return 'REJECTED';
  };
  const asShort = (ls: readonly CommandLine[], available = 0): ShortLine[] =>
    ls.map((l) => ({ orderLineId: l.orderLineId, variantId: l.variantId, requested: l.quantity, available }));

  if (commandProblem(cmd.lines)) return reject('INVALID', asShort(cmd.lines));
  await ensureLines(
    tx,
    cmd.lines.map((l) => ({
      groupId: group.id,
      orderLineId: l.orderLineId,
      variantId: l.variantId,
      brandId: l.brandId,
      quantity: l.quantity,
    })),
  );
  const variantIds = [...new Set(cmd.lines.map((l) => l.variantId))];
  const offered = await offeredVariants(tx, variantIds);
  const notOffered = cmd.lines.filter((l) => !offered.has(l.variantId));
  if (notOffered.length) return reject('NOT_OFFERED', asShort(notOffered));
  const brands = await fulfilledBrands(tx, [...new Set(cmd.lines.map((l) => l.brandId))]);
  const notConnected = cmd.lines.filter((l) => !brands.has(l.brandId));
  if (notConnected.length) return reject('NOT_CONNECTED', asShort(notConnected));

  const plan = allocate(cmd.lines, await availableLevels(tx, variantIds));
  if ('short' in plan) return reject('OUT_OF_STOCK', plan.short);

  const ttlSeconds = Math.min(
    tx.services.config.SUPPLIER_SAGA_RESERVATION_TTL_SECONDS,
    tx.services.config.RESERVATION_MAX_TTL_SECONDS,
  );
  const made: LineReservation[] = [];
  for (const part of plan.parts) {
    // a level that moved since the plan was read makes the whole unit run again on a fresh snapshot
    const r = await reserve(
      tx,
      {
        variantId: part.variantId,
        quantity: part.quantity,
        warehouseId: part.warehouseId,
        reference: `${cmd.orderId}/${part.orderLineId}`,
        ttlSeconds,
      },
      SYSTEM,
    );
    made.push({
      reservationId: r.id,
      groupId: group.id,
      orderLineId: part.orderLineId,
      warehouseId: r.warehouseId,
      quantity: r.quantity,
    });
  }
  await insertLineReservations(tx, made);
  await setReservationStatus(tx, group.id, 'RESERVED', null);
  await refreshGroupStatus(tx, { ...group, reservationStatus: 'RESERVED' });
  await publishReserved(tx, group, made);
  return 'RESERVED';
}

/**
 * `orders.reservation.release-requested`: gives back whatever the group still
 * holds (shipped units stay shipped) and answers `supplier.fulfillment.released`,
 * also for a group never reserved (which then can no longer be reserved).
 */
export async function releaseGroup(tx: SupplierUnit, cmd: ReservationReleaseRequestedPayload): Promise<void> {
  const supplierId = tenantOf(tx).organizationId;
  const group = await lockedGroupOf(tx, cmd);
  if (group.reservationStatus === 'RESERVED') {
    for (const held of await lineReservations(tx, group.id)) {
      const r = await findReservation(tx, held.reservationId);
      if (r?.status === 'ACTIVE') await release(tx, r.id, SYSTEM);
    }
  }
  if (group.reservationStatus !== 'REJECTED' && group.reservationStatus !== 'RELEASED') {
    await setReservationStatus(tx, group.id, 'RELEASED', null);
    await refreshGroupStatus(tx, { ...group, reservationStatus: 'RELEASED' });
  }
  tx.publish(
    'supplier.fulfillment.released',
    fulfillmentReleased({ orderId: cmd.orderId, groupId: cmd.groupId, supplierId }),
  );
}

/** `orders.order.placed`: the groups routed to this supplier, with their lines (projection; idempotent). */
export async function projectPlacedGroups(tx: SupplierUnit, order: OrderPlacedPayload, supplierId: string) {
  for (const g of order.groups.filter((x) => x.supplierId === supplierId)) {
    await ensureGroup(tx, {
      id: g.groupId,
      orderId: order.orderId,
      orderNumber: order.number,
      retailerId: order.retailerId,
      currencyCode: order.currencyCode,
      placedAt: new Date(order.placedAt),
    });
    const ids = new Set(g.orderLineIds);
    await ensureLines(
      tx,
      order.lines
        .filter((l) => ids.has(l.orderLineId))
        .map((l) => ({
          groupId: g.groupId,
          orderLineId: l.orderLineId,
          variantId: l.variantId,
          brandId: l.brandId,
          quantity: l.quantity,
        })),
    );
    const group = await lockGroup(tx, g.groupId);
    if (group) await refreshGroupStatus(tx, group);
  }
}

/**
 * `orders.order.status-changed`: the order's status (only if newer than what is stored), then its groups' statuses.
 *
 * Locks the order's groups before its status row, the order every other path
 * takes (a saga step or a shipment locks its group, then refreshGroupStatus
 * the status row): status first deadlocked with a saga step on the same order.
 */
export async function projectOrderStatus(tx: SupplierUnit, change: OrderStatusChangedPayload) {
  const groups = await lockGroupsOfOrder(tx, change.orderId);
  const stored = await lockOrderStatus(tx, change.orderId);
  const newer = supersedes(stored ? { eventAt: stored.eventAt } : null, change.at, {
    stored: stored ? ORDER_STATUS_RANK[stored.status] : -1,
    incoming: ORDER_STATUS_RANK[change.status],
  });
  if (!newer) return;
  await saveOrderStatus(tx, {
    orderId: change.orderId,
    status: change.status,
    reason: change.reason,
    eventAt: new Date(change.at),
  });
  for (const group of groups) await refreshGroupStatus(tx, group);
}

// ---- driven by events (each one unit of work on the supplier's tenant) ----

/**
 * The kernel as the saga's event handlers use it: after a unit commits, the
 * relay is woken but nobody waits for the reply to reach the log. Waiting is
 * for a mutation whose client reads its writes next; a handler that waited
 * kept its partition, and every saga command queued behind it, for a relay
 * round trip (bench:checkout: ~170 ms p50 per reservation under load).
 */
export function handlerKernel(kernel: Kernel): Kernel {
  return {
    ...kernel,
    afterCommit: async () => {
      kernel.relay.notify();
    },
  };
}

/**
 * Runs a saga step for `supplierId` in one unit of work on its tenant, as the
 * service itself. A supplier without a database (never provisioned: it holds
 * no stock) gets `whenNoTenant`, run on the service database.
 */
async function onSupplier<T>(
  kernel: Kernel,
  services: SupplierServices,
  supplierId: string,
  step: (tx: SupplierUnit) => Promise<T>,
  whenNoTenant?: (tx: SupplierUnit) => Promise<T>,
): Promise<T | null> {
  const ctx = systemContext(handlerKernel(kernel), services, 'order-saga');
  const tenant = await registryOf(ctx).byOrganization(supplierId);
  if (!tenant) {
    if (!whenNoTenant) return null;
    return write(ctx, { permission: 'system', tenant: 'service' }, whenNoTenant);
  }
  return write(
    ctx,
    // stock writes lose optimistic races under load: the unit runs again on a fresh snapshot
    { permission: 'system', tenant, attempts: services.config.STOCK_UPDATE_MAX_ATTEMPTS },
    step,
  );
}

export async function onReservationRequested(
  kernel: Kernel,
  services: SupplierServices,
  cmd: ReservationRequestedPayload,
) {
  const delay = services.config.SUPPLIER_FULFILLMENT_DELAY_MS;
  if (delay > 0) await new Promise((r) => setTimeout(r, delay));
  return onSupplier(
    kernel,
    services,
    cmd.supplierId,
    (tx) => reserveGroup(tx, cmd),
    async (tx) => {
      tx.publish(
        'supplier.fulfillment.rejected',
        fulfillmentRejected({
          orderId: cmd.orderId,
          groupId: cmd.groupId,
          supplierId: cmd.supplierId,
          reason: 'OUT_OF_STOCK',
          lines: cmd.lines.map((l) => ({
            orderLineId: l.orderLineId,
            variantId: l.variantId,
            requested: l.quantity,
            available: 0,
          })),
        }),
      );
      return 'REJECTED';
    },
  );
}

export async function onReleaseRequested(
  kernel: Kernel,
  services: SupplierServices,
  cmd: ReservationReleaseRequestedPayload,
) {
  await onSupplier(
    kernel,
    services,
    cmd.supplierId,
    (tx) => releaseGroup(tx, cmd),
    async (tx) => {
      tx.publish('supplier.fulfillment.released', fulfillmentReleased(cmd));
    },
  );
}

export async function onOrderPlaced(kernel: Kernel, services: SupplierServices, order: OrderPlacedPayload) {
  for (const supplierId of new Set(order.groups.map((g) => g.supplierId))) {
    await onSupplier(kernel, services, supplierId, (tx) => projectPlacedGroups(tx, order, supplierId));
  }
}

export async function onOrderStatusChanged(
  kernel: Kernel,
  services: SupplierServices,
  change: OrderStatusChangedPayload,
) {
  for (const supplierId of new Set(change.supplierIds)) {
    await onSupplier(kernel, services, supplierId, (tx) => projectOrderStatus(tx, change));
  }
}
