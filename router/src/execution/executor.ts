import { type Operation, operationFromDocument, Supergraph } from '@apollo/federation-internals';
import { ApolloGateway } from '@apollo/gateway';
import type { PlanNode, QueryPlan } from '@apollo/query-planner';
import type { ApolloServer } from '@apollo/server';
import type { Logger } from '@tradegraph/shared';
import {
  type DocumentNode,
  type FragmentDefinitionNode,
  GraphQLError,
  type GraphQLSchema,
  Kind,
  type OperationDefinitionNode,
} from 'graphql';
import { getVariableValues } from 'graphql/execution/values.js';
import type { EntityCache } from '../cache/index.ts';
import type { RouterContext } from '../context.ts';
import type { SubgraphDataSource } from '../datasource.ts';
import { traceStep } from '../telemetry/index.ts';
import { type Data, type PlanRun, rootCursor, runnablePlanNode, runPlanNode } from './plan-runner.ts';
import { FederationPlanner, unfetchedRootFields } from './planning.ts';
import { compileShaper, type Shaper, UnsupportedOperation } from './shaping.ts';

type GatewayExecutor = ApolloGateway['executor'];
type RequestContext = Parameters<GatewayExecutor>[0];
type ExecutionResult = Awaited<ReturnType<GatewayExecutor>>;

/** What one operation needs at execution time, prepared once and cached. */
interface Prepared {
  plan: QueryPlan;
  operation: Operation;
  definition: OperationDefinitionNode;
  shaper: Shaper;
  /** Set when the plan leaves out root fields (see unfetchedRootFields): answered with it alone. */
  error?: GraphQLError;
}

export interface PlanExecutorOptions {
  supergraphSdl: string;
  /** The supergraph built from `supergraphSdl` and its API schema, when the caller has them (not built again). */
  built?: BuiltSupergraph | undefined;
  /** The router's data sources by subgraph name (the same objects the gateway uses). */
  sources: ReadonlyMap<string, SubgraphDataSource>;
  /** Operations this executor does not handle (introspection, query-plan exposure) go here. */
  fallback: () => GatewayExecutor;
  /** Bound of the prepared-operation cache (entries). */
  maxEntries: number;
  /** The entity cache, when on (queries read it; a mutation makes it read the invalidation feeds). */
  cache?: EntityCache | undefined;
}

/**
 * A query-plan executor with @apollo/gateway's semantics (executeQueryPlan.ts,
 * 2.14), built for throughput: one planner and one prepared-operation cache
 * (plan, federation operation and compiled result shaper per document and
 * operation name), no per-request OpenTelemetry spans or usage-trace objects,
 * subgraph calls straight to the data source, and compiled result shaping.
 *
 * Plan nodes run on `runPlanNode` (plan-runner.ts: the gateway's fetch, merge,
 * representation, rewrite and error-path rules; the subscription path uses it
 * too). Operations it does not handle — introspection fields, subscriptions
 * and @defer, the query-plan debug header — are passed to the stock executor
 * untouched.
 */
