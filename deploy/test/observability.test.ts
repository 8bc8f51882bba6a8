/**
 * docker/observability: Prometheus scrape config and alert rules, Grafana provisioning and
 * dashboards, the Loki/Promtail logs path. Every PromQL expression must parse (Prometheus's own
 * lezer grammar) and may name only metrics the code registers — found by grepping the sources for
 * counter()/histogram()/gauge() and by prom-client's default metrics on the kernel's registry —
 * or mysqld-exporter's, or Prometheus's `up`.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { parser } from '@prometheus-io/lezer-promql';
import { metricsRegistry } from '@tradegraph/shared';
import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { dashboards } from '../src/dashboards.ts';
import { readText, readYaml, repoRoot, subgraphs } from './helpers.ts';

const OBS = 'docker/observability';

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'node_modules' || entry.name === 'test' || entry.name === 'generated') continue;
    const path = `${dir}/${entry.name}`;
    if (entry.isDirectory()) out.push(...sourceFiles(path));
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts')) out.push(path);
  }
  return out;
}

/** Metric names the code registers: `counter('name', …)`, `histogram(…)`, `gauge(…)`. */
function codeMetrics(): Map<string, 'counter' | 'histogram' | 'gauge'> {
  const found = new Map<string, 'counter' | 'histogram' | 'gauge'>();
  const dirs = ['packages', 'router', 'subgraphs'].map((d) => `${repoRoot}${d}`);
  for (const file of dirs.flatMap(sourceFiles)) {
    for (const m of readFileSync(file, 'utf8').matchAll(
      /\b(counter|histogram|gauge)\(\s*['"]([a-z_:][a-z0-9_:]*)['"]/g,
    )) {
      found.set(m[2]!, m[1] as 'counter' | 'histogram' | 'gauge');
    }
  }
  return found;
}

/** Series names a metric exposes (histograms: _bucket, _sum, _count). */
function seriesNames(): Set<string> {
  const names = new Set<string>(['up']); // Prometheus's own per target
  const add = (name: string, type: string) => {
    names.add(name);
    if (type === 'histogram') for (const s of ['_bucket', '_sum', '_count']) names.add(name + s);
  };
  for (const [name, type] of codeMetrics()) add(name, type);
  // prom-client's default process/nodejs metrics, as the kernel registers them
  for (const m of metricsRegistry.getMetricsAsArray())
    add(m.name, String((m as unknown as { type?: unknown }).type));
  // mysqld-exporter (global status / variables collectors): named by that exporter, not by us
  for (const n of MYSQLD_EXPORTER) names.add(n);
  return names;
}

const MYSQLD_EXPORTER = [
  'mysql_up',
  'mysql_global_status_threads_connected',
  'mysql_global_status_threads_running',
  'mysql_global_variables_max_connections',
  'mysql_global_status_queries',
  'mysql_global_status_slow_queries',
  'mysql_global_status_commands_total',
  'mysql_global_status_aborted_connects',
  'mysql_global_status_innodb_row_lock_waits',
  'mysql_global_status_innodb_buffer_pool_reads',
  'mysql_global_status_innodb_buffer_pool_read_requests',
];

/** Parses PromQL (Grafana variables replaced by what they expand to); returns the metric names. */
function promqlMetrics(expr: string): string[] {
  const src = expr.replaceAll('$__rate_interval', '5m').replaceAll('$subgraph', 'catalog');
  const tree = parser.parse(src);
  const names: string[] = [];
  const errors: number[] = [];
  tree.iterate({
    enter(node) {
      if (node.type.isError) errors.push(node.from);
      if (node.name === 'Identifier' && node.node.parent?.name === 'VectorSelector') {
        names.push(src.slice(node.from, node.to));
      }
    },
  });
  if (errors.length) throw new Error(`PromQL does not parse at ${errors[0]}: ${src}`);
  return names;
}

describe('the PromQL checker', () => {
  it('finds metric names and refuses broken expressions', () => {
    expect(promqlMetrics('sum by (le) (rate(a_bucket{x="1"}[$__rate_interval])) / b')).toEqual([
      'a_bucket',
      'b',
    ]);
    expect(() => promqlMetrics('sum(rate(a[5m])')).toThrow(/does not parse/);
    expect(seriesNames().has('router_http_request_duration_seconds_bucket')).toBe(true);
    expect(seriesNames().has('tradegraph_events_consumer_lag')).toBe(true);
    expect(seriesNames().has('process_cpu_seconds_total')).toBe(true);
    expect(seriesNames().has('nodejs_gc_duration_seconds_bucket')).toBe(true);
    expect(seriesNames().has('router_http_request_duration_seconds_total')).toBe(false);
  });
});

describe('Prometheus', () => {
  const config = readYaml(`${OBS}/prometheus/prometheus.yml`);

  it('scrapes /metrics of the router and every subgraph with a service label', () => {
    const job = config.scrape_configs.find((j: { job_name: string }) => j.job_name === 'tradegraph');
    expect(job.metrics_path).toBe('/metrics');
    const targets = new Map<string, string>(
      job.static_configs.map((c: { targets: string[]; labels: { service: string } }) => [
        c.labels.service,
        c.targets[0],
      ]),
    );
    expect(targets.get('router')).toBe('router:4000');
    for (const s of subgraphs) expect(targets.get(s.name), s.name).toBe(`${s.name}:${s.port}`);
    expect(config.rule_files).toEqual(['/etc/prometheus/rules/*.yml']);
    const mysql = config.scrape_configs.find((j: { job_name: string }) => j.job_name === 'mysql');
    expect(mysql.static_configs[0].targets).toEqual(['mysqld-exporter:9104']);
  });

  // The structure Prometheus's rule-file loader requires (rulefmt), as a JSON schema.
  const ruleFileSchema = {
    type: 'object',
    required: ['groups'],
    additionalProperties: false,
    properties: {
      groups: {
        type: 'array',
        minItems: 1,
        items: {
          type: 'object',
          required: ['name', 'rules'],
          additionalProperties: false,
          properties: {
            name: { type: 'string', minLength: 1 },
            interval: { type: 'string', pattern: '^[0-9]+(ms|s|m|h)$' },
            rules: {
              type: 'array',
              minItems: 1,
              items: {
                type: 'object',
                required: ['alert', 'expr', 'for', 'labels', 'annotations'],
                additionalProperties: false,
                properties: {
                  alert: { type: 'string', pattern: '^[A-Za-z_][A-Za-z0-9_]*$' },
                  expr: { type: 'string', minLength: 1 },
                  for: { type: 'string', pattern: '^[0-9]+(ms|s|m|h|d)$' },
                  labels: {
                    type: 'object',
                    required: ['severity'],
                    properties: { severity: { enum: ['warning', 'critical'] } },
                    additionalProperties: { type: 'string' },
                  },
                  annotations: {
                    type: 'object',
                    required: ['summary'],
                    additionalProperties: { type: 'string' },
                  },
                },
              },
            },
          },
        },
      },
    },
  };

  const ruleFiles = readdirSync(`${repoRoot}${OBS}/prometheus/rules`).filter((f) => f.endsWith('.yml'));
  const rules = ruleFiles.flatMap((f) =>
    (
      readYaml(`${OBS}/prometheus/rules/${f}`).groups as { rules: { alert: string; expr: string }[] }[]
    ).flatMap((g) => g.rules),
  );

  it('has rule files of the structure Prometheus loads', () => {
    expect(ruleFiles.length).toBeGreaterThan(0);
    const validate = new Ajv({ allErrors: true }).compile(ruleFileSchema);
    for (const f of ruleFiles) {
      const ok = validate(readYaml(`${OBS}/prometheus/rules/${f}`));
      expect(validate.errors ?? [], `${f}: ${JSON.stringify(validate.errors)}`).toEqual([]);
      expect(ok).toBe(true);
    }
    expect(validate({ groups: [{ name: 'g', rules: [{ alert: 'A', expr: 'up', for: '5 minutes' }] }] })).toBe(
      false,
    );
    expect(new Set(rules.map((r) => r.alert)).size, 'alert names are unique').toBe(rules.length);
  });

  it('alerts on consumer lag, dead letters, error rate and p99 latency, with real metrics only', () => {
    const known = seriesNames();
    const used = (metric: string) => rules.filter((r) => promqlMetrics(r.expr).includes(metric));
    for (const r of rules) {
      for (const m of promqlMetrics(r.expr)) expect(known, `${r.alert} uses ${m}`).toContain(m);
    }
    expect(used('tradegraph_events_consumer_lag').length).toBeGreaterThan(0);
    expect(used('tradegraph_events_dead_letters').length).toBeGreaterThan(0);
    expect(rules.some((r) => r.expr.includes('outcome="error"'))).toBe(true);
    expect(rules.some((r) => r.expr.includes('histogram_quantile(0.99'))).toBe(true);
  });
});

describe('Grafana', () => {
  const dir = `${OBS}/grafana/dashboards`;
  const files = readdirSync(`${repoRoot}${dir}`).filter((f) => f.endsWith('.json'));
  const boards = files.map((f) => ({ file: f, json: JSON.parse(readText(`${dir}/${f}`)) }));

  it('has dashboards for the router, the subgraphs, the event bus and MySQL, as rendered', () => {
    expect(files.toSorted()).toEqual(['events.json', 'mysql.json', 'router.json', 'subgraphs.json']);
    // the committed JSON is what deploy/src/dashboards.ts renders (npm run deploy:render)
    const rendered = dashboards();
    for (const { file, json } of boards)
      expect(json, `${file} is stale`).toEqual(JSON.parse(JSON.stringify(rendered[file])));
  });

  it('uses only metrics the code registers, in PromQL that parses, on provisioned data sources', () => {
    const known = seriesNames();
    const datasources = readYaml(`${OBS}/grafana/provisioning/datasources/datasources.yml`).datasources as {
      uid: string;
      type: string;
    }[];
    const uids = new Map(datasources.map((d) => [d.uid, d.type]));
    let queries = 0;
    for (const { file, json } of boards) {
      expect(json.uid).toMatch(/^tradegraph-/);
      expect(new Set(json.panels.map((p: { id: number }) => p.id)).size, `${file}: panel ids`).toBe(
        json.panels.length,
      );
      for (const panel of json.panels) {
        expect(panel.gridPos.x + panel.gridPos.w, `${file}: ${panel.title}`).toBeLessThanOrEqual(24);
        for (const t of panel.targets) {
          expect(uids.get(t.datasource.uid), `${file}: ${panel.title}`).toBe(t.datasource.type);
          if (t.datasource.type !== 'prometheus') continue;
          queries++;
          for (const m of promqlMetrics(t.expr))
            expect(known, `${file}: ${panel.title} uses ${m}`).toContain(m);
        }
      }
    }
    expect(queries).toBeGreaterThan(40);
    const router = boards.find((b) => b.file === 'router.json')!.json;
    const exprs = router.panels
      .flatMap((p: { targets: { expr: string }[] }) => p.targets.map((t) => t.expr))
      .join('\n');
    for (const m of [
      'router_subgraph_fetch_duration_seconds_bucket',
      'router_protection_refusals_total',
      'router_http_request_duration_seconds_bucket',
    ]) {
      expect(exprs).toContain(m);
    }
    const events = JSON.stringify(boards.find((b) => b.file === 'events.json')!.json);
    for (const m of [
      'tradegraph_events_consumer_lag',
      'tradegraph_events_dead_letters',
      'tradegraph_outbox_backlog',
    ]) {
      expect(events).toContain(m);
    }
    expect(JSON.stringify(boards.find((b) => b.file === 'subgraphs.json')!.json)).toContain(
      'graphql_sql_statements_per_request',
    );
  });

  it('provisions the dashboards folder that compose mounts', () => {
    const providers = readYaml(`${OBS}/grafana/provisioning/dashboards/dashboards.yml`).providers;
    expect(providers[0].options.path).toBe('/var/lib/grafana/dashboards');
    const grafana = readYaml('docker/compose.yml').services.grafana;
    expect(grafana.volumes).toContain('./observability/grafana/dashboards:/var/lib/grafana/dashboards:ro');
  });
});

describe('logs', () => {
  it('ships container logs to Loki with service and level labels', () => {
    const promtail = readYaml(`${OBS}/promtail/promtail.yml`);
    expect(promtail.clients[0].url).toBe('http://loki:3100/loki/api/v1/push');
    const job = promtail.scrape_configs[0];
    expect(job.relabel_configs.map((r: { target_label: string }) => r.target_label)).toContain('service');
    expect(JSON.stringify(job.pipeline_stages)).toContain('"level"');
    const loki = readYaml(`${OBS}/loki/loki.yml`);
    expect(loki.server.http_listen_port).toBe(3100);
    const compose = readYaml('docker/compose.yml');
    expect(compose.services.promtail.volumes).toContain(
      './observability/promtail/promtail.yml:/etc/promtail/promtail.yml:ro',
    );
  });
});
