/**
 * The Kubernetes manifests of deploy/k8s, as typed objects (kubernetes-models: unknown fields fail
 * the typecheck, the tests validate the rendered YAML against the Kubernetes OpenAPI schemas).
 * `npm run deploy:render` writes them; a test fails when deploy/k8s is stale. One Deployment,
 * Service, HorizontalPodAutoscaler and PodDisruptionBudget per subgraph and for the router; DNS is
 * the service registry (the router's SUBGRAPH_<NAME>_URL point at the Services).
 */
import type { IDeployment } from 'kubernetes-models/apps/v1/Deployment';
import type { IHorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler';
import type { IJob } from 'kubernetes-models/batch/v1/Job';
import type { IPodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import type { IConfigMap } from 'kubernetes-models/v1/ConfigMap';
import type { IContainer } from 'kubernetes-models/v1/Container';
import type { IEnvVar } from 'kubernetes-models/v1/EnvVar';
import type { INamespace } from 'kubernetes-models/v1/Namespace';
import type { IPodSpec } from 'kubernetes-models/v1/PodSpec';
import type { ISecret } from 'kubernetes-models/v1/Secret';
import type { IService } from 'kubernetes-models/v1/Service';

export const NAMESPACE = 'tradegraph';
/** Replaced per release: `kustomize edit set image tradegraph=<registry>/tradegraph:<tag>`. */
export const IMAGE = 'tradegraph:latest';
const CONFIG = 'tradegraph-config';
const SECRET = 'tradegraph-secrets';
const UID = 1000; // `node` in the official image (docker/Dockerfile: USER node)

export interface Component {
  name: string;
  port: number;
}

const labels = (component: string) => ({
  'app.kubernetes.io/name': 'tradegraph',
  'app.kubernetes.io/component': component,
});

const secretEnv = (name: string, key: string, optional = false): IEnvVar => ({
  name,
  valueFrom: { secretKeyRef: { name: SECRET, key, ...(optional ? { optional: true } : {}) } },
});

const dbPasswordKey = (service: string) => `DB_PASSWORD_${service.toUpperCase()}`;

/** What a subgraph needs beyond the ConfigMap: its MySQL account, the verifying key, its own secrets. */
function subgraphEnv(service: string): IEnvVar[] {
  const env: IEnvVar[] = [
    { name: 'DB_USER', value: `tg_${service}` },
    secretEnv('DB_PASSWORD', dbPasswordKey(service)),
    secretEnv('INTERNAL_TOKEN_PUBLIC_KEY', 'INTERNAL_TOKEN_PUBLIC_KEY'),
  ];
  if (service === 'identity') env.push(secretEnv('KEY_ENCRYPTION_SECRET', 'KEY_ENCRYPTION_SECRET'));
  if (service === 'orders') {
    env.push(
      secretEnv('ORDERS_ACCESS_TOKEN_SECRET', 'ORDERS_ACCESS_TOKEN_SECRET'),
      // each orders process feeds its own subscribers from its own consumer group (docs/orders.md)
      { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
      { name: 'ORDERS_LIVE_GROUP', value: 'orders-live-$(POD_NAME)' },
    );
  }
  if (service === 'payments') {
    env.push(
      secretEnv('STRIPE_SECRET_KEY', 'STRIPE_SECRET_KEY', true),
      secretEnv('STRIPE_WEBHOOK_SECRET', 'STRIPE_WEBHOOK_SECRET', true),
    );
  }
  if (service === 'notifications') env.push(secretEnv('SMTP_URL', 'SMTP_URL', true));
  return env;
}

const securityContext = {
  allowPrivilegeEscalation: false,
  readOnlyRootFilesystem: true,
  capabilities: { drop: ['ALL'] },
};

const podSecurity: IPodSpec['securityContext'] = {
  runAsNonRoot: true,
  runAsUser: UID,
  runAsGroup: UID,
  seccompProfile: { type: 'RuntimeDefault' },
};

function container(c: Component, env: IEnvVar[]): IContainer {
  const probe = (path: string, periodSeconds: number, failureThreshold: number) => ({
    httpGet: { path, port: 'http' },
    periodSeconds,
    timeoutSeconds: 3,
    failureThreshold,
  });
  return {
    name: c.name,
    image: IMAGE,
    imagePullPolicy: 'IfNotPresent',
    ports: [{ name: 'http', containerPort: c.port }],
    envFrom: [{ configMapRef: { name: CONFIG } }],
    env: [{ name: 'SERVICE', value: c.name }, { name: 'PORT', value: String(c.port) }, ...env],
    // a start migrates the service's databases (every tenant's too): give it up to 5 minutes
    startupProbe: probe('/health', 5, 60),
    livenessProbe: probe('/health', 10, 3),
    readinessProbe: probe('/ready', 5, 2),
    resources: {
      requests: { cpu: c.name === 'router' ? '250m' : '100m', memory: '256Mi' },
      limits: { memory: c.name === 'router' ? '1Gi' : '512Mi' },
    },
    securityContext,
    volumeMounts: [{ name: 'tmp', mountPath: '/tmp' }],
  };
}

function deployment(c: Component, env: IEnvVar[]): IDeployment {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: c.name, namespace: NAMESPACE, labels: labels(c.name) },
    spec: {
      replicas: 2,
      revisionHistoryLimit: 5,
      selector: { matchLabels: labels(c.name) },
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } },
      template: {
        metadata: {
          labels: labels(c.name),
          annotations: {
            'prometheus.io/scrape': 'true',
            'prometheus.io/port': String(c.port),
            'prometheus.io/path': '/metrics',
          },
        },
        spec: {
          securityContext: podSecurity,
          // the services drain HTTP, consumers and the relay on SIGTERM (stopOnSignals)
          terminationGracePeriodSeconds: 30,
          topologySpreadConstraints: [
            {
              maxSkew: 1,
              topologyKey: 'kubernetes.io/hostname',
              whenUnsatisfiable: 'ScheduleAnyway',
              labelSelector: { matchLabels: labels(c.name) },
            },
          ],
          containers: [container(c, env)],
          volumes: [{ name: 'tmp', emptyDir: {} }],
        },
      },
    },
  };
}

