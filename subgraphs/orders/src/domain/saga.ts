import type { OrderStatus } from '@tradegraph/contracts';
import type { PaymentStatus, ReservationStatus, SagaStep } from '../store/orders.ts';

/**
 * The order saga's state machine (pure; docs/orders.md). `decide` takes the
 * saga's persisted state and one input (a reply, a deadline, a shopper's
 * cancellation, shipment totals) and answers what changes: the next state,
 * the order statuses to go through, and the commands to publish. An input
 * that does not match the current step (a late or duplicate reply) changes
 * nothing (`applied: false`), so no reply ever applies twice.
 */

export interface SagaState {
  status: OrderStatus;
  step: SagaStep;
  deadline: Date | null;
  paymentStatus: PaymentStatus;
  voidRequested: boolean;
  refundPending: boolean;
  groups: { id: string; supplierId: string; reservationStatus: ReservationStatus }[];
}

export type SagaInput =
  | { kind: 'reserved'; groupId: string }
  | { kind: 'rejected'; groupId: string; reason: string }
  | { kind: 'released'; groupId: string }
  | { kind: 'authorized' }
  | { kind: 'payment-failed'; reason: string }
  | { kind: 'captured' }
  | { kind: 'voided' }
  /** `late`: names of the suppliers that did not answer, for the reason. */
  | { kind: 'deadline'; now: Date; late: string[] }
  /** Per line: units bought, shipped and delivered (from the shipments). */
  | { kind: 'shipments'; lines: { quantity: number; shipped: number; delivered: number }[] }
  | { kind: 'cancel'; reason: string }
  /** A refund was issued: a cancellation's refund, or lines refunded (`lines`: units bought and refunded now). */
  | {
      kind: 'refund-issued';
      cancel: boolean;
      reason: string;
      lines: { quantity: number; refunded: number }[];
    };

export type SagaCommand =
  | { type: 'release'; groupIds: string[]; reason: string }
  | { type: 'authorize' }
  | { type: 'capture' }
  | { type: 'void'; reason: string }
  | { type: 'refund-all'; reason: string };

export interface SagaDeadlines {
  reservationMs: number;
  paymentMs: number;
  captureMs: number;
}

export interface SagaPlan {
  applied: boolean;
  /** Why an input was ignored, or what it did (for the saga log). */
  note: string;
  state: SagaState;
  statuses: { status: OrderStatus; reason: string | null }[];
  commands: SagaCommand[];
}

/** Statuses before anything shipped, from which a cancellation is allowed. */
export const CANCELLABLE: readonly OrderStatus[] = [
  'PENDING',
  'STOCK_RESERVED',
  'PAYMENT_AUTHORIZED',
  'CONFIRMED',
];
/** Forward order of fulfilment statuses (shipment updates only move forward). */
const FULFILMENT_RANK: Partial<Record<OrderStatus, number>> = {
  CONFIRMED: 0,
  PARTIALLY_SHIPPED: 1,
  SHIPPED: 2,
  DELIVERED: 3,
};

const ignore = (state: SagaState, note: string): SagaPlan => ({
  applied: false,
  note,
  state,
  statuses: [],
  commands: [],
});

/** Whether a compensating saga has nothing left to wait for. */
export function compensationDone(s: SagaState): boolean {
  const groupsDone = s.groups.every(
    (g) => g.reservationStatus === 'RELEASED' || g.reservationStatus === 'REJECTED',
  );
  const paymentDone =
    !s.voidRequested ||
    s.paymentStatus === 'VOIDED' ||
    s.paymentStatus === 'FAILED' ||
    s.paymentStatus === 'CAPTURED';
  return groupsDone && paymentDone && !s.refundPending;
}

function settle(s: SagaState): SagaState {
  if (s.step === 'COMPENSATING' && compensationDone(s)) return { ...s, step: 'COMPENSATED', deadline: null };
  if (s.status === 'DELIVERED' && s.paymentStatus === 'CAPTURED' && s.step === 'FULFILLING')
    return { ...s, step: 'COMPLETED', deadline: null };
  return s;
}

/**
 * Compensation: every group not released (and not rejected: nothing kept)
 * is released; an authorisation that may exist is voided; a capture refunded.
 */
