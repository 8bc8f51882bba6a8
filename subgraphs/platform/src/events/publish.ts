import type {
  InvoiceIssuedPayload,
  OrganizationReactivatedPayload,
  OrganizationSuspendedPayload,
  SubscriptionChangedPayload,
} from '@tradegraph/contracts';
import type { InvoiceRecord } from '../store/invoices.ts';
import type { PlanRecord } from '../store/plans.ts';
import type { SubscriptionRecord } from '../store/subscriptions.ts';

/** `platform.subscription.changed`: the subscription with its plan's terms (payments reads the fee from it). */
export function subscriptionChanged(s: SubscriptionRecord, plan: PlanRecord): SubscriptionChangedPayload {
  return {
    organizationId: s.organizationId,
    planId: plan.id,
    planCode: plan.code,
    status: s.status,
    transactionFeeBps: plan.transactionFeeBps,
    monthlyFeeMinor: plan.monthlyFeeMinor.toString(),
    currencyCode: plan.currencyCode,
    trialEndsAt: s.trialEndsAt?.toISOString() ?? null,
    changedAt: s.updatedAt.toISOString(),
  };
}

export function organizationSuspended(
  organizationId: string,
  reason: string,
  byUserId: string | null,
  at: Date,
): OrganizationSuspendedPayload {
  return { organizationId, reason, suspendedByUserId: byUserId, suspendedAt: at.toISOString() };
}

export function organizationReactivated(
  organizationId: string,
  byUserId: string | null,
  at: Date,
): OrganizationReactivatedPayload {
  return { organizationId, reactivatedByUserId: byUserId, reactivatedAt: at.toISOString() };
}

export function invoiceIssued(i: InvoiceRecord): InvoiceIssuedPayload {
  return {
    invoiceId: i.id,
    organizationId: i.organizationId,
    month: i.month,
    totals: i.totals,
    issuedAt: i.issuedAt.toISOString(),
  };
}