function service(c: Component): IService {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: c.name, namespace: NAMESPACE, labels: labels(c.name) },
    spec: {
      type: 'ClusterIP',
      selector: labels(c.name),
      ports: [{ name: 'http', port: c.port, targetPort: 'http', protocol: 'TCP' }],
    },
  };
}

function autoscaler(c: Component, maxReplicas: number): IHorizontalPodAutoscaler {
  return {
    apiVersion: 'autoscaling/v2',
    kind: 'HorizontalPodAutoscaler',
    metadata: { name: c.name, namespace: NAMESPACE, labels: labels(c.name) },
    spec: {
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: c.name },
      minReplicas: 2,
      maxReplicas,
      metrics: [
        {
          type: 'Resource',
          resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 70 } },
        },
      ],
      behavior: { scaleDown: { stabilizationWindowSeconds: 300 } },
    },
  };
}

function disruptionBudget(c: Component): IPodDisruptionBudget {
  return {
    apiVersion: 'policy/v1',
    kind: 'PodDisruptionBudget',
    metadata: { name: c.name, namespace: NAMESPACE, labels: labels(c.name) },
    spec: { minAvailable: 1, selector: { matchLabels: labels(c.name) } },
  };
}

type Manifest =
  | IDeployment
  | IService
  | IHorizontalPodAutoscaler
  | IPodDisruptionBudget
  | IConfigMap
  | ISecret
  | INamespace
  | IJob;

function configMap(subgraphs: Component[]): IConfigMap {
  const identity = subgraphs.find((s) => s.name === 'identity');
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: CONFIG, namespace: NAMESPACE, labels: labels('config') },
    data: {
      NODE_ENV: 'production',
      LOG_LEVEL: 'info',
      // Operator: your MySQL 8 server (the accounts come from docker/mysql/init/10-service-users.sh)
      DB_HOST: 'mysql',
      DB_PORT: '3306',
      DB_POOL_MAX: '10',
      REDIS_URL: 'redis://redis:6379',
      // Operator: kafka bootstrap servers to use Kafka instead of the MySQL event log
      KAFKA_BROKERS: '',
      OTEL_EXPORTER_OTLP_ENDPOINT: '',
      // one router process per pod: the HorizontalPodAutoscaler scales pods, not workers
      ROUTER_WORKERS: '1',
      // the ingress controller is one proxy hop in front of the router
      ROUTER_TRUSTED_PROXY_HOPS: '1',
      ...(identity
        ? {
            IDENTITY_URL: `http://identity:${identity.port}`,
            IDENTITY_JWKS_URL: `http://identity:${identity.port}/.well-known/jwks.json`,
          }
        : {}),
      // DNS is the service registry: these override the URLs recorded in the supergraph
      ...Object.fromEntries(
        subgraphs.map((s) => [`SUBGRAPH_${s.name.toUpperCase()}_URL`, `http://${s.name}:${s.port}/graphql`]),
      ),
    },
  };
}

/** Every key the manifests read from the Secret; `npm run env:docker` writes all but the optional ones. */
export function secretKeys(subgraphs: Component[]): { key: string; optional: boolean }[] {
  return [
    { key: 'INTERNAL_TOKEN_PRIVATE_KEY', optional: false },
    { key: 'INTERNAL_TOKEN_PUBLIC_KEY', optional: false },
    ...subgraphs.map((s) => ({ key: dbPasswordKey(s.name), optional: false })),
    { key: 'KEY_ENCRYPTION_SECRET', optional: false },
    { key: 'ORDERS_ACCESS_TOKEN_SECRET', optional: false },
    { key: 'SMTP_URL', optional: true },
    { key: 'STRIPE_SECRET_KEY', optional: true },
    { key: 'STRIPE_WEBHOOK_SECRET', optional: true },
  ];
}

/** The shape of the Secret, for review; the real one is made from docker/.env (docs/deploy.md). */
function secretExample(subgraphs: Component[]): ISecret {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: SECRET, namespace: NAMESPACE, labels: labels('secrets') },
    type: 'Opaque',
    stringData: Object.fromEntries(
      secretKeys(subgraphs).map(({ key, optional }) => [key, optional ? '(optional)' : '(from docker/.env)']),
    ),
  };
}