function compensate(s: SagaState, status: 'FAILED' | 'CANCELLED', reason: string): SagaPlan {
  const toRelease = s.groups.filter(
    (g) => g.reservationStatus === 'REQUESTED' || g.reservationStatus === 'RESERVED',
  );
  const groups = s.groups.map((g) =>
    toRelease.includes(g) ? { ...g, reservationStatus: 'RELEASE_REQUESTED' as const } : g,
  );
  const commands: SagaCommand[] = [];
  if (toRelease.length) commands.push({ type: 'release', groupIds: toRelease.map((g) => g.id), reason });
  const { paymentStatus } = s;
  let { voidRequested, refundPending } = s;
  if (paymentStatus === 'CAPTURED') {
    commands.push({ type: 'refund-all', reason });
    refundPending = true;
  } else if (paymentStatus !== 'NONE' && paymentStatus !== 'VOIDED' && !voidRequested) {
    // also after a failure: an authorisation that arrives late is voided
    commands.push({ type: 'void', reason });
    voidRequested = true;
  }
  const state = settle({
    ...s,
    status,
    step: 'COMPENSATING',
    deadline: null,
    groups,
    paymentStatus,
    voidRequested,
    refundPending,
  });
  return { applied: true, note: `${status}: ${reason}`, state, statuses: [{ status, reason }], commands };
}

