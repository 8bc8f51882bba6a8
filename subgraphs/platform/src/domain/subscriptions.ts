import type { SubscriptionStatus } from '@tradegraph/contracts';
import type { ServiceContext, UnitContext } from '@tradegraph/shared';
import { subscriptionChanged } from '../events/publish.ts';
import type { OutboxUnit } from '../services.ts';
import { findOrganization } from '../store/organizations.ts';
import { findDefaultPlan, findPlan, type PlanRecord } from '../store/plans.ts';
import {
  findSubscription,
  findSubscriptions,
  type SubscriptionRecord,
  saveSubscription,
} from '../store/subscriptions.ts';
import { fail } from './errors.ts';

const DAY_MS = 86_400_000;

/** Where a subscription may go from each status (TRIALING → ACTIVE → PAST_DUE → CANCELLED; PAST_DUE may recover). */
const TRANSITIONS: Record<SubscriptionStatus, readonly SubscriptionStatus[]> = {
  TRIALING: ['ACTIVE', 'PAST_DUE', 'CANCELLED'],
  ACTIVE: ['PAST_DUE', 'CANCELLED'],
  PAST_DUE: ['ACTIVE', 'CANCELLED'],
  CANCELLED: [],
};

export function canTransition(from: SubscriptionStatus, to: SubscriptionStatus): boolean {
  return TRANSITIONS[from].includes(to);
}

/** The subscription after moving to `to` at `now` (pure; refuses an unreachable status). */
export function transition(s: SubscriptionRecord, to: SubscriptionStatus, now: Date): SubscriptionRecord {
  if (!canTransition(s.status, to)) {
    fail('INVALID_TRANSITION', `A ${s.status} subscription cannot become ${to}`, 'status');
  }
  return {
    ...s,
    status: to,
    trialEndsAt: to === 'TRIALING' ? s.trialEndsAt : null,
    cancelledAt: to === 'CANCELLED' ? now : null,
    updatedAt: now,
  };
}

/**
 * A subscription to `plan` from `now`: TRIALING for the plan's trial days (or
 * ACTIVE when it has none or `status` says so). An organisation that keeps
 * subscribing (a plan change) keeps its start date.
 */
export function subscribe(
  organizationId: string,
  plan: PlanRecord,
  status: 'TRIALING' | 'ACTIVE',
  now: Date,
  previous: SubscriptionRecord | null,
): SubscriptionRecord {
  const trialing = status === 'TRIALING' && plan.trialDays > 0;
  const continues = previous !== null && previous.status !== 'CANCELLED';
  return {
    organizationId,
    planId: plan.id,
    status: trialing ? 'TRIALING' : 'ACTIVE',
    trialEndsAt: trialing ? new Date(now.getTime() + plan.trialDays * DAY_MS) : null,
    startedAt: continues ? previous.startedAt : now,
    cancelledAt: null,
    updatedAt: now,
  };
}

/** New organisations (but the platform's own) start on the default plan; nothing happens when they already have a subscription. */
export async function startDefaultSubscription(
  tx: OutboxUnit,
  organizationId: string,
  at: Date,
): Promise<void> {
  if (await findSubscription(tx.em, organizationId, { forUpdate: true })) return;
  const plan = await findDefaultPlan(tx.em);
  if (!plan) throw new Error('no default plan (the migration creates one; createPlan keeps one)');
  const s = subscribe(organizationId, plan, 'TRIALING', at, null);
  await saveSubscription(tx.em, s);
  tx.publish('platform.subscription.changed', {
    aggregateId: organizationId,
    orgId: organizationId,
    payload: subscriptionChanged(s, plan),
  });
}

export async function assignPlan<S>(
  tx: UnitContext<S>,
  input: { organizationId: string; planId: string; status?: SubscriptionStatus | null },
): Promise<SubscriptionRecord> {
  const status = input.status ?? 'ACTIVE';
  if (status !== 'ACTIVE' && status !== 'TRIALING') {
    fail('INVALID', 'A plan starts TRIALING or ACTIVE', 'status');
  }
  const org = await findOrganization(tx.em, input.organizationId);
  if (!org) fail('NOT_FOUND', 'No such organisation', 'organizationId');
  if (org.kind === 'PLATFORM')
    fail('FORBIDDEN', 'Platform organisations have no subscription', 'organizationId');
  const plan = await findPlan(tx.em, input.planId);
  if (!plan) fail('NOT_FOUND', 'No such plan', 'planId');
  if (status === 'TRIALING' && plan.trialDays === 0) fail('INVALID', 'This plan has no trial', 'status');
  const previous = await findSubscription(tx.em, org.id, { forUpdate: true });
  const s = subscribe(org.id, plan, status as 'TRIALING' | 'ACTIVE', new Date(), previous);
  await saveSubscription(tx.em, s);
  tx.publish('platform.subscription.changed', {
    aggregateId: org.id,
    orgId: org.id,
    payload: subscriptionChanged(s, plan),
  });
  return s;
}

export async function changeSubscriptionStatus<S>(
  tx: UnitContext<S>,
  input: { organizationId: string; status: SubscriptionStatus },
): Promise<SubscriptionRecord> {
  const current = await findSubscription(tx.em, input.organizationId, { forUpdate: true });
  if (!current) fail('NOT_FOUND', 'The organisation has no subscription', 'organizationId');
  const next = transition(current, input.status, new Date());
  const plan = await findPlan(tx.em, next.planId);
  if (!plan) throw new Error(`subscription of ${next.organizationId} names unknown plan ${next.planId}`);
  await saveSubscription(tx.em, next);
  tx.publish('platform.subscription.changed', {
    aggregateId: next.organizationId,
    orgId: next.organizationId,
    payload: subscriptionChanged(next, plan),
  });
  return next;
}

/** An organisation's subscription, batched per request. */
export function subscriptionOf(
  rx: ServiceContext<unknown>,
  organizationId: string,
): Promise<SubscriptionRecord | null> {
  const loader = rx.loaders.get<string, SubscriptionRecord | null>('subscriptions', async (ids) => {
    const found = new Map((await findSubscriptions(rx.em, ids)).map((s) => [s.organizationId, s]));
    return ids.map((id) => found.get(id) ?? null);
  });
  return loader.load(organizationId);
}
