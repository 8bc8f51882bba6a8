import type { OrderActor } from '@tradegraph/contracts';
import {
  type EntityManager,
  type Kernel,
  newId,
  startPeriodicTask,
  systemContext,
  write,
} from '@tradegraph/shared';
import {
  authorizationRequested,
  captureRequested,
  type Publisher,
  refundRequested,
  releaseRequested,
  statusChanged,
  voidRequested,
} from '../events/publish.ts';
import type { OrdersServices } from '../services.ts';
import {
  findGroups,
  findLines,
  findOrder,
  findSaga,
  findShipments,
  insertHistory,
  insertRefund,
  insertSagaLog,
  type LineRecord,
  type OrderRecord,
  overdueSagas,
  updateGroupStatus,
  updateOrderStatus,
  updateSaga,
} from '../store/orders.ts';
import { findOrganizations } from '../store/organizations.ts';
import { decide, type SagaDeadlines, type SagaInput, type SagaPlan, type SagaState } from './saga.ts';

/**
 * Runs one input through an order's saga inside the caller's transaction:
 * the order row is locked (every reply, sweep and cancellation of one order
 * is serialised on it), the pure `decide` answers, and its plan is written —
 * groups, saga row, statuses with their history rows and status-changed
 * events, commands — plus the saga log. A reply that does not match the
 * current step is logged and changes nothing.
 */

export const SYSTEM: OrderActor = { kind: 'SYSTEM', id: null };

export interface SagaRun {
  order: OrderRecord;
  plan: SagaPlan;
}

export function deadlinesOf(services: OrdersServices): SagaDeadlines {
  const c = services.config;
  return {
    reservationMs: c.ORDERS_RESERVATION_DEADLINE_MS,
    paymentMs: c.ORDERS_PAYMENT_DEADLINE_MS,
    captureMs: c.ORDERS_CAPTURE_DEADLINE_MS,
  };
}

export async function runSaga(
  em: EntityManager,
  out: Publisher,
  services: OrdersServices,
  orderId: string,
  input: SagaInput | ((lines: LineRecord[], state: SagaState) => Promise<SagaInput> | SagaInput),
  opts: { actor?: OrderActor; incoming?: { type: string; eventId: string | null } } = {},
): Promise<SagaRun | null> {
  const order = await findOrder(em, orderId, true);
  const saga = order && (await findSaga(em, orderId));
  if (!order || !saga) return null;
  const [groups, lines] = await Promise.all([findGroups(em, [orderId]), findLines(em, [orderId])]);
  const state: SagaState = {
    status: order.status,
    step: saga.step,
    deadline: saga.deadline,
    paymentStatus: saga.paymentStatus,
    voidRequested: saga.voidRequested,
    refundPending: saga.refundPending,
    groups: groups.map((g) => ({
      id: g.id,
      supplierId: g.supplierId,
      reservationStatus: g.reservationStatus,
    })),
  };
  const now = new Date();
  const resolved = typeof input === 'function' ? await input(lines, state) : input;
  const plan = decide(state, resolved, now, deadlinesOf(services));
  if (opts.incoming) {
    await insertSagaLog(em, {
      orderId,
      at: now,
      direction: 'IN',
      type: opts.incoming.type,
      eventId: opts.incoming.eventId,
      note: plan.applied ? plan.note : `ignored: ${plan.note}`,
    });
  }
  if (!plan.applied) return { order, plan };
  await applyPlan(em, out, order, lines, state, plan, opts.actor ?? SYSTEM, now);
  return { order: { ...order, status: plan.state.status }, plan };
}

