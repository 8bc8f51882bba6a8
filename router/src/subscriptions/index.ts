import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Supergraph } from '@apollo/federation-internals';
import type { Logger, Principal } from '@tradegraph/shared';
import type { GraphQLSchema } from 'graphql';
import type { Authenticate } from '../auth/authenticate.ts';
import type { RevocationList } from '../auth/revocations.ts';
import { createAuthorizer, type Policy } from '../authorization.ts';
import type { RouterConfig } from '../config.ts';
import { createCostEstimator } from '../cost.ts';
import type { SubgraphDataSource } from '../datasource.ts';
import type { SupergraphDirectives } from '../directives.ts';
import { operationLimitsRule } from '../limits.ts';
import { loadSubscriptionSettings, type SubscriptionSettings } from './config.ts';
import { SubscriptionService } from './service.ts';
import { SessionRegistry } from './sessions.ts';
import { attachSubscriptionTransports, type SubscriptionTransports } from './transports.ts';

export interface RouterSubscriptions {
  settings: SubscriptionSettings;
  service: SubscriptionService;
  sessions: SessionRegistry;
  /** Accepts graphql-transport-ws upgrades on the router's server. */
  attach(server: Server, isReady: () => boolean): void;
  handleSse(req: IncomingMessage, res: ServerResponse): Promise<void>;
  /** Ends every subscription with SHUTTING_DOWN and closes client and upstream sockets. */
  close(): Promise<void>;
}

/**
 * The router's subscriptions (docs/subscriptions.md), with the same operation
 * limits, cost limit and authorization directives as queries; undefined when
 * ROUTER_SUBSCRIPTIONS=false.
 */
export function createRouterSubscriptions(o: {
  source: Record<string, string | undefined>;
  config: RouterConfig;
  /** The router's supergraph (built once, shared with the plan executor). */
  supergraph: Supergraph;
  apiSchema: GraphQLSchema;
  directives: SupergraphDirectives;
  policies: Record<string, Policy>;
  sources: ReadonlyMap<string, SubgraphDataSource>;
  internalToken: (audience: string, principal: Principal) => Promise<string>;
  authenticate: Authenticate;
  revocations: RevocationList;
  logger: Logger;
}): RouterSubscriptions | undefined {
  const settings = loadSubscriptionSettings(o.source);
  if (!settings.enabled) return undefined;
  const { config } = o;
  const logger = o.logger.child({ component: 'subscriptions' });
  const service = new SubscriptionService({
    supergraph: o.supergraph,
    apiSchema: o.apiSchema,
    sources: o.sources,
    internalToken: o.internalToken,
    validationRules: [
      operationLimitsRule({
        maxDepth: config.ROUTER_MAX_DEPTH,
        maxAliases: config.ROUTER_MAX_ALIASES,
        maxRootFields: config.ROUTER_MAX_ROOT_FIELDS,
        maxFields: config.ROUTER_MAX_FIELDS,
      }),
    ],
    cost: createCostEstimator(o.apiSchema, o.directives, {
      defaultListSize: config.ROUTER_COST_DEFAULT_LIST_SIZE,
      defaultPageSize: config.ROUTER_COST_DEFAULT_PAGE_SIZE,
      maxListSize: config.ROUTER_COST_MAX_LIST_SIZE,
      mutationWeight: config.ROUTER_COST_MUTATION_WEIGHT,
    }),
    maxCost: config.ROUTER_MAX_COST,
    authorizer: createAuthorizer(o.apiSchema, o.directives, o.policies),
    settings,
    logger,
  });
  const sessions = new SessionRegistry(o.authenticate, o.revocations, logger);
  let transports: SubscriptionTransports | undefined;
  return {
    settings,
    service,
    sessions,
    attach(server, isReady) {
      transports = attachSubscriptionTransports({
        server,
        service,
        sessions,
        settings,
        logger,
        isReady,
        trustedProxyHops: config.ROUTER_TRUSTED_PROXY_HOPS,
        production: config.NODE_ENV === 'production',
      });
    },
    handleSse: (req, res) => {
      if (!transports) throw new Error('subscriptions are not attached to a server');
      return transports.handleSse(req, res);
    },
    async close() {
      await service.close();
      await transports?.close();
    },
  };
}
