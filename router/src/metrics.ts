import { counter, histogram } from '@tradegraph/shared';

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
  };
}

export type RouterMetrics = ReturnType<typeof routerMetrics>;
