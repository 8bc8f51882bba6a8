import type { ApolloServerPlugin, GraphQLRequestContext } from '@apollo/server';
import { HeaderMap } from '@apollo/server';
import {
  type FragmentDefinitionNode,
  GraphQLError,
  Kind,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from 'graphql';
import { type Authorizer, applyRemovals, unauthorizedError } from './authorization.ts';
import type { RouterContext } from './context.ts';
import { type CostEstimator, CostLimitError } from './cost.ts';
import type { RouterMetrics } from './metrics.ts';
import { type RateLimiter, rateLimitHeaders, type TakeResult } from './rate-limit.ts';
import { NotInSafelistError, sha256, type TrustedDocuments } from './trusted-documents.ts';

export class RateLimitedError extends GraphQLError {
  constructor(result: TakeResult) {
    const headers = new HeaderMap([
      ['retry-after', String(result.retryAfterSeconds)],
      ...rateLimitHeaders([result]),
    ]);
    super(`Too many requests; retry in ${result.retryAfterSeconds} s`, {
      extensions: {
        code: 'RATE_LIMITED',
        retryAfterSeconds: result.retryAfterSeconds,
        http: { status: 429, headers },
      },
    });
  }
}

export interface Protections {
  trustedDocuments: TrustedDocuments;
  cost: CostEstimator;
  maxCost: number;
  rateLimiter?: RateLimiter;
  authorizer: Authorizer;
  metrics: RouterMetrics;
}

/** Root field names of a mutation (fragments on the root expanded), for the per-field quotas. */
function rootFieldNames(
  set: SelectionSetNode,
  fragments: Record<string, FragmentDefinitionNode>,
  out: string[] = [],
  depth = 0,
): string[] {
  if (depth > 16) return out;
  for (const sel of set.selections) {
    if (sel.kind === Kind.FIELD) out.push(sel.name.value);
    else if (sel.kind === Kind.INLINE_FRAGMENT) rootFieldNames(sel.selectionSet, fragments, out, depth + 1);
    else {
      const fragment = fragments[sel.name.value];
      if (fragment) rootFieldNames(fragment.selectionSet, fragments, out, depth + 1);
    }
  }
  return out;
}

/**
 * The operation-level protections, in the order a request meets them once it
 * is parsed and validated, all before planning and before any subgraph fetch:
 * trusted documents (safelist), static cost (limit), rate limit weighted by
 * that cost (and the per-IP quotas of sensitive mutations), authorization
 * directives (denied selections removed). On the way out: nulls and errors
 * for what was removed, the RateLimit headers, the actual-cost metric.
 */
export function protectionPlugin(p: Protections): ApolloServerPlugin<RouterContext> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation(rc) {
          const ctx = rc.contextValue;
          const document = rc.document!;
          const operation = rc.operation as OperationDefinitionNode;

          if (p.trustedDocuments.mode === 'require') {
            const registered = rc.queryHash ? await p.trustedDocuments.lookup(rc.queryHash) : undefined;
            p.metrics.trustedDocuments.inc({ result: registered ? 'registered' : 'refused' });
            if (registered === undefined) throw new NotInSafelistError();
          }

          const fragments: Record<string, FragmentDefinitionNode> = {};
          for (const d of document.definitions) {
            if (d.kind === Kind.FRAGMENT_DEFINITION) fragments[d.name.value] = d;
          }
          const cost = p.cost.estimate(operation, fragments, rc.request.variables);
          ctx.protection.cost = cost;
          p.metrics.estimatedCost.observe({ type: operation.operation }, cost);
          if (cost > p.maxCost) {
            p.metrics.refusals.inc({ reason: 'cost' });
            throw new CostLimitError(cost, p.maxCost);
          }

          if (p.rateLimiter) {
            const mutationFields =
              operation.operation === 'mutation' ? rootFieldNames(operation.selectionSet, fragments) : [];
            const result = await p.rateLimiter.charge(ctx.principal, ctx.clientIp, cost, mutationFields);
            ctx.protection.rateLimits.push(result);
            if (!result.allowed) {
              p.metrics.refusals.inc({ reason: 'rate' });
              throw new RateLimitedError(result);
            }
          }

          const authorization = p.authorizer.authorize(document, operation, ctx.principal);
          if (authorization.removals.length === 0) return;
          ctx.protection.authorization = authorization;
          p.metrics.refusals.inc({ reason: 'authorization' });
          if (authorization.document && authorization.operation) {
            // The plan executor caches per query hash: the filtered operation gets its own.
            const mutable = rc as { -readonly [K in keyof typeof rc]: (typeof rc)[K] };
            mutable.document = authorization.document;
            mutable.operation = authorization.operation;
            mutable.queryHash = `${rc.queryHash}:authz:${sha256(authorization.signature)}`;
          }
        },
        async responseForOperation(rc) {
          const authorization = rc.contextValue.protection.authorization;
          if (!authorization?.dataNull) return null;
          const denied = authorization.removals[0]!.denied;
          return {
            http: { status: undefined, headers: new HeaderMap() },
            body: { kind: 'single', singleResult: { data: null, errors: [unauthorizedError(denied, [])] } },
          };
        },
        async willSendResponse(rc) {
          const ctx = rc.contextValue;
          for (const [name, value] of rateLimitHeaders(ctx.protection.rateLimits)) {
            rc.response.http.headers.set(name, value);
          }
          if (rc.response.body.kind !== 'single') return;
          const result = rc.response.body.singleResult;
          const authorization = ctx.protection.authorization;
          if (authorization && !authorization.dataNull) {
            const errors = applyRemovals(
              result.data as Record<string, unknown> | null | undefined,
              authorization,
            );
            if (errors.length > 0) {
              const formatted = errors.map((e) => e.toJSON());
              (result as { errors?: unknown[] }).errors = [...(result.errors ?? []), ...formatted];
            }
          }
          if (ctx.protection.cost !== undefined && result.data && rc.operation) {
            observeActualCost(p, rc, result.data as Record<string, unknown>);
          }
        },
      };
    },
  };
}

function observeActualCost(
  p: Protections,
  rc: GraphQLRequestContext<RouterContext>,
  data: Record<string, unknown>,
) {
  const fragments: Record<string, FragmentDefinitionNode> = {};
  for (const d of rc.document?.definitions ?? []) {
    if (d.kind === Kind.FRAGMENT_DEFINITION) fragments[d.name.value] = d;
  }
  const operation = rc.operation as OperationDefinitionNode;
  p.metrics.actualCost.observe({ type: operation.operation }, p.cost.actual(operation, fragments, data));
}
