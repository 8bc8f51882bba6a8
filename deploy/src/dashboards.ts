/**
 * The Grafana dashboards of docker/observability/grafana/dashboards, as typed objects
 * (@grafana/schema) rendered to JSON by `npm run deploy:render`. Queries use only metric names
 * that the code registers (deploy/test/observability.test.ts greps them) plus mysqld-exporter's.
 * Label conventions come from docker/observability/prometheus/prometheus.yml: every target has
 * `service` (router, identity, …); the metrics themselves carry `subgraph`, `group`, `topic`, ….
 */
import type { Dashboard, Panel } from '@grafana/schema';

export const PROMETHEUS = { type: 'prometheus', uid: 'prometheus' } as const;
export const LOKI = { type: 'loki', uid: 'loki' } as const;

const RATE = '$__rate_interval';

interface Query {
  expr: string;
  legend?: string;
}

type Unit = 'reqps' | 'percentunit' | 's' | 'short' | 'bytes' | 'ops' | 'none';

let nextId = 1;

/** A time-series panel; `w` is in grid columns (24 per row), rows are 8 high. */
function timeseries(title: string, unit: Unit, queries: Query[], w = 12, description?: string): Panel {
  return {
    id: nextId++,
    type: 'timeseries',
    title,
    ...(description ? { description } : {}),
    datasource: PROMETHEUS,
    gridPos: { h: 8, w, x: 0, y: 0 },
    fieldConfig: { defaults: { unit }, overrides: [] },
    options: { legend: { displayMode: 'table', placement: 'right', calcs: ['mean', 'max'] } },
    targets: queries.map((q, i) => ({
      refId: String.fromCharCode(65 + i),
      datasource: PROMETHEUS,
      expr: q.expr,
      ...(q.legend ? { legendFormat: q.legend } : {}),
    })),
  };
}

function stat(title: string, unit: Unit, expr: string, w = 6): Panel {
  return {
    id: nextId++,
    type: 'stat',
    title,
    datasource: PROMETHEUS,
    gridPos: { h: 4, w, x: 0, y: 0 },
    fieldConfig: { defaults: { unit }, overrides: [] },
    options: { reduceOptions: { calcs: ['lastNotNull'], fields: '', values: false } },
    targets: [{ refId: 'A', datasource: PROMETHEUS, expr }],
  };
}

function logs(title: string, expr: string): Panel {
  return {
    id: nextId++,
    type: 'logs',
    title,
    datasource: LOKI,
    gridPos: { h: 10, w: 24, x: 0, y: 0 },
    options: { showTime: true, wrapLogMessage: true, sortOrder: 'Descending' },
    targets: [{ refId: 'A', datasource: LOKI, expr }],
  };
}

const quantiles = (metric: string, by: string, selector = '') =>
  [0.5, 0.95, 0.99].map((q) => ({
    expr: `histogram_quantile(${q}, sum by (le, ${by}) (rate(${metric}_bucket${selector}[${RATE}])))`,
    legend: `p${q * 100} {{${by}}}`,
  }));

/** Lays panels out left to right, wrapping at 24 columns. */
function layout(panels: Panel[]): Panel[] {
  let x = 0;
  let y = 0;
  let rowHeight = 0;
  for (const p of panels) {
    const pos = p.gridPos!;
    if (x + pos.w > 24) {
      x = 0;
      y += rowHeight;
      rowHeight = 0;
    }
    pos.x = x;
    pos.y = y;
    x += pos.w;
    rowHeight = Math.max(rowHeight, pos.h);
  }
  return panels;
}

function dashboard(
  uid: string,
  title: string,
  description: string,
  panels: Panel[],
  extra: Partial<Dashboard> = {},
): Dashboard {
  return {
    uid,
    title,
    description,
    tags: ['tradegraph'],
    timezone: 'browser',
    editable: false,
    graphTooltip: 1,
    refresh: '30s',
    schemaVersion: 39,
    version: 1,
    time: { from: 'now-1h', to: 'now' },
    links: [
      {
        title: 'Tradegraph',
        type: 'dashboards',
        tags: ['tradegraph'],
        asDropdown: true,
        icon: 'external link',
        includeVars: false,
        keepTime: true,
        targetBlank: false,
        tooltip: '',
        url: '',
      },
    ],
    panels: layout(panels),
    ...extra,
  };
}

