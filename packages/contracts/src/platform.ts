/**
 * Events produced by the platform subgraph (Platform Ops): subscriptions to
 * plans, organisation suspensions and issued invoices. Identity reacts to the
 * suspension events (the organisation's access ends); payments can take the
 * platform fee of a retailer's split from `platform.subscription.changed`
 * (docs/platform.md). Amounts are integer minor units as decimal strings.
 */
import { type EventVersions, registerEventTypes } from '@tradegraph/shared/events';

export type SubscriptionStatus = 'TRIALING' | 'ACTIVE' | 'PAST_DUE' | 'CANCELLED';

/**
 * An organisation's subscription after a change (whole state): a plan was
 * assigned (the default trial plan when the organisation was created) or its
 * status moved. Carries the plan's terms, so consumers need no lookup.
 * Aggregate: the organisation.
 */
export interface SubscriptionChangedPayload {
  organizationId: string;
  planId: string;
  planCode: string;
  status: SubscriptionStatus;
  /** The platform's transaction fee on the organisation's sales, in basis points (1/100 %). */
  transactionFeeBps: number;
  monthlyFeeMinor: string;
  currencyCode: string;
  /** ISO-8601 end of the trial; null when the subscription is not trialing. */
  trialEndsAt: string | null;
  /** ISO-8601 instant of the change. */
  changedAt: string;
}

/**
 * Platform staff suspended an organisation: its members' tokens, refresh
 * tokens and API keys must stop working (identity ends them). Aggregate: the organisation.
 */
export interface OrganizationSuspendedPayload {
  organizationId: string;
  reason: string;
  /** The staff user who suspended it (null for an API key or the system). */
  suspendedByUserId: string | null;
  suspendedAt: string;
}

/** Platform staff reactivated a suspended organisation. Aggregate: the organisation. */
export interface OrganizationReactivatedPayload {
  organizationId: string;
  reactivatedByUserId: string | null;
  reactivatedAt: string;
}

/** A monthly invoice was issued (once per organisation and month). Aggregate: the invoice. */
export interface InvoiceIssuedPayload {
  invoiceId: string;
  organizationId: string;
  /** Billing month, `YYYY-MM` (UTC). */
  month: string;
  /** What is due, one entry per currency. */
  totals: { amountMinor: string; currencyCode: string }[];
  issuedAt: string;
}

/** The platform slice of the event catalogue: type → current version and payload. */
export interface PlatformEvents {
  'platform.subscription.changed': { version: 1; payload: SubscriptionChangedPayload };
  'platform.organization.suspended': { version: 1; payload: OrganizationSuspendedPayload };
  'platform.organization.reactivated': { version: 1; payload: OrganizationReactivatedPayload };
  'platform.invoice.issued': { version: 1; payload: InvoiceIssuedPayload };
}

declare module '@tradegraph/shared/events/catalogue' {
  interface EventCatalogue extends PlatformEvents {}
}

export const PLATFORM_EVENT_VERSIONS: EventVersions<keyof PlatformEvents> = {
  'platform.subscription.changed': 1,
  'platform.organization.suspended': 1,
  'platform.organization.reactivated': 1,
  'platform.invoice.issued': 1,
};
registerEventTypes(PLATFORM_EVENT_VERSIONS);