export function decide(s: SagaState, input: SagaInput, now: Date, d: SagaDeadlines): SagaPlan {
  const after = (ms: number) => new Date(now.getTime() + ms);
  switch (input.kind) {
    case 'reserved': {
      const g = s.groups.find((x) => x.id === input.groupId);
      if (!g) return ignore(s, 'unknown group');
      if (s.step !== 'RESERVING' || g.reservationStatus !== 'REQUESTED')
        return ignore(s, `reservation of ${g.id} ignored (step ${s.step}, group ${g.reservationStatus})`);
      const groups = s.groups.map((x) =>
        x.id === g.id ? { ...x, reservationStatus: 'RESERVED' as const } : x,
      );
      if (!groups.every((x) => x.reservationStatus === 'RESERVED'))
        return {
          applied: true,
          note: `group ${g.id} reserved`,
          state: { ...s, groups },
          statuses: [],
          commands: [],
        };
      return {
        applied: true,
        note: 'every group reserved',
        state: {
          ...s,
          groups,
          status: 'STOCK_RESERVED',
          step: 'AUTHORIZING',
          deadline: after(d.paymentMs),
          paymentStatus: 'REQUESTED',
        },
        statuses: [{ status: 'STOCK_RESERVED', reason: null }],
        commands: [{ type: 'authorize' }],
      };
    }
    case 'rejected': {
      const g = s.groups.find((x) => x.id === input.groupId);
      if (!g) return ignore(s, 'unknown group');
      if (s.step !== 'RESERVING' || g.reservationStatus !== 'REQUESTED')
        return ignore(s, `rejection of ${g.id} ignored (step ${s.step}, group ${g.reservationStatus})`);
      const rejected = {
        ...s,
        groups: s.groups.map((x) => (x.id === g.id ? { ...x, reservationStatus: 'REJECTED' as const } : x)),
      };
      return compensate(rejected, 'FAILED', input.reason);
    }
    case 'released': {
      const g = s.groups.find((x) => x.id === input.groupId);
      if (!g || g.reservationStatus !== 'RELEASE_REQUESTED') return ignore(s, 'release not awaited');
      const groups = s.groups.map((x) =>
        x.id === g.id ? { ...x, reservationStatus: 'RELEASED' as const } : x,
      );
      return {
        applied: true,
        note: `group ${g.id} released`,
        state: settle({ ...s, groups }),
        statuses: [],
        commands: [],
      };
    }
    case 'authorized': {
      if (s.step !== 'AUTHORIZING' || s.paymentStatus !== 'REQUESTED')
        return ignore(
          s,
          `authorisation ignored (step ${s.step}; a late one is voided by the void already requested)`,
        );
      return {
        applied: true,
        note: 'payment authorised, capture requested',
        state: {
          ...s,
          status: 'CONFIRMED',
          step: 'CAPTURING',
          deadline: after(d.captureMs),
          paymentStatus: 'CAPTURE_REQUESTED',
        },
        statuses: [
          { status: 'PAYMENT_AUTHORIZED', reason: null },
          { status: 'CONFIRMED', reason: null },
        ],
        commands: [{ type: 'capture' }],
      };
    }
    case 'payment-failed': {
      if (s.step !== 'AUTHORIZING' && s.step !== 'CAPTURING')
        return ignore(s, `payment failure ignored (step ${s.step})`);
      return compensate({ ...s, paymentStatus: 'FAILED', voidRequested: false }, 'FAILED', input.reason);
    }
    case 'captured': {
      if (s.paymentStatus !== 'CAPTURE_REQUESTED')
        return ignore(s, `capture ignored (payment ${s.paymentStatus})`);
      if (s.step === 'COMPENSATING' || s.step === 'COMPENSATED') {
        // cancelled while the capture was under way: the money goes back
        return {
          applied: true,
          note: 'captured after cancellation: refund requested',
          state: { ...s, step: 'COMPENSATING', paymentStatus: 'CAPTURED', refundPending: true },
          statuses: [],
          commands: [{ type: 'refund-all', reason: 'Order cancelled' }],
        };
      }
      return {
        applied: true,
        note: 'payment captured',
        state: settle({ ...s, step: 'FULFILLING', deadline: null, paymentStatus: 'CAPTURED' }),
        statuses: [],
        commands: [],
      };
    }
    case 'voided': {
      if (!s.voidRequested || s.paymentStatus === 'VOIDED') return ignore(s, 'void not awaited');
      return {
        applied: true,
        note: 'authorisation voided',
        state: settle({ ...s, paymentStatus: 'VOIDED' }),
        statuses: [],
        commands: [],
      };
    }
    case 'deadline': {
      if (!s.deadline || s.deadline.getTime() > input.now.getTime()) return ignore(s, 'deadline not passed');
      if (s.step === 'RESERVING') {
        const who = input.late.length ? input.late.join(', ') : 'A supplier';
        return compensate(s, 'FAILED', `${who} did not answer in time`);
      }
      if (s.step === 'AUTHORIZING') return compensate(s, 'FAILED', 'The payment timed out');
      if (s.step === 'CAPTURING')
        return {
          applied: true,
          note: 'capture not answered in time: requested again',
          state: { ...s, deadline: after(d.captureMs) },
          statuses: [],
          commands: [{ type: 'capture' }],
        };
      return {
        applied: true,
        note: `deadline cleared (step ${s.step})`,
        state: { ...s, deadline: null },
        statuses: [],
        commands: [],
      };
    }
    case 'shipments': {
      const rank = FULFILMENT_RANK[s.status];
      if (rank === undefined) return ignore(s, `shipment ignored (order ${s.status})`);
      const all = input.lines;
      const target: OrderStatus | null = all.every((l) => l.delivered >= l.quantity)
        ? 'DELIVERED'
        : all.every((l) => l.shipped >= l.quantity)
          ? 'SHIPPED'
          : all.some((l) => l.shipped > 0)
            ? 'PARTIALLY_SHIPPED'
            : null;
      if (!target || (FULFILMENT_RANK[target] ?? 0) <= rank)
        return ignore(s, 'shipment recorded, status unchanged');
      return {
        applied: true,
        note: `order ${target}`,
        state: settle({ ...s, status: target }),
        statuses: [{ status: target, reason: null }],
        commands: [],
      };
    }
    case 'refund-issued': {
      if (input.cancel) {
        if (!s.refundPending) return ignore(s, 'refund not awaited');
        return {
          applied: true,
          note: 'cancellation refunded',
          state: settle({ ...s, refundPending: false }),
          statuses: [],
          commands: [],
        };
      }
      const target = refundStatus(input.lines);
      if (!target || target === s.status)
        return { applied: true, note: 'refund recorded', state: s, statuses: [], commands: [] };
      return {
        applied: true,
        note: `order ${target}`,
        state: { ...s, status: target },
        statuses: [{ status: target, reason: input.reason }],
        commands: [],
      };
    }
    case 'cancel': {
      if (!CANCELLABLE.includes(s.status)) return ignore(s, `not cancellable (${s.status})`);
      return compensate(s, 'CANCELLED', input.reason);
    }
  }
}

/** The status a paid order reaches after refunds: REFUNDED when every unit is refunded. */
export function refundStatus(
  lines: { quantity: number; refunded: number }[],
): 'REFUNDED' | 'PARTIALLY_REFUNDED' | null {
  const refunded = lines.reduce((n, l) => n + l.refunded, 0);
  if (!refunded) return null;
  return lines.every((l) => l.refunded >= l.quantity) ? 'REFUNDED' : 'PARTIALLY_REFUNDED';
}
