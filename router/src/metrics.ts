import { counter, histogram } from '@tradegraph/shared/edge';

const COST = [1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10_000, 25_000, 50_000];
const SECONDS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/**
 * The router's Prometheus metrics, on the process-wide registry from shared
 * (served at /metrics). Labels are bounded: no operation names (client-chosen).
 */
export function routerMetrics() {
  return {
    requests: counter('router_http_requests_total', 'HTTP requests served by the router', [
      'route',
      'status',
    ]),
    duration: histogram(
      'router_http_request_duration_seconds',
      'Duration of router HTTP requests',
      ['route'],
      SECONDS,
    ),
    operations: counter('router_graphql_operations_total', 'GraphQL operations handled by the router', [
      'type',
      'outcome',
    ]),
    subgraphFetches: histogram(
      'router_subgraph_fetch_duration_seconds',
      'Duration of router → subgraph fetches',
      ['subgraph', 'outcome'],
      SECONDS,
    ),
    authFailures: counter('router_auth_failures_total', 'Requests refused or failed at authentication', [
      'reason',
    ]),
    apiKeyCache: counter('router_api_key_cache_total', 'API-key cache lookups', ['result']),
    estimatedCost: histogram(
      'router_operation_estimated_cost',
      'Static cost of operations, estimated before planning (see docs/security.md)',
      ['type'],
      COST,
    ),
    actualCost: histogram(
      'router_operation_actual_cost',
      'Cost of what operations actually returned (real list lengths)',
      ['type'],
      COST,
    ),
    refusals: counter(
      'router_protection_refusals_total',
      'Operations refused or trimmed by a protection (rate, cost, safelist, authorization)',
      ['reason'],
    ),
    trustedDocuments: counter(
      'router_trusted_documents_total',
      'Safelist checks of operations when TRUSTED_DOCUMENTS=require',
      ['result'],
    ),
  };
}

export type RouterMetrics = ReturnType<typeof routerMetrics>;