function router(): Dashboard {
  const svc = '{service="router"}';
  return dashboard(
    'tradegraph-router',
    'Tradegraph · Router',
    'Traffic, errors, latency, subgraph fetches and protections of the federation router.',
    [
      stat('Requests/s', 'reqps', `sum(rate(router_http_requests_total[${RATE}]))`),
      stat(
        'HTTP 5xx ratio',
        'percentunit',
        `sum(rate(router_http_requests_total{status=~"5.."}[${RATE}])) / clamp_min(sum(rate(router_http_requests_total[${RATE}])), 1e-9)`,
      ),
      stat(
        'GraphQL error ratio',
        'percentunit',
        `sum(rate(router_graphql_operations_total{outcome="error"}[${RATE}])) / clamp_min(sum(rate(router_graphql_operations_total[${RATE}])), 1e-9)`,
      ),
      stat('Rate-limited/s', 'ops', `sum(rate(router_protection_refusals_total{reason="rate"}[${RATE}]))`),
      timeseries('HTTP requests by route and status', 'reqps', [
        {
          expr: `sum by (route, status) (rate(router_http_requests_total[${RATE}]))`,
          legend: '{{route}} {{status}}',
        },
      ]),
      timeseries(
        'GraphQL operations by type and outcome',
        'ops',
        [
          {
            expr: `sum by (type, outcome) (rate(router_graphql_operations_total[${RATE}]))`,
            legend: '{{type}} {{outcome}}',
          },
        ],
        12,
        'Labels are bounded on purpose: operation names are client-chosen, so latency per named operation comes from traces.',
      ),
      timeseries('Latency by route', 's', quantiles('router_http_request_duration_seconds', 'route')),
      timeseries('Error ratio by operation type', 'percentunit', [
        {
          expr: `sum by (type) (rate(router_graphql_operations_total{outcome="error"}[${RATE}])) / clamp_min(sum by (type) (rate(router_graphql_operations_total[${RATE}])), 1e-9)`,
          legend: '{{type}}',
        },
      ]),
      timeseries('Subgraph fetch latency (p95, p99)', 's', [
        ...quantiles('router_subgraph_fetch_duration_seconds', 'subgraph').slice(1),
      ]),
      timeseries('Subgraph fetches by outcome', 'ops', [
        {
          expr: `sum by (subgraph, outcome) (rate(router_subgraph_fetch_duration_seconds_count[${RATE}]))`,
          legend: '{{subgraph}} {{outcome}}',
        },
      ]),
      timeseries('Protection refusals (rate limit, cost, safelist, authorization)', 'ops', [
        { expr: `sum by (reason) (rate(router_protection_refusals_total[${RATE}]))`, legend: '{{reason}}' },
      ]),
      timeseries('Authentication failures', 'ops', [
        { expr: `sum by (reason) (rate(router_auth_failures_total[${RATE}]))`, legend: '{{reason}}' },
        {
          expr: `sum by (result) (rate(router_api_key_cache_total[${RATE}]))`,
          legend: 'API-key cache {{result}}',
        },
      ]),
      timeseries('Operation cost p95 (estimated vs actual)', 'short', [
        {
          expr: `histogram_quantile(0.95, sum by (le, type) (rate(router_operation_estimated_cost_bucket[${RATE}])))`,
          legend: 'estimated {{type}}',
        },
        {
          expr: `histogram_quantile(0.95, sum by (le, type) (rate(router_operation_actual_cost_bucket[${RATE}])))`,
          legend: 'actual {{type}}',
        },
      ]),
      timeseries('Trusted documents', 'ops', [
        { expr: `sum by (result) (rate(router_trusted_documents_total[${RATE}]))`, legend: '{{result}}' },
      ]),
      timeseries(
        'CPU (cores)',
        'short',
        [
          {
            expr: `sum by (instance) (rate(process_cpu_seconds_total${svc}[${RATE}]))`,
            legend: '{{instance}}',
          },
        ],
        8,
      ),
      timeseries(
        'Resident memory',
        'bytes',
        [{ expr: `sum by (instance) (process_resident_memory_bytes${svc})`, legend: '{{instance}}' }],
        8,
      ),
      timeseries(
        'Event-loop lag p99',
        's',
        [{ expr: `max by (instance) (nodejs_eventloop_lag_p99_seconds${svc})`, legend: '{{instance}}' }],
        8,
      ),
      logs('Router warnings and errors', '{service="router", level=~"warn|error|fatal"}'),
    ],
  );
}

