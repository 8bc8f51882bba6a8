import type { SubscriptionStatus } from '@tradegraph/contracts';
import { dbDate, type EntityManager, rows } from '@tradegraph/shared';

/** An organisation's subscription to a plan. */
export interface SubscriptionRecord {
  organizationId: string;
  planId: string;
  status: SubscriptionStatus;
  trialEndsAt: Date | null;
  startedAt: Date;
  cancelledAt: Date | null;
  updatedAt: Date;
}

interface SubscriptionRow {
  organization_id: string;
  plan_id: string;
  status: SubscriptionStatus;
  trial_ends_at: Date | string | null;
  started_at: Date | string;
  cancelled_at: Date | string | null;
  updated_at: Date | string;
}

const COLUMNS = 'organization_id, plan_id, status, trial_ends_at, started_at, cancelled_at, updated_at';

function parse(r: SubscriptionRow): SubscriptionRecord {
  return {
    organizationId: r.organization_id,
    planId: r.plan_id,
    status: r.status,
    trialEndsAt: r.trial_ends_at ? dbDate(r.trial_ends_at) : null,
    startedAt: dbDate(r.started_at),
    cancelledAt: r.cancelled_at ? dbDate(r.cancelled_at) : null,
    updatedAt: dbDate(r.updated_at),
  };
}

export async function findSubscriptions(
  em: EntityManager,
  organizationIds: readonly string[],
  opts: { forUpdate?: boolean } = {},
): Promise<SubscriptionRecord[]> {
  if (!organizationIds.length) return [];
  const list = await rows<SubscriptionRow>(
    em,
    `select ${COLUMNS} from subscriptions where organization_id in (${organizationIds.map(() => '?').join(', ')})${opts.forUpdate ? ' for update' : ''}`,
    [...organizationIds],
  );
  return list.map(parse);
}

export async function findSubscription(
  em: EntityManager,
  organizationId: string,
  opts: { forUpdate?: boolean } = {},
): Promise<SubscriptionRecord | null> {
  return (await findSubscriptions(em, [organizationId], opts))[0] ?? null;
}

/** Inserts or replaces the organisation's subscription. */
export async function saveSubscription(em: EntityManager, s: SubscriptionRecord): Promise<void> {
  await em.execute(
    `insert into subscriptions (${COLUMNS}) values (?, ?, ?, ?, ?, ?, ?)
     on duplicate key update plan_id = values(plan_id), status = values(status), trial_ends_at = values(trial_ends_at),
       started_at = values(started_at), cancelled_at = values(cancelled_at), updated_at = values(updated_at)`,
    [s.organizationId, s.planId, s.status, s.trialEndsAt, s.startedAt, s.cancelledAt, s.updatedAt],
    'run',
  );
}

/** Subscriptions that ran during [start, end): started before its end, not cancelled before its start. */
export async function subscriptionsRunningIn(
  em: EntityManager,
  start: Date,
  end: Date,
): Promise<SubscriptionRecord[]> {
  const list = await rows<SubscriptionRow>(
    em,
    `select ${COLUMNS} from subscriptions
     where started_at < ? and (cancelled_at is null or cancelled_at >= ?) order by organization_id`,
    [end, start],
  );
  return list.map(parse);
}
