/**
 * deploy/k8s: every document validates against the Kubernetes OpenAPI schemas (kubernetes-models'
 * validators, generated from the API's OpenAPI spec; no network), the files are what
 * `npm run deploy:render` makes, and the manifests keep the deployment's promises.
 */
import { existsSync, readdirSync } from 'node:fs';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler';
import { Job } from 'kubernetes-models/batch/v1/Job';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { Namespace } from 'kubernetes-models/v1/Namespace';
import { Secret } from 'kubernetes-models/v1/Secret';
import { Service } from 'kubernetes-models/v1/Service';
import { describe, expect, it } from 'vitest';
import { dockerEnvLines } from '../src/docker-env.ts';
import { renderAll } from '../src/render.ts';
import { readText, readYaml, readYamlDocuments, repoRoot, subgraphs } from './helpers.ts';

// biome-ignore lint/suspicious/noExplicitAny: the manifests are walked by the keys asserted on
type Doc = any;
interface Validatable {
  validate(): void;
}
const models: Record<string, new (data: Doc) => Validatable> = {
  'apps/v1/Deployment': Deployment,
  'autoscaling/v2/HorizontalPodAutoscaler': HorizontalPodAutoscaler,
  'batch/v1/Job': Job,
  'policy/v1/PodDisruptionBudget': PodDisruptionBudget,
  'v1/ConfigMap': ConfigMap,
  'v1/Namespace': Namespace,
  'v1/Secret': Secret,
  'v1/Service': Service,
};

const manifestFiles = [
  ...readdirSync(`${repoRoot}deploy/k8s`)
    .filter((f) => f.endsWith('.yaml') && f !== 'kustomization.yaml')
    .map((f) => `deploy/k8s/${f}`),
  'deploy/k8s/migrate/job.yaml',
];
const docs: { file: string; doc: Doc }[] = manifestFiles.flatMap((file) =>
  readYamlDocuments(file).map((doc) => ({ file, doc: doc as Doc })),
);
const find = (kind: string, name: string) =>
  docs.find((d) => d.doc.kind === kind && d.doc.metadata.name === name)?.doc;
const components = [{ name: 'router', port: 4000 }, ...subgraphs];

