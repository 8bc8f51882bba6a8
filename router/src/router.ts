import cluster from 'node:cluster';
import type { KeyObject } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Supergraph } from '@apollo/federation-internals';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import {
  createInternalTokenSigner,
  createLogger,
  flushTracing,
  type Logger,
  loadInternalPrivateKey,
  metricsRegistry,
  type Principal,
  signInternalToken,
  startTracing,
} from '@tradegraph/shared/edge';
import { createApiKeyVerifier } from './auth/api-keys.ts';
import { createAuthenticator } from './auth/authenticate.ts';
import { createJwtVerifier } from './auth/jwt.ts';
import { RevocationList, startRevocationFeed } from './auth/revocations.ts';
import { createAuthorizer, DEFAULT_POLICIES, type Policy } from './authorization.ts';
import { createEntityCache } from './cache/index.ts';
import { clusterMetrics } from './cluster.ts';
import { introspectionEnabled, loadRouterConfig, type RouterConfig } from './config.ts';
import type { RouterContext } from './context.ts';
import { createCostEstimator } from './cost.ts';
import { SubgraphDataSource } from './datasource.ts';
import { readSupergraphDirectives, supergraphForGateway } from './directives.ts';
import { createErrorFormatter } from './errors.ts';
import { routerGateway } from './execution/executor.ts';
import { createSubgraphAgent, createSubgraphPost } from './fetcher.ts';
import { createRequestHandler, type RouterState } from './http.ts';
import { withIde } from './ide/index.ts';
import { operationLimitsRule } from './limits.ts';
import { routerMetrics } from './metrics.ts';
import { routerPlugin } from './plugin.ts';
import { protectionPlugin } from './protection.ts';
import {
  type BucketStore,
  createRateLimiter,
  fallbackBucketStore,
  memoryBucketStore,
  type OrganizationQuotaLookup,
  redisBucketStore,
} from './rate-limit.ts';
import { connectRedis, redisReady } from './redis.ts';
import { createRouterSubscriptions } from './subscriptions/index.ts';
import { readSupergraph, subgraphEndpoints } from './supergraph.ts';
import { tracingPlugin } from './telemetry/index.ts';
import { createTrustedDocuments, readManifest } from './trusted-documents.ts';

export interface StartRouterOptions {
  /** The supergraph itself; else read from `supergraphPath`, else SUPERGRAPH_PATH. */
  supergraphSdl?: string;
  supergraphPath?: string;
  /** Overrides PORT (0 picks a free port). */
  port?: number;
  /** Overrides HOST. */
  host?: string;
  /** Environment overrides, layered over process.env (settings and SUBGRAPH_<NAME>_URL). */
  env?: Record<string, string | undefined>;
  /** Already-validated settings (main.ts); when absent they are loaded from process.env + `env`. */
  config?: RouterConfig;
  logger?: Logger;
  /** `@policy` names → checks on the principal, added to (or replacing) the built-in ones. */
  policies?: Record<string, Policy>;
  /** Per-organisation rate-limit quotas (e.g. from the platform plan); the default when undefined. */
  organizationQuota?: OrganizationQuotaLookup;
}

export interface RunningRouter {
  /** The GraphQL endpoint, e.g. http://127.0.0.1:4000/graphql. */
  url: string;
  /** Origin of the router, e.g. http://127.0.0.1:4000 (for /health, /ready, /metrics). */
  origin: string;
  port: number;
  /** Graceful: stops accepting, lets in-flight requests finish, closes the gateway and the connection pool. */
  stop: () => Promise<void>;
}

const ROUTER: Principal = { kind: 'router' };

function loadKey(value: string): KeyObject {
  try {
    return loadInternalPrivateKey(value);
  } catch (err) {
    throw new Error(`INTERNAL_TOKEN_PRIVATE_KEY is not a usable private key: ${(err as Error).message}`);
  }
}

function displayHost(host: string): string {
  if (host === '0.0.0.0' || host === '::' || host === '') return '127.0.0.1';
  return host.includes(':') ? `[${host}]` : host;
}

