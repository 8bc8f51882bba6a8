import { forbidden, fromMinorUnits, payload, read, write } from '@tradegraph/shared';
import { readForOrganization, STAFF } from '../domain/access.ts';
import { createPlan, planById, plans } from '../domain/plans.ts';
import { assignPlan, changeSubscriptionStatus, subscriptionOf } from '../domain/subscriptions.ts';
import type {
  MutationResolvers,
  OrganizationSubscriptionResolvers,
  PlanResolvers,
  QueryResolvers,
} from '../generated/resolvers.ts';

export const planQueries = {
  plans: (_, __, ctx) => read(ctx, { permission: 'org:read', tenant: 'service' }, (rx) => plans(rx)),
  organizationSubscription: (_, { organizationId }, ctx) =>
    readForOrganization(ctx, 'billing:read', organizationId, (rx, orgId) => subscriptionOf(rx, orgId)),
} satisfies Pick<QueryResolvers, 'plans' | 'organizationSubscription'>;

export const planMutations = {
  createPlan: (_, { input }, ctx) => payload('plan', () => write(ctx, STAFF, (tx) => createPlan(tx, input))),
  assignPlan: (_, { input }, ctx) =>
    payload('subscription', () => write(ctx, STAFF, (tx) => assignPlan(tx, input))),
  changeSubscriptionStatus: (_, { input }, ctx) =>
    payload('subscription', () => write(ctx, STAFF, (tx) => changeSubscriptionStatus(tx, input))),
} satisfies Pick<MutationResolvers, 'createPlan' | 'assignPlan' | 'changeSubscriptionStatus'>;

export const planResolvers = {
  monthlyFee: (p) => fromMinorUnits(p.monthlyFeeMinor, p.currencyCode),
  limits: (p) => ({ maxStorefronts: p.maxStorefronts, maxApiCallsPerDay: p.maxApiCallsPerDay }),
} satisfies PlanResolvers;

export const subscriptionResolvers = {
  organization: (s) => ({ id: s.organizationId }),
  plan: async (s, _, ctx) => {
    const plan = await planById(ctx, s.planId);
    if (!plan) throw forbidden('The plan of this subscription is not readable');
    return plan;
  },
} satisfies OrganizationSubscriptionResolvers;