function redis(): Manifest[] {
  const c = { name: 'redis', port: 6379 };
  const d: IDeployment = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'redis', namespace: NAMESPACE, labels: labels('redis') },
    spec: {
      replicas: 1,
      selector: { matchLabels: labels('redis') },
      template: {
        metadata: { labels: labels('redis') },
        spec: {
          securityContext: {
            runAsNonRoot: true,
            runAsUser: 999,
            runAsGroup: 999,
            seccompProfile: { type: 'RuntimeDefault' },
          },
          containers: [
            {
              name: 'redis',
              image: 'redis:7.4-alpine',
              // rate-limit buckets, persisted queries, revocations: losing them on restart is acceptable
              args: [
                '--save',
                '',
                '--appendonly',
                'no',
                '--maxmemory',
                '256mb',
                '--maxmemory-policy',
                'allkeys-lru',
              ],
              ports: [{ name: 'http', containerPort: 6379 }],
              readinessProbe: { exec: { command: ['redis-cli', 'ping'] }, periodSeconds: 5 },
              livenessProbe: { tcpSocket: { port: 'http' }, periodSeconds: 10 },
              resources: { requests: { cpu: '50m', memory: '128Mi' }, limits: { memory: '320Mi' } },
              securityContext,
              volumeMounts: [{ name: 'data', mountPath: '/data' }],
            },
          ],
          volumes: [{ name: 'data', emptyDir: {} }],
        },
      },
    },
  };
  return [d, service(c)];
}

/**
 * The release's migration Job: one init container per subgraph, in order, each with its own
 * MySQL account, runs `docker/entrypoint.sh migrate` (docker/migrate.ts); apply it before rolling
 * the Deployments to the new image.
 */
function migrationJob(subgraphs: Component[]): IJob {
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name: 'tradegraph-migrate', namespace: NAMESPACE, labels: labels('migrate') },
    spec: {
      backoffLimit: 2,
      activeDeadlineSeconds: 3600,
      ttlSecondsAfterFinished: 86_400,
      template: {
        metadata: { labels: labels('migrate') },
        spec: {
          restartPolicy: 'Never',
          securityContext: podSecurity,
          initContainers: subgraphs.map((s) => ({
            name: `migrate-${s.name}`,
            image: IMAGE,
            args: ['migrate'],
            envFrom: [{ configMapRef: { name: CONFIG } }],
            env: [{ name: 'SERVICE', value: s.name }, ...subgraphEnv(s.name)],
            resources: { requests: { cpu: '100m', memory: '256Mi' }, limits: { memory: '512Mi' } },
            securityContext,
            volumeMounts: [{ name: 'tmp', mountPath: '/tmp' }],
          })),
          containers: [
            {
              name: 'done',
              image: IMAGE,
              command: ['node', '-e', "console.log('every service migrated')"],
              resources: { requests: { cpu: '10m', memory: '32Mi' }, limits: { memory: '64Mi' } },
              securityContext,
            },
          ],
          volumes: [{ name: 'tmp', emptyDir: {} }],
        },
      },
    },
  };
}

/** File name (under deploy/k8s) → its documents. */
export function manifests(subgraphs: Component[]): Record<string, Manifest[]> {
  const router: Component = { name: 'router', port: 4000 };
  const files: Record<string, Manifest[]> = {
    'namespace.yaml': [
      { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NAMESPACE, labels: labels('namespace') } },
    ],
    'config.yaml': [configMap(subgraphs)],
    'secret.example.yaml': [secretExample(subgraphs)],
    'redis.yaml': redis(),
    'router.yaml': [
      deployment(router, [secretEnv('INTERNAL_TOKEN_PRIVATE_KEY', 'INTERNAL_TOKEN_PRIVATE_KEY')]),
      service(router),
      autoscaler(router, 20),
      disruptionBudget(router),
    ],
  };
  for (const s of subgraphs) {
    files[`${s.name}.yaml`] = [
      deployment(s, subgraphEnv(s.name)),
      service(s),
      autoscaler(s, 10),
      disruptionBudget(s),
    ];
  }
  return files;
}

/** migrate/job.yaml: applied on its own, before the Deployments roll (docs/deploy.md). */
export function migrationManifests(subgraphs: Component[]): Manifest[] {
  return [migrationJob(subgraphs)];
}

/**
 * kustomization.yaml of deploy/k8s (every file but the Secret example) and of deploy/k8s/migrate:
 * `kubectl apply -k`; set the release's image in both with `kustomize edit set image`.
 */
export function kustomization(resources: string[]): Record<string, unknown> {
  return {
    apiVersion: 'kustomize.config.k8s.io/v1beta1',
    kind: 'Kustomization',
    namespace: NAMESPACE,
    resources: resources.filter((f) => f !== 'secret.example.yaml'),
    images: [{ name: 'tradegraph', newName: 'tradegraph', newTag: 'latest' }],
  };
}