/** Boots the federation router over a supergraph; resolves once it listens and the gateway is loaded. */
export async function startRouter(options: StartRouterOptions = {}): Promise<RunningRouter> {
  const source = { ...process.env, ...options.env };
  const config = options.config ?? loadRouterConfig(source);
  const logger = options.logger ?? createLogger('router', config.LOG_LEVEL);
  const production = config.NODE_ENV === 'production';
  const introspection = introspectionEnabled(config);
  // OpenTelemetry when OTEL_EXPORTER_OTLP_ENDPOINT is set (docs/observability.md#traces); off otherwise.
  const tracing = await startTracing(source);

  const supergraphSdl =
    options.supergraphSdl ?? (await readSupergraph(options.supergraphPath ?? config.SUPERGRAPH_PATH));
  const gatewaySdl = supergraphForGateway(supergraphSdl);
  const directives = readSupergraphDirectives(supergraphSdl);
  // Built once: the plan executor and subscriptions use the same supergraph and API schema.
  const supergraph = Supergraph.build(gatewaySdl);
  const apiSchema = supergraph.apiSchema().toGraphQLJSSchema();
  const policies = { ...DEFAULT_POLICIES, ...options.policies };
  const unknownPolicies = [...directives.policies].filter((name) => !policies[name]);
  if (unknownPolicies.length > 0) {
    // Denied for everybody until the router knows them: safe, but surely a mistake.
    logger.warn({ policies: unknownPolicies }, 'supergraph uses @policy names the router does not know');
  }
  const redis = config.REDIS_URL ? connectRedis(config.REDIS_URL, logger) : undefined;
  const trustedDocuments = createTrustedDocuments({
    mode: config.TRUSTED_DOCUMENTS,
    ...(config.TRUSTED_DOCUMENTS_FILE ? { manifest: readManifest(config.TRUSTED_DOCUMENTS_FILE) } : {}),
    ...(redis ? { redis } : {}),
    prefix: config.REDIS_KEY_PREFIX,
    apqTtlSeconds: config.ROUTER_APQ_TTL_SECONDS,
    apqMaxEntries: config.ROUTER_APQ_MAX_ENTRIES,
    logger,
  });
  let bucketStore: BucketStore | undefined;
  if (config.ROUTER_RATE_LIMIT) {
    bucketStore = redis
      ? fallbackBucketStore(redisBucketStore(redis, config.REDIS_KEY_PREFIX), memoryBucketStore(), logger)
      : memoryBucketStore();
  }
  const rateLimiter =
    bucketStore &&
    createRateLimiter(
      bucketStore,
      {
        anonymous: config.ROUTER_RATE_LIMIT_ANONYMOUS,
        organization: config.ROUTER_RATE_LIMIT_ORGANIZATION,
        apiKey: config.ROUTER_RATE_LIMIT_API_KEY,
        user: config.ROUTER_RATE_LIMIT_USER,
        fields: config.ROUTER_RATE_LIMIT_FIELDS,
      },
      options.organizationQuota,
    );
  const endpoints = subgraphEndpoints(supergraphSdl, source);
  const urlOf = new Map(endpoints.map((e) => [e.name, e.url]));
  const internalKey = loadKey(config.INTERNAL_TOKEN_PRIVATE_KEY);
  const internalToken = createInternalTokenSigner(internalKey);

  const metrics = routerMetrics();
  const agent = createSubgraphAgent({
    connectionsPerOrigin: config.SUBGRAPH_MAX_CONNECTIONS,
    timeoutMs: config.SUBGRAPH_TIMEOUT_MS,
  });
  const post = createSubgraphPost(agent, config.SUBGRAPH_TIMEOUT_MS);

  // Revocations from identity (Redis when set, else its feed): access ends within a second (docs/security.md).
  const revocations = new RevocationList();
  const revocationFeed = startRevocationFeed({
    list: revocations,
    identityUrl: config.IDENTITY_URL,
    signRouterToken: () => internalToken('identity', ROUTER),
    redisUrl: config.REDIS_URL,
    dispatcher: agent,
    logger,
    timeoutMs: config.IDENTITY_TIMEOUT_MS,
  });
  const authenticate = createAuthenticator({
    revocations,
    verifyJwt: createJwtVerifier({
      jwksUrl: config.IDENTITY_JWKS_URL,
      issuer: config.ACCESS_TOKEN_ISSUER,
      audience: config.ACCESS_TOKEN_AUDIENCE,
      cooldownMs: config.JWKS_COOLDOWN_MS,
      cacheMaxAgeMs: config.JWKS_CACHE_MAX_AGE_MS,
      timeoutMs: config.IDENTITY_TIMEOUT_MS,
      logger,
    }),
    apiKeys: createApiKeyVerifier({
      identityUrl: config.IDENTITY_URL,
      signRouterToken: (requestId) =>
        signInternalToken(internalKey, 'identity', { principal: ROUTER, requestId }),
      cacheSeconds: config.API_KEY_CACHE_SECONDS,
      cacheMaxEntries: config.API_KEY_CACHE_MAX_ENTRIES,
      timeoutMs: config.IDENTITY_TIMEOUT_MS,
      dispatcher: agent,
      logger,
      onLookup: (result) => metrics.apiKeyCache.inc({ result }),
    }),
  });

  const gatewayLogger = logger.child({ component: 'gateway' });
  const sources = new Map(
    endpoints.map(({ name, url }) => [
      name,
      new SubgraphDataSource({
        name,
        url,
        post,
        internalToken,
        logger,
        onFetch: (subgraph, outcome, seconds) =>
          metrics.subgraphFetches.observe({ subgraph, outcome }, seconds),
      }),
    ]),
  );
  // Fetches the subgraphs mark @cacheControl, kept for anonymous shoppers and customers (docs/router.md#entity-cache).
  const entityCache = config.ROUTER_ENTITY_CACHE
    ? createEntityCache({
        supergraphSdl,
        supergraphSchema: apiSchema,
        subgraphUrls: urlOf,
        token: (subgraph) => internalToken(subgraph.toLowerCase(), ROUTER),
        dispatcher: agent,
        redis,
        prefix: config.REDIS_KEY_PREFIX,
        maxBytes: config.ROUTER_ENTITY_CACHE_MAX_MIB * 1024 * 1024,
        maxTtlSeconds: config.ROUTER_ENTITY_CACHE_MAX_TTL_SECONDS,
        timeoutMs: config.SUBGRAPH_TIMEOUT_MS,
        logger: logger.child({ component: 'entity-cache' }),
      })
    : undefined;
  const gateway = routerGateway({
    supergraphSdl: gatewaySdl,
    sources,
    logger: gatewayLogger,
    queryPlanCacheMiB: config.ROUTER_QUERY_PLAN_CACHE_MIB,
    cache: entityCache,
    built: { supergraph, apiSchema },
  });

  const apollo = new ApolloServer<RouterContext>({
    gateway,
    nodeEnv: config.NODE_ENV,
    logger: logger.child({ component: 'apollo' }),
    csrfPrevention: true,
    introspection,
    // "Did you mean …?" suggestions disclose the schema as surely as introspection.
    hideSchemaDetailsFromClientErrors: !introspection,
    includeStacktraceInErrorResponses: false,
    formatError: createErrorFormatter({ production }),
    validationRules: [
      operationLimitsRule({
        maxDepth: config.ROUTER_MAX_DEPTH,
        maxAliases: config.ROUTER_MAX_ALIASES,
        maxRootFields: config.ROUTER_MAX_ROOT_FIELDS,
        maxFields: config.ROUTER_MAX_FIELDS,
      }),
    ],
    maxRecursiveSelections: true,
    allowBatchedHttpRequests: false,
    cache: 'bounded',
    persistedQueries: { cache: trustedDocuments.apqCache },
    plugins: [
      // Apollo's own landing page loads from a CDN; browsers get src/ide/ instead
      ApolloServerPluginLandingPageDisabled(),
      ...(tracing ? [tracingPlugin()] : []),
      routerPlugin(metrics),
      protectionPlugin({
        trustedDocuments,
        cost: createCostEstimator(apiSchema, directives, {
          defaultListSize: config.ROUTER_COST_DEFAULT_LIST_SIZE,
          defaultPageSize: config.ROUTER_COST_DEFAULT_PAGE_SIZE,
          maxListSize: config.ROUTER_COST_MAX_LIST_SIZE,
          mutationWeight: config.ROUTER_COST_MUTATION_WEIGHT,
        }),
        maxCost: config.ROUTER_MAX_COST,
        ...(rateLimiter ? { rateLimiter } : {}),
        authorizer: createAuthorizer(apiSchema, directives, policies),
        metrics,
      }),
    ],
    // Shutdown is ours (stop() below), so in-flight requests finish first.
    stopOnTerminationSignals: false,
  });

  // Subscriptions over graphql-ws and graphql-sse on /graphql (docs/subscriptions.md).
  const subscriptions = createRouterSubscriptions({
    source,
    config,
    supergraph,
    apiSchema,
    directives,
    policies,
    sources,
    internalToken,
    authenticate,
    revocations,
    logger,
  });

  const state: RouterState = { ready: false, draining: false };
  const server = createServer(
    // GraphiQL for browsers on GET /graphql wherever introspection is on (src/ide/)
    withIde(
      createRequestHandler({
        apollo,
        authenticate,
        logger,
        metrics,
        state,
        maxBodyBytes: config.ROUTER_MAX_BODY_BYTES,
        corsOrigins: config.ROUTER_CORS_ORIGINS,
        metricsEnabled: config.ROUTER_METRICS,
        ...(rateLimiter ? { rateLimiter } : {}),
        trustedProxyHops: config.ROUTER_TRUSTED_PROXY_HOPS,
        ...(cluster.isWorker ? { metricsText: clusterMetrics(metricsRegistry) } : {}),
        ...(subscriptions ? { eventStream: subscriptions.handleSse } : {}),
      }),
      { endpoint: '/graphql', enabled: introspection },
    ),
  );
  subscriptions?.attach(server, () => state.ready && !state.draining);
  // Longer than typical load-balancer idle timeouts, so the router is not the side that drops idle sockets.
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;

  const host = options.host ?? config.HOST;
  const listen = () =>
    new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? config.PORT, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  // One process listens at once, so /health and /ready answer while it starts.
  // A cluster worker listens only once it is ready: the primary hands
  // connections to listening workers only, so a request never reaches a worker
  // that is still loading the gateway (it would get 503 while another worker
  // already serves; `npm start`'s seed once hit exactly that).
  if (!cluster.isWorker) await listen();

  try {
    // Shared buckets and documents from the first request when Redis is there; degraded (logged) when not.
    if (redis) await redisReady(redis, 2000);
    await apollo.start();
    // Tokens revoked before this router started are refused from its first request.
    await revocationFeed.ready;
    await entityCache?.ready;
    if (cluster.isWorker) await listen();
  } catch (err) {
    server.close();
    await revocationFeed.stop();
    await entityCache?.stop();
    await agent.close();
    redis?.disconnect();
    throw err;
  }
  state.ready = true;
  const port = (server.address() as AddressInfo).port;
  const origin = `http://${displayHost(host)}:${port}`;
  logger.info(
    {
      url: `${origin}/graphql`,
      subgraphs: Object.fromEntries(urlOf),
      introspection,
      production,
      pid: process.pid,
      ...(cluster.isWorker ? { worker: cluster.worker?.id } : {}),
    },
    'router ready',
  );

  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopping ??= (async () => {
      state.draining = true;
      state.ready = false;
      logger.info('router draining');
      await subscriptions?.close();
      await new Promise<void>((resolve) => {
        // Idle keep-alive sockets are closed now and as soon as each in-flight request finishes.
        const sweep = setInterval(() => server.closeIdleConnections(), 100);
        const force = setTimeout(() => server.closeAllConnections(), config.ROUTER_SHUTDOWN_TIMEOUT_MS);
        server.close(() => {
          clearInterval(sweep);
          clearTimeout(force);
          resolve();
        });
        server.closeIdleConnections();
      });
      await apollo.stop();
      await revocationFeed.stop();
      await entityCache?.stop();
      await agent.close();
      redis?.disconnect();
      await flushTracing().catch((err) => logger.warn({ err }, 'exporting the last spans failed'));
      logger.info('router stopped');
    })();
    return stopping;
  };

  return { url: `${origin}/graphql`, origin, port, stop };
}