async function applyPlan(
  em: EntityManager,
  out: Publisher,
  order: OrderRecord,
  lines: LineRecord[],
  before: SagaState,
  plan: SagaPlan,
  actor: OrderActor,
  now: Date,
) {
  const next = plan.state;
  for (const g of next.groups) {
    const prev = before.groups.find((x) => x.id === g.id);
    if (prev && prev.reservationStatus !== g.reservationStatus)
      await updateGroupStatus(em, g.id, g.reservationStatus, now);
  }
  await updateSaga(
    em,
    {
      orderId: order.id,
      step: next.step,
      deadline: next.deadline,
      paymentStatus: next.paymentStatus,
      voidRequested: next.voidRequested,
      refundPending: next.refundPending,
    },
    now,
  );
  let previous = before.status;
  for (const change of plan.statuses) {
    await updateOrderStatus(em, order.id, change.status, change.reason, now);
    await insertHistory(em, {
      orderId: order.id,
      status: change.status,
      previousStatus: previous,
      at: now,
      actor,
      reason: change.reason,
    });
    const e = statusChanged(out, order, lines, {
      previousStatus: previous,
      status: change.status,
      reason: change.reason,
      actor,
      at: now,
    });
    await insertSagaLog(em, {
      orderId: order.id,
      at: now,
      direction: 'OUT',
      type: e.type,
      eventId: e.id,
      note: change.status,
    });
    previous = change.status;
  }
  const current = { ...order, status: next.status };
  for (const cmd of plan.commands) {
    const sent = [];
    if (cmd.type === 'release') {
      for (const g of before.groups.filter((x) => cmd.groupIds.includes(x.id)))
        sent.push(releaseRequested(out, current, { ...g, orderId: order.id }, cmd.reason));
    } else if (cmd.type === 'authorize') {
      sent.push(authorizationRequested(out, current, lines, next.deadline ?? now));
    } else if (cmd.type === 'capture') {
      sent.push(captureRequested(out, current));
    } else if (cmd.type === 'void') {
      sent.push(voidRequested(out, current, cmd.reason));
    } else {
      const refund = {
        id: newId('rfd'),
        orderId: order.id,
        idempotencyKey: `cancel:${order.id}`,
        amountMinor: order.totalMinor,
        lines: lines.map((l) => ({
          orderLineId: l.id,
          quantity: l.quantity - l.refundedQuantity,
          amountMinor: String((l.quantity - l.refundedQuantity) * l.unitPriceMinor),
        })),
        status: 'REQUESTED' as const,
        reason: cmd.reason,
        createdAt: now,
      };
      refund.amountMinor = refund.lines.reduce((n, l) => n + Number(l.amountMinor), 0);
      await insertRefund(em, refund);
      sent.push(refundRequested(out, current, refund));
    }
    for (const e of sent)
      await insertSagaLog(em, { orderId: order.id, at: now, direction: 'OUT', type: e.type, eventId: e.id });
  }
}

/** Per line: units bought, shipped and delivered, from the order's shipments. */
export async function shipmentTotals(em: EntityManager, orderId: string, lines: LineRecord[]) {
  const shipments = await findShipments(em, orderId);
  return lines.map((l) => {
    let shipped = 0;
    let delivered = 0;
    for (const s of shipments) {
      if (s.status === 'CREATED') continue;
      const q = s.lines.filter((x) => x.orderLineId === l.id).reduce((n, x) => n + x.quantity, 0);
      shipped += q;
      if (s.status === 'DELIVERED') delivered += q;
    }
    return { quantity: l.quantity, shipped, delivered };
  });
}

/** Names of the suppliers whose groups have not answered (for a deadline's reason). */
export async function lateSuppliers(em: EntityManager, state: SagaState): Promise<string[]> {
  const late = state.groups.filter((g) => g.reservationStatus === 'REQUESTED').map((g) => g.supplierId);
  if (!late.length) return [];
  const names = new Map((await findOrganizations(em, late)).map((o) => [o.id, o.name]));
  return late.map((id) => `Supplier ${names.get(id) ?? id}`);
}

/**
 * One pass of the deadline sweeper: every saga whose step deadline passed is
 * run with a `deadline` input, each in its own unit of work (system context).
 */
export async function sweepDeadlines(kernel: Kernel, services: OrdersServices, limit = 100): Promise<number> {
  const ctx = systemContext(kernel, services, 'orders-saga-sweeper');
  const now = new Date();
  const due = await overdueSagas(ctx.em, now, limit);
  let applied = 0;
  for (const orderId of due) {
    const run = await write(ctx, { permission: 'system', tenant: 'service' }, (tx) =>
      runSaga(
        tx.em,
        tx,
        services,
        orderId,
        async (_lines, state) => ({
          kind: 'deadline',
          now: new Date(),
          late: await lateSuppliers(tx.em, state),
        }),
        { incoming: { type: 'deadline', eventId: null } },
      ),
    );
    if (run?.plan.applied) applied++;
  }
  return applied;
}

export function startDeadlineSweeper(kernel: Kernel, services: OrdersServices, intervalMs: number) {
  return startPeriodicTask({
    name: 'order saga deadline sweep',
    intervalMs,
    logger: kernel.logger,
    run: () => sweepDeadlines(kernel, services),
  });
}