export function createPlanExecutor(opts: PlanExecutorOptions): GatewayExecutor {
  const supergraph = opts.built?.supergraph ?? Supergraph.build(opts.supergraphSdl);
  const apiSchema = supergraph.apiSchema();
  const supergraphSchema: GraphQLSchema = supergraph.schema.toGraphQLJSSchema();
  const apiGraphQLSchema: GraphQLSchema = opts.built?.apiSchema ?? apiSchema.toGraphQLJSSchema();
  const planner = new FederationPlanner(opts.supergraphSdl, supergraph);
  const cache = new Map<string, Prepared | null>();

  function prepare(request: RequestContext): Prepared | null {
    const document = request.document as DocumentNode;
    const operationName = request.request.operationName ?? undefined;
    let definition: OperationDefinitionNode | undefined;
    const fragments: FragmentDefinitionNode[] = [];
    for (const d of document.definitions) {
      if (d.kind === Kind.OPERATION_DEFINITION) {
        if (!operationName || d.name?.value === operationName) definition ??= d;
      } else if (d.kind === Kind.FRAGMENT_DEFINITION) fragments.push(d);
    }
    if (!definition || definition.operation === 'subscription') return null;
    try {
      const operation = operationFromDocument(
        apiSchema,
        { kind: Kind.DOCUMENT, definitions: [definition, ...fragments] },
        { validate: false },
      );
      const plan = planner.plan(planner.operation(document, operationName), {
        // The stock gateway reads the same switches.
        recursiveSelectionsLimitDisabled:
          process.env.APOLLO_DISABLE_SECURITY_RECURSIVE_SELECTIONS_CHECK === 'true',
        nonLocalSelectionsLimitDisabled:
          process.env.APOLLO_DISABLE_SECURITY_NON_LOCAL_SELECTIONS_CHECK === 'true',
      });
      if (plan.node && !runnablePlanNode(plan.node)) return null;
      const prepared: Prepared = { plan, operation, definition, shaper: compileShaper(operation) };
      const unfetched = unfetchedRootFields(operation, plan);
      if (unfetched.length > 0) {
        const fields = unfetched.map((name) => `"${name}"`).join(', ');
        prepared.error = new GraphQLError(
          `Cannot plan the operation: no subgraph can resolve the selections of ${fields}`,
        );
      }
      return prepared;
    } catch (err) {
      if (err instanceof UnsupportedOperation) return null;
      // Planning errors are reported by the stock executor, in its words.
      return null;
    }
  }

  function preparedFor(request: RequestContext): Prepared | null {
    const key = `${request.queryHash}\u0000${request.request.operationName ?? ''}`;
    let prepared = cache.get(key);
    if (prepared === undefined) {
      prepared = prepare(request);
      if (cache.size >= opts.maxEntries) cache.delete(cache.keys().next().value!);
    } else {
      cache.delete(key); // re-inserted below: least recently used first out
    }
    cache.set(key, prepared);
    return prepared;
  }

  return async (request) => {
    if (request.request.http?.headers.get('apollo-query-plan-experimental')) {
      return opts.fallback()(request);
    }
    const prepared = traceStep('plan', () => preparedFor(request));
    if (!prepared) return opts.fallback()(request);
    return traceStep('execute', () => execute(request, prepared));
  };

  async function execute(request: RequestContext, prepared: Prepared): Promise<ExecutionResult> {
    if (prepared.error) return { errors: [prepared.error] };
    const variables = request.request.variables;
    const defs = prepared.definition.variableDefinitions;
    if (defs?.length) {
      const { errors } = getVariableValues(apiGraphQLSchema, defs, variables ?? {});
      if (errors) return { errors };
    }
    const context = request.context as RouterContext;
    const query = prepared.definition.operation === 'query';
    const run: PlanRun = {
      sources: opts.sources,
      supergraphSchema,
      operation: prepared.operation,
      variables,
      context,
      cachePolicy: request.overallCachePolicy,
      metrics: request.metrics as PlanRun['metrics'],
      errors: [],
      cache: query ? opts.cache?.forPrincipal(context.principal) : undefined,
    };
    const data: Data = Object.create(null);
    if (prepared.plan.node) await runPlanNode(run, prepared.plan.node as PlanNode, rootCursor(data));
    // What the mutation changed is in the invalidation feeds now; read them before answering,
    // so this router never serves the caller's next request from an entry it made stale.
    if (!query && opts.cache) await opts.cache.afterMutation();
    let shaped: ReturnType<Shaper['shape']>;
    try {
      shaped = prepared.shaper.shape(data, variables);
    } catch (error) {
      if (error instanceof GraphQLError) return { errors: [error] };
      if (error instanceof Error) {
        return { errors: [new GraphQLError(error.message, { originalError: error })] };
      }
      return { errors: [new GraphQLError('Unexpected error during query plan execution')] };
    }
    if (run.errors.length === 0 && shaped.errors.length > 0) {
      return { extensions: { valueCompletion: shaped.errors }, data: shaped.data } as ExecutionResult;
    }
    return (
      run.errors.length === 0 ? { data: shaped.data } : { errors: run.errors, data: shaped.data }
    ) as ExecutionResult;
  }
}

/** A supergraph built once for the whole router (executor, subscriptions, cost, authorization). */
export interface BuiltSupergraph {
  supergraph: Supergraph;
  /** Its API schema as a graphql-js schema. */
  apiSchema: GraphQLSchema;
}

export type RouterGateway = NonNullable<
  ConstructorParameters<typeof ApolloServer<RouterContext>>[0]['gateway']
>;

/**
 * The gateway Apollo Server is given: the stock ApolloGateway loads the
 * supergraph (API schema, validation) and keeps executing what the plan
 * executor hands back; everything else runs on the plan executor. Both use
 * the same data sources.
 */
export function routerGateway(opts: {
  supergraphSdl: string;
  sources: ReadonlyMap<string, SubgraphDataSource>;
  logger: Logger;
  queryPlanCacheMiB: number;
  cache?: EntityCache | undefined;
  built?: BuiltSupergraph | undefined;
}): RouterGateway {
  const stock = new ApolloGateway({
    supergraphSdl: opts.supergraphSdl,
    logger: opts.logger,
    experimental_approximateQueryPlanStoreMiB: opts.queryPlanCacheMiB,
    buildService: ({ name }) => {
      const source = opts.sources.get(name);
      if (!source) throw new Error(`no data source for subgraph ${name}`);
      return source;
    },
  });
  let stockExecutor: GatewayExecutor | undefined;
  const executor = createPlanExecutor({
    supergraphSdl: opts.supergraphSdl,
    sources: opts.sources,
    fallback: () => stockExecutor!,
    // Prepared operations are a few KB each, like the stock plan cache's entries.
    maxEntries: Math.max(100, opts.queryPlanCacheMiB * 100),
    cache: opts.cache,
    built: opts.built,
  });
  return {
    async load(options) {
      const loaded = await stock.load(options);
      stockExecutor = loaded.executor;
      return { schema: loaded.schema, executor };
    },
    onSchemaLoadOrUpdate: (callback) => stock.onSchemaLoadOrUpdate(callback),
    stop: () => stock.stop(),
  };
}
