import { type OrganizationKind, PERMISSIONS } from '@tradegraph/shared';
import type { EventType, PayloadOf } from '@tradegraph/shared/events';
import { member, orgId, startHarness, waitFor } from '@tradegraph/testing';
import { start } from '../src/service.ts';

/** The platform subgraph on fresh databases, called as the router would (see @tradegraph/testing). */
export const startPlatform = (env: Record<string, string> = {}) =>
  startHarness({ name: 'platform', start, env: { PLATFORM_INVOICE_INTERVAL_MS: '0', ...env } });
export type PlatformHarness = Awaited<ReturnType<typeof startPlatform>>;

/** Platform staff: the OWNER of a PLATFORM organisation (identity grants it `platform:admin`). */
export const staff = () => member(orgId(), 'PLATFORM', [...PERMISSIONS]);

/**
 * Publishes another service's event and waits until consumer group `group`
 * applied it (the harness's `deliver` returns when any group did, and the
 * audit trail is a group of its own).
 */
export async function deliverTo<T extends EventType>(
  h: PlatformHarness,
  type: T,
  payload: PayloadOf<T>,
  meta: { aggregateId: string; orgId: string | null; occurredAt?: Date },
  group: 'platform' | 'platform_audit' = 'platform',
) {
  const envelope = await h.emit(type, payload, meta);
  await waitFor(
    async () =>
      (
        await h.sql('select 1 from processed_events where consumer_group = ? and event_id = ?', [
          group,
          envelope.id,
        ])
      ).length > 0,
    `${type} applied by ${group}`,
  );
  return envelope;
}

/** Identity announces a new organisation, as at sign-up; resolves once the platform applied it. */
export async function organizationCreated(
  h: PlatformHarness,
  kind: OrganizationKind,
  name = `${kind.toLowerCase()} ${Math.random().toString(36).slice(2, 8)}`,
  id = orgId(),
) {
  await deliverTo(
    h,
    'identity.organization.created',
    { organizationId: id, name, kind, slug: name.replace(/\W+/g, '-'), createdByUserId: null },
    { aggregateId: id, orgId: id },
  );
  return id;
}

const SUBSCRIPTION =
  'organizationId status trialEndsAt startedAt cancelledAt plan { id code transactionFeeBps monthlyFee { amount currencyCode } }';
const ORGANIZATION = `id name kind status suspendedReason suspendedAt subscription { ${SUBSCRIPTION} }`;
const ERRORS = 'userErrors { field message code }';

export const PLANS = `{ plans { id code name monthlyFee { amount currencyCode } transactionFeeBps limits { maxStorefronts maxApiCallsPerDay } trialDays isDefault } }`;
export const SUBSCRIPTION_OF = `query ($organizationId: ID) { organizationSubscription(organizationId: $organizationId) { ${SUBSCRIPTION} } }`;
export const CREATE_PLAN = `mutation ($input: CreatePlanInput!) { createPlan(input: $input) { plan { id code name transactionFeeBps trialDays isDefault monthlyFee { amount currencyCode } limits { maxStorefronts maxApiCallsPerDay } } ${ERRORS} } }`;
export const ASSIGN_PLAN = `mutation ($input: AssignPlanInput!) { assignPlan(input: $input) { subscription { ${SUBSCRIPTION} } ${ERRORS} } }`;
export const CHANGE_STATUS = `mutation ($input: ChangeSubscriptionStatusInput!) { changeSubscriptionStatus(input: $input) { subscription { ${SUBSCRIPTION} } ${ERRORS} } }`;
export const SUSPEND = `mutation ($input: SuspendOrganizationInput!) { suspendOrganization(input: $input) { organization { ${ORGANIZATION} } ${ERRORS} } }`;
export const REACTIVATE = `mutation ($input: ReactivateOrganizationInput!) { reactivateOrganization(input: $input) { organization { ${ORGANIZATION} } ${ERRORS} } }`;
export const SEARCH = `query ($filter: OrganizationSearchFilter, $first: Int, $after: String) {
  searchOrganizations(filter: $filter, first: $first, after: $after) { totalCount pageInfo { hasNextPage endCursor } nodes { ${ORGANIZATION} } }
}`;
export const AUDIT = `query ($filter: AuditTrailFilter, $first: Int, $after: String) {
  auditTrail(filter: $filter, first: $first, after: $after) {
    totalCount pageInfo { hasNextPage endCursor }
    nodes { id eventId type aggregateId organizationId actorKind actorId source requestId occurredAt recordedAt payload }
  }
}`;
export const GENERATE_INVOICES = `mutation ($input: GenerateInvoicesInput!) { generateInvoices(input: $input) { issued ${ERRORS} } }`;
export const INVOICES = `query ($filter: InvoiceFilter, $first: Int, $after: String) {
  invoices(filter: $filter, first: $first, after: $after) {
    totalCount pageInfo { hasNextPage endCursor }
    nodes { id organizationId month plan { code } issuedAt totals { amount currencyCode }
      lines { kind description amount { amount currencyCode } base { amount currencyCode } rateBps } }
  }
}`;
export const SALES = `query ($filter: AnalyticsFilter) { salesByDay(filter: $filter) {
  day orders units gmv { amount currencyCode } averageOrderValue { amount currencyCode } confirmedOrders confirmedGmv { amount currencyCode } } }`;
export const TOP_PRODUCTS = `query ($filter: AnalyticsFilter, $by: TopProductsOrder, $first: Int) { topProducts(filter: $filter, by: $by, first: $first) {
  variantId title units gmv { amount currencyCode } } }`;
export const SELL_THROUGH = `query ($filter: AnalyticsFilter) { sellThrough(filter: $filter) { retailerId orders units gmv { amount currencyCode } shareOfUnits } }`;
export const SUPPLIER_PERFORMANCE = `query ($filter: AnalyticsFilter) { supplierPerformance(filter: $filter) {
  day requested reserved rejected fillRate unitsRequested unitsReserved shipped averageLeadTimeHours } }`;
export const PRICE_HISTORY = `query ($variantId: ID!, $first: Int) { priceHistory(variantId: $variantId, first: $first) {
  variantId organizationId kind sourceId price { amount currencyCode } at } }`;