describe('deploy/k8s', () => {
  it('is what npm run deploy:render makes from the subgraph list', () => {
    for (const [path, content] of Object.entries(renderAll())) {
      if (!path.startsWith('deploy/k8s/')) continue;
      expect(readText(path), `${path} is stale: npm run deploy:render`).toBe(content);
    }
  });

  it('validates every document against the Kubernetes schemas', () => {
    expect(docs.length).toBeGreaterThan(30);
    for (const { file, doc } of docs) {
      const Model = models[`${doc.apiVersion}/${doc.kind}`];
      expect(Model, `${file}: ${doc.apiVersion} ${doc.kind} has no schema here`).toBeDefined();
      expect(() => new Model!(doc).validate(), `${file}: ${doc.kind} ${doc.metadata?.name}`).not.toThrow();
      expect(doc.metadata.namespace ?? doc.metadata.name).toBe('tradegraph');
    }
  });

  it('has a validator that refuses broken manifests', () => {
    const deployment = structuredClone(find('Deployment', 'catalog'));
    deployment.spec.replicas = 'two';
    expect(() => new Deployment(deployment).validate()).toThrow(/replicas/);
    const probe = structuredClone(find('Deployment', 'catalog'));
    delete probe.spec.template.spec.containers[0].readinessProbe.httpGet.port;
    expect(() => new Deployment(probe).validate()).toThrow(/port/);
  });

  it('runs the router and every subgraph with a Service, probes, an HPA on CPU and a PDB', () => {
    for (const c of components) {
      const deployment = find('Deployment', c.name);
      expect(deployment, c.name).toBeDefined();
      const container = deployment.spec.template.spec.containers[0];
      expect(container.env).toContainEqual({ name: 'SERVICE', value: c.name });
      expect(container.ports).toEqual([{ name: 'http', containerPort: c.port }]);
      expect(container.readinessProbe.httpGet.path).toBe('/ready');
      expect(container.livenessProbe.httpGet.path).toBe('/health');
      expect(deployment.spec.template.spec.securityContext.runAsNonRoot).toBe(true);
      expect(container.securityContext.readOnlyRootFilesystem).toBe(true);

      const service = find('Service', c.name);
      expect(service.spec.ports[0]).toMatchObject({ port: c.port, targetPort: 'http' });
      expect(service.spec.selector).toEqual(deployment.spec.selector.matchLabels);

      const hpa = find('HorizontalPodAutoscaler', c.name);
      expect(hpa.spec.scaleTargetRef).toEqual({ apiVersion: 'apps/v1', kind: 'Deployment', name: c.name });
      expect(hpa.spec.metrics[0].resource.name).toBe('cpu');
      expect(hpa.spec.minReplicas).toBeGreaterThanOrEqual(2);

      const pdb = find('PodDisruptionBudget', c.name);
      expect(pdb.spec.selector.matchLabels).toEqual(deployment.spec.selector.matchLabels);
    }
  });

  it('gives each subgraph its own MySQL account, and the signing key to the router only', () => {
    for (const s of subgraphs) {
      const env = find('Deployment', s.name).spec.template.spec.containers[0].env;
      expect(env).toContainEqual({ name: 'DB_USER', value: `tg_${s.name}` });
      expect(env.find((e: Doc) => e.name === 'DB_PASSWORD').valueFrom.secretKeyRef.key).toBe(
        `DB_PASSWORD_${s.name.toUpperCase()}`,
      );
      expect(env.some((e: Doc) => e.name === 'INTERNAL_TOKEN_PRIVATE_KEY')).toBe(false);
    }
    const routerEnv = find('Deployment', 'router').spec.template.spec.containers[0].env;
    expect(
      routerEnv.find((e: Doc) => e.name === 'INTERNAL_TOKEN_PRIVATE_KEY').valueFrom.secretKeyRef.name,
    ).toBe('tradegraph-secrets');
  });

  it('uses DNS as the service registry: the router reaches every subgraph through its Service', () => {
    const config = find('ConfigMap', 'tradegraph-config').data;
    for (const s of subgraphs) {
      const url = new URL(config[`SUBGRAPH_${s.name.toUpperCase()}_URL`]);
      expect(find('Service', url.hostname), url.href).toBeDefined();
      expect(Number(url.port)).toBe(find('Service', url.hostname).spec.ports[0].port);
      expect(url.pathname).toBe('/graphql');
    }
  });

  it('reads from the Secret only keys that npm run env:docker writes (or optional ones)', () => {
    const written = new Set(
      dockerEnvLines()
        .filter((l) => !l.startsWith('#'))
        .map((l) => l.slice(0, l.indexOf('='))),
    );
    const refs = JSON.stringify(docs.map((d) => d.doc)).matchAll(
      /"secretKeyRef":\{"name":"tradegraph-secrets","key":"(\w+)"(,"optional":true)?\}/g,
    );
    let count = 0;
    let required = 0;
    for (const [, key, optional] of refs) {
      count++;
      if (optional) continue;
      required++;
      expect(written, key).toContain(key);
    }
    expect(count).toBeGreaterThan(20);
    // most references are required ones, so the check above is not vacuous
    expect(required).toBeGreaterThan(count / 2);
  });

  it('migrates every subgraph in a Job, each with its own account', () => {
    const job = find('Job', 'tradegraph-migrate');
    const inits = job.spec.template.spec.initContainers;
    expect(inits.map((c: Doc) => c.env[0].value)).toEqual(subgraphs.map((s) => s.name));
    for (const c of inits) {
      expect(c.args).toEqual(['migrate']);
      expect(c.env).toContainEqual({ name: 'DB_USER', value: `tg_${c.env[0].value}` });
    }
    expect(job.spec.template.spec.restartPolicy).toBe('Never');
  });

  it('lists existing files in its kustomizations', () => {
    for (const dir of ['deploy/k8s', 'deploy/k8s/migrate']) {
      const k = readYaml(`${dir}/kustomization.yaml`);
      expect(k.kind).toBe('Kustomization');
      for (const r of k.resources) expect(existsSync(`${repoRoot}${dir}/${r}`), `${dir}/${r}`).toBe(true);
      expect(k.resources).not.toContain('secret.example.yaml');
    }
  });
});
