import { startHarness } from '@tradegraph/testing';
import { start } from '../src/service.ts';

/** The orders subgraph on fresh databases, called as the router would (see @tradegraph/testing). */
export const startOrders = (env: Record<string, string> = {}) =>
  startHarness({ name: 'orders', start, env: { ORDERS_SAGA_SWEEP_INTERVAL_MS: '0', ...env } });
export type OrdersHarness = Awaited<ReturnType<typeof startOrders>>;

export const RULES = `query { fulfillmentRules { supplierPriority maxSuppliersPerOrder updatedAt } }`;
export const SET_RULES = `mutation ($input: SetFulfillmentRulesInput!) {
  setFulfillmentRules(input: $input) { fulfillmentRules { supplierPriority maxSuppliersPerOrder } userErrors { field message code } }
}`;