function subgraphs(): Dashboard {
  const sel = '{subgraph=~"$subgraph"}';
  const svcSel = '{service=~"$subgraph"}';
  return dashboard(
    'tradegraph-subgraphs',
    'Tradegraph · Subgraphs',
    'Per-subgraph GraphQL traffic, latency, SQL statements per request and read-your-writes waits.',
    [
      timeseries('Requests/s', 'reqps', [
        { expr: `sum by (subgraph) (rate(graphql_requests_total${sel}[${RATE}]))`, legend: '{{subgraph}}' },
      ]),
      timeseries('Error ratio', 'percentunit', [
        {
          expr: `sum by (subgraph) (rate(graphql_requests_total{subgraph=~"$subgraph", outcome="error"}[${RATE}])) / clamp_min(sum by (subgraph) (rate(graphql_requests_total${sel}[${RATE}])), 1e-9)`,
          legend: '{{subgraph}}',
        },
      ]),
      timeseries('Latency', 's', quantiles('graphql_request_duration_seconds', 'subgraph', sel)),
      timeseries('Top operations by rate', 'reqps', [
        {
          expr: `topk(10, sum by (subgraph, operation) (rate(graphql_requests_total${sel}[${RATE}])))`,
          legend: '{{subgraph}} {{operation}}',
        },
      ]),
      timeseries(
        'SQL statements per request (mean and p95)',
        'short',
        [
          {
            expr: `sum by (subgraph) (rate(graphql_sql_statements_per_request_sum${sel}[${RATE}])) / clamp_min(sum by (subgraph) (rate(graphql_sql_statements_per_request_count${sel}[${RATE}])), 1e-9)`,
            legend: 'mean {{subgraph}}',
          },
          {
            expr: `histogram_quantile(0.95, sum by (le, subgraph) (rate(graphql_sql_statements_per_request_bucket${sel}[${RATE}])))`,
            legend: 'p95 {{subgraph}}',
          },
        ],
        12,
        'A rise without a change in traffic is an N+1 query: a list child that bypasses its loader.',
      ),
      timeseries('Internal-token rejections', 'ops', [
        {
          expr: `sum by (subgraph) (rate(internal_token_rejections_total${sel}[${RATE}]))`,
          legend: '{{subgraph}}',
        },
      ]),
      timeseries('Read-your-writes: publish wait p95', 's', [
        {
          expr: `histogram_quantile(0.95, sum by (le, service, outcome) (rate(tradegraph_publish_wait_seconds_bucket{service=~"$subgraph"}[${RATE}])))`,
          legend: '{{service}} {{outcome}}',
        },
      ]),
      timeseries('Read-your-writes: settle p95', 's', [
        {
          expr: `histogram_quantile(0.95, sum by (le, service, outcome) (rate(tradegraph_settle_seconds_bucket{service=~"$subgraph"}[${RATE}])))`,
          legend: '{{service}} {{outcome}}',
        },
      ]),
      timeseries(
        'CPU (cores)',
        'short',
        [
          {
            expr: `sum by (service) (rate(process_cpu_seconds_total${svcSel}[${RATE}]))`,
            legend: '{{service}}',
          },
        ],
        8,
      ),
      timeseries(
        'Resident memory',
        'bytes',
        [{ expr: `sum by (service) (process_resident_memory_bytes${svcSel})`, legend: '{{service}}' }],
        8,
      ),
      timeseries(
        'Event-loop lag p99',
        's',
        [{ expr: `max by (service) (nodejs_eventloop_lag_p99_seconds${svcSel})`, legend: '{{service}}' }],
        8,
      ),
      logs('Warnings and errors', '{service=~"$subgraph", level=~"warn|error|fatal"}'),
    ],
    {
      templating: {
        list: [
          {
            name: 'subgraph',
            label: 'Subgraph',
            type: 'query',
            datasource: PROMETHEUS,
            query: 'label_values(graphql_requests_total, subgraph)',
            refresh: 2,
            includeAll: true,
            multi: true,
            allValue: '.+',
            current: { text: 'All', value: '$__all' },
          },
        ],
      },
    },
  );
}

