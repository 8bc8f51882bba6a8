import { type Operation, operationFromDocument, type Supergraph } from '@apollo/federation-internals';
import { type FetchNode, type PlanNode, QueryPlanner } from '@apollo/query-planner';
import { type DocumentNode, GraphQLError, type GraphQLSchema } from 'graphql';
import type { RouterContext } from '../context.ts';
import type { SubgraphDataSource } from '../datasource.ts';
import {
  type Data,
  type PlanRun,
  rootCursor,
  runnablePlanNode,
  runPlanNode,
} from '../execution/plan-runner.ts';
import { compileShaper, type Shaper } from '../execution/shaping.ts';

/** A subscription's plan: the primary fetch (over graphql-ws) and what to fetch for every event. */
export interface SubscriptionPlan {
  primary: FetchNode;
  rest: PlanNode | undefined;
  operation: Operation;
  shaper: Shaper;
}

/**
 * Plans subscriptions with the federation query planner (a `Subscription`
 * node: primary fetch + the rest) and runs the rest of the plan for each event
 * with the router's data sources, under the subscriber's context, on the plan
 * executor's node runner (router/src/execution/plan-runner.ts). Plans are
 * cached per document and name.
 */
export class SubscriptionPlanner {
  readonly #supergraph: Supergraph;
  readonly #planner: QueryPlanner;
  readonly #schema: GraphQLSchema;
  readonly #sources: ReadonlyMap<string, SubgraphDataSource>;
  readonly #cache = new Map<string, SubscriptionPlan>();

  constructor(supergraph: Supergraph, sources: ReadonlyMap<string, SubgraphDataSource>) {
    this.#supergraph = supergraph;
    this.#planner = new QueryPlanner(supergraph);
    this.#schema = supergraph.schema.toGraphQLJSSchema();
    this.#sources = sources;
  }

  plan(key: string, document: DocumentNode, operationName: string | undefined): SubscriptionPlan {
    const cached = this.#cache.get(key);
    if (cached) return cached;
    const apiSchema = this.#supergraph.apiSchema();
    const operation = operationFromDocument(apiSchema, document, operationName ? { operationName } : {});
    const plan = this.#planner.buildQueryPlan(operation);
    const node = plan.node;
    if (node?.kind !== 'Subscription') throw new GraphQLError('Not a subscription operation');
    if (node.rest && !runnablePlanNode(node.rest)) {
      // Not reached while the planner has @defer off; refused here rather than on every event.
      throw new GraphQLError('Unsupported plan node in a subscription', { extensions: { code: 'INTERNAL' } });
    }
    const prepared = {
      primary: node.primary,
      rest: node.rest,
      operation,
      shaper: compileShaper(operation),
    };
    if (this.#cache.size >= 1000) this.#cache.delete(this.#cache.keys().next().value!);
    this.#cache.set(key, prepared);
    return prepared;
  }

  /**
   * Fetches the rest of the plan into `data` (the primary's answer) under `ctx`,
   * the subscriber's identity; returns the subgraphs' errors.
   */
  async runRest(
    plan: SubscriptionPlan,
    data: Data,
    ctx: RouterContext,
    variables: Record<string, unknown> | undefined,
  ): Promise<GraphQLError[]> {
    if (!plan.rest) return [];
    const run: PlanRun = {
      sources: this.#sources,
      supergraphSchema: this.#schema,
      operation: plan.operation,
      variables,
      context: ctx,
      errors: [],
    };
    await runPlanNode(run, plan.rest, rootCursor(data));
    // Not through Apollo's formatError: what is not a GraphQLError yet (a malformed answer) becomes one.
    return run.errors.map((e) => (e instanceof GraphQLError ? e : internalError(e)));
  }
}

function internalError(cause: Error): GraphQLError {
  return new GraphQLError(cause.message, { originalError: cause, extensions: { code: 'INTERNAL' } });
}