function events(): Dashboard {
  return dashboard(
    'tradegraph-events',
    'Tradegraph · Event bus',
    'Outbox relay backlog, consumer lag, dead letters, throughput and latency of the event backbone.',
    [
      stat(
        'Consumer lag (messages)',
        'short',
        'sum(max by (group, topic, partition) (tradegraph_events_consumer_lag))',
      ),
      stat('Dead letters', 'short', 'sum(max by (group) (tradegraph_events_dead_letters))'),
      stat('Outbox backlog (rows)', 'short', 'sum(max by (service) (tradegraph_outbox_backlog))'),
      stat('Oldest unpublished outbox row', 's', 'max(tradegraph_outbox_publish_lag_seconds)'),
      timeseries(
        'Consumer lag by group',
        'short',
        [
          {
            expr: 'sum by (group) (max by (group, topic, partition) (tradegraph_events_consumer_lag))',
            legend: '{{group}}',
          },
        ],
        12,
        'Every replica of a service reports the same partitions, hence max before sum.',
      ),
      timeseries('Dead letters by group', 'short', [
        { expr: 'max by (group) (tradegraph_events_dead_letters)', legend: '{{group}}' },
      ]),
      timeseries('Relay backlog by service', 'short', [
        { expr: 'max by (service) (tradegraph_outbox_backlog)', legend: 'rows {{service}}' },
      ]),
      timeseries('Relay: oldest unpublished row and publish delay p95', 's', [
        { expr: 'max by (service) (tradegraph_outbox_publish_lag_seconds)', legend: 'oldest {{service}}' },
        {
          expr: `histogram_quantile(0.95, sum by (le, service) (rate(tradegraph_outbox_publish_delay_seconds_bucket[${RATE}])))`,
          legend: 'p95 delay {{service}}',
        },
      ]),
      timeseries('Published by topic', 'ops', [
        { expr: `sum by (topic) (rate(tradegraph_events_published_total[${RATE}]))`, legend: '{{topic}}' },
        {
          expr: `sum by (service) (rate(tradegraph_outbox_published_total[${RATE}]))`,
          legend: 'relayed {{service}}',
        },
      ]),
      timeseries('Consumed by group and outcome', 'ops', [
        {
          expr: `sum by (group, outcome) (rate(tradegraph_events_consumed_total[${RATE}]))`,
          legend: '{{group}} {{outcome}}',
        },
      ]),
      timeseries('Handler retries', 'ops', [
        {
          expr: `sum by (group, topic) (rate(tradegraph_events_retries_total[${RATE}]))`,
          legend: '{{group}} {{topic}}',
        },
      ]),
      timeseries(
        'Occurred → handled latency',
        's',
        quantiles('tradegraph_events_handle_latency_seconds', 'group'),
      ),
      logs('Dead-lettered and failed handlers', '{service=~".+"} |~ "dead.?letter|handler failed"'),
    ],
  );
}

function mysql(): Dashboard {
  return dashboard(
    'tradegraph-mysql',
    'Tradegraph · MySQL',
    'The MySQL server behind every service and tenant database (mysqld-exporter).',
    [
      stat('Up', 'none', 'max(mysql_up)'),
      stat(
        'Connections in use',
        'percentunit',
        'max(mysql_global_status_threads_connected) / max(mysql_global_variables_max_connections)',
      ),
      stat('Queries/s', 'ops', `sum(rate(mysql_global_status_queries[${RATE}]))`),
      stat('Slow queries/s', 'ops', `sum(rate(mysql_global_status_slow_queries[${RATE}]))`),
      timeseries('Connections', 'short', [
        { expr: 'max(mysql_global_status_threads_connected)', legend: 'connected' },
        { expr: 'max(mysql_global_status_threads_running)', legend: 'running' },
        { expr: 'max(mysql_global_variables_max_connections)', legend: 'max' },
      ]),
      timeseries('Commands', 'ops', [
        {
          expr: `topk(8, sum by (command) (rate(mysql_global_status_commands_total[${RATE}])))`,
          legend: '{{command}}',
        },
      ]),
      timeseries('Aborted connections and row-lock waits', 'ops', [
        { expr: `sum(rate(mysql_global_status_aborted_connects[${RATE}]))`, legend: 'aborted connects' },
        { expr: `sum(rate(mysql_global_status_innodb_row_lock_waits[${RATE}]))`, legend: 'row-lock waits' },
      ]),
      timeseries('InnoDB buffer pool reads from disk', 'ops', [
        { expr: `sum(rate(mysql_global_status_innodb_buffer_pool_reads[${RATE}]))`, legend: 'disk reads' },
        {
          expr: `sum(rate(mysql_global_status_innodb_buffer_pool_read_requests[${RATE}]))`,
          legend: 'read requests',
        },
      ]),
    ],
  );
}

/** File name (under docker/observability/grafana/dashboards) → dashboard. */
export function dashboards(): Record<string, Dashboard> {
  nextId = 1;
  return {
    'router.json': router(),
    'subgraphs.json': subgraphs(),
    'events.json': events(),
    'mysql.json': mysql(),
  };
}
