import {
  assert,
  ERRORS,
  errorCodeDef,
  type Operation,
  operationFromDocument,
  Supergraph,
} from '@apollo/federation-internals';
import { ApolloGateway } from '@apollo/gateway';
import { applyRewrites, isObjectOfType } from '@apollo/gateway/dist/dataRewrites.js';
import { generateHydratedPaths } from '@apollo/gateway/dist/executeQueryPlan.js';
import { deepMerge } from '@apollo/gateway/dist/utilities/deepMerge.js';
import {
  evaluateCondition,
  type FetchNode,
  type PlanNode,
  type QueryPlan,
  QueryPlanner,
  type QueryPlanSelectionNode,
} from '@apollo/query-planner';
import type { ApolloServer } from '@apollo/server';
import type { Logger } from '@tradegraph/shared';
import {
  type DocumentNode,
  type FragmentDefinitionNode,
  GraphQLError,
  type GraphQLFormattedError,
  type GraphQLSchema,
  Kind,
  type OperationDefinitionNode,
} from 'graphql';
import { getVariableValues } from 'graphql/execution/values.js';
import type { RouterContext } from '../context.ts';
import type { SubgraphDataSource } from '../datasource.ts';
import { traceStep } from '../telemetry/index.ts';
import { compileShaper, type Shaper, UnsupportedOperation } from './shaping.ts';

type GatewayExecutor = ApolloGateway['executor'];
type RequestContext = Parameters<GatewayExecutor>[0];
type ExecutionResult = Awaited<ReturnType<GatewayExecutor>>;
type Data = Record<string, any>;
type Path = (string | number)[];

/** What one operation needs at execution time, prepared once and cached. */
interface Prepared {
  plan: QueryPlan;
  operation: Operation;
  definition: OperationDefinitionNode;
  shaper: Shaper;
}

export interface PlanExecutorOptions {
  supergraphSdl: string;
  /** The router's data sources by subgraph name (the same objects the gateway uses). */
  sources: ReadonlyMap<string, SubgraphDataSource>;
  /** Operations this executor does not handle (introspection, query-plan exposure) go here. */
  fallback: () => GatewayExecutor;
  /** Bound of the prepared-operation cache (entries). */
  maxEntries: number;
}

/** The gateway's cursor into the merged result while a plan executes. */
interface Cursor {
  path: Path;
  data: Data | Data[];
  fullResult: Data;
}

interface Run {
  prepared: Prepared;
  request: RequestContext;
  variables: Record<string, unknown> | undefined;
  errors: GraphQLError[];
}

/**
 * A query-plan executor with @apollo/gateway's semantics (executeQueryPlan.ts,
 * 2.14), built for throughput: one planner and one prepared-operation cache
 * (plan, federation operation and compiled result shaper per document and
 * operation name), no per-request OpenTelemetry spans or usage-trace objects,
 * subgraph calls straight to the data source, and compiled result shaping.
 *
 * Fetch, merge, representation building, rewrites and error-path rules are
 * the gateway's own (its deepMerge, applyRewrites and generateHydratedPaths
 * are reused). Operations it does not handle — introspection fields,
 * subscriptions and @defer, the query-plan debug header — are passed to the
 * stock executor untouched.
 */
export function createPlanExecutor(opts: PlanExecutorOptions): GatewayExecutor {
  const supergraph = Supergraph.build(opts.supergraphSdl);
  const apiSchema = supergraph.apiSchema();
  const supergraphSchema: GraphQLSchema = supergraph.schema.toGraphQLJSSchema();
  const apiGraphQLSchema: GraphQLSchema = apiSchema.toGraphQLJSSchema();
  const planner = new QueryPlanner(supergraph);
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
      const plan = planner.buildQueryPlan(
        operationFromDocument(apiSchema, document, operationName ? { operationName } : {}),
        {
          // The stock gateway reads the same switches.
          recursiveSelectionsLimitDisabled:
            process.env.APOLLO_DISABLE_SECURITY_RECURSIVE_SELECTIONS_CHECK === 'true',
          nonLocalSelectionsLimitDisabled:
            process.env.APOLLO_DISABLE_SECURITY_NON_LOCAL_SELECTIONS_CHECK === 'true',
        },
      );
      if (plan.node && !supportedNode(plan.node)) return null;
      return { plan, operation, definition, shaper: compileShaper(operation) };
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
    const variables = request.request.variables;
    const defs = prepared.definition.variableDefinitions;
    if (defs?.length) {
      const { errors } = getVariableValues(apiGraphQLSchema, defs, variables ?? {});
      if (errors) return { errors };
    }
    const run: Run = { prepared, request, variables, errors: [] };
    const data: Data = Object.create(null);
    if (prepared.plan.node) {
      await executeNode(run, prepared.plan.node as PlanNode, { path: [], data, fullResult: data });
    }
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

  async function executeNode(run: Run, node: PlanNode, cursor: Cursor | undefined): Promise<void> {
    if (!cursor) return;
    switch (node.kind) {
      case 'Sequence':
        for (const child of node.nodes) await executeNode(run, child, cursor);
        return;
      case 'Parallel':
        await Promise.all(node.nodes.map((child) => executeNode(run, child, cursor)));
        return;
      case 'Flatten':
        return executeNode(run, node.node, moveIntoCursor(cursor, node.path));
      case 'Fetch':
        try {
          await executeFetch(run, node, cursor);
        } catch (error) {
          run.errors.push(error as GraphQLError);
        }
        return;
      case 'Condition': {
        const condition = evaluateCondition(
          node,
          run.prepared.operation.variableDefinitions,
          run.variables as Record<string, unknown>,
        );
        const branch = condition ? node.ifClause : node.elseClause;
        if (branch) await executeNode(run, branch, cursor);
        return;
      }
      default:
        // supportedNode() keeps Defer and Subscription plans away from here.
        assert(false, `unsupported plan node ${node.kind}`);
    }
  }

  async function executeFetch(run: Run, fetch: FetchNode, cursor: Cursor): Promise<void> {
    const service = opts.sources.get(fetch.serviceName);
    if (!service) throw new Error(`Couldn't find service with name "${fetch.serviceName}"`);
    const entities: Data[] = Array.isArray(cursor.data)
      ? cursor.data.filter((e) => e !== null && e !== undefined)
      : [cursor.data];
    if (entities.length < 1) return;

    const variables: Record<string, unknown> = Object.create(null);
    if (fetch.variableUsages) {
      const provided = run.variables;
      for (const name of fetch.variableUsages) {
        if (provided && Object.hasOwn(provided, name) && typeof provided[name] !== 'undefined') {
          variables[name] = provided[name];
        }
      }
    }

    if (!fetch.requires) {
      const received = await send(run, service, fetch, cursor, variables);
      if (received) applyRewrites(supergraphSchema, fetch.outputRewrites, received);
      for (const entity of entities) deepMerge(entity, received);
      return;
    }

    const representations: Data[] = [];
    const representationToEntity: number[] = [];
    entities.forEach((entity, index) => {
      const representation = executeSelectionSet(entity, fetch.requires!);
      if (representation?.__typename) {
        applyRewrites(supergraphSchema, fetch.inputRewrites, representation);
        representations.push(representation);
        representationToEntity.push(index);
      }
    });
    if (representations.length < 1) return;
    if ('representations' in variables) throw new Error(`Variables cannot contain key "representations"`);
    // Identical representations are sent once (the benchmark's deep query repeats one product
    // 96 times); each answer is merged into every entity that asked for it.
    const unique: Data[] = [];
    const uniqueOf: number[] = [];
    const seen = new Map<string, number>();
    for (const representation of representations) {
      const key = representationKey(representation);
      let at = seen.get(key);
      if (at === undefined) {
        at = unique.push(representation) - 1;
        seen.set(key, at);
      }
      uniqueOf.push(at);
    }
    const received = await send(
      run,
      service,
      fetch,
      cursor,
      { ...variables, representations: unique },
      uniqueOf,
    );
    if (!received) return;
    if (!(received._entities && Array.isArray(received._entities))) {
      throw new Error(`Expected "data._entities" in response to be an array`);
    }
    const receivedEntities = received._entities as (Data | null)[];
    if (receivedEntities.length !== unique.length) {
      throw new Error(`Expected "data._entities" to contain ${unique.length} elements`);
    }
    const rewritten = new Uint8Array(unique.length);
    // The gateway loops to entities.length (not representations.length); kept for identical results.
    for (let i = 0; i < entities.length; i++) {
      const u = uniqueOf[i];
      const receivedEntity = u === undefined ? undefined : receivedEntities[u];
      const existing = entities[representationToEntity[i]!];
      if (receivedEntity && !receivedEntity.__typename) receivedEntity.__typename = existing!.__typename;
      if (u !== undefined && !rewritten[u]) {
        rewritten[u] = 1;
        applyRewrites(supergraphSchema, fetch.outputRewrites, receivedEntity as Data);
      }
      deepMerge(existing, receivedEntity);
    }
  }

  async function send(
    run: Run,
    service: SubgraphDataSource,
    fetch: FetchNode,
    cursor: Cursor,
    variables: Record<string, unknown>,
    /** For deduplicated entity fetches: representation index → index of what was sent. */
    uniqueOf?: number[],
  ): Promise<Data | null | undefined> {
    const response = await service.fetchOperation(
      { query: fetch.operation, variables, operationName: fetch.operationName },
      run.request.context as RouterContext,
      run.request.overallCachePolicy,
    );
    if (response.errors && uniqueOf) response.errors = expandEntityErrors(response.errors, uniqueOf);
    if (response.errors) {
      let hydrated: Path[] | undefined;
      const pathOf = (errorPath: readonly (string | number)[] | undefined): Path | undefined => {
        if (fetch.requires && typeof errorPath?.[1] === 'number') {
          if (!hydrated) {
            hydrated = [];
            generateHydratedPaths([], cursor.path, cursor.fullResult, hydrated);
          }
          return [...(hydrated[errorPath[1]] ?? []), ...errorPath.slice(2)];
        }
        return errorPath ? [...cursor.path, ...errorPath.slice()] : undefined;
      };
      for (const error of response.errors)
        run.errors.push(downstreamServiceError(error, fetch.serviceName, pathOf));
      // Apollo Server's usage reporting reads these (as the stock gateway leaves them).
      const metrics = run.request.metrics as { nonFtv1ErrorPaths?: unknown[] };
      const errorPaths = response.errors.map((error) => ({ subgraph: fetch.serviceName, path: error.path }));
      if (metrics.nonFtv1ErrorPaths) metrics.nonFtv1ErrorPaths.push(...errorPaths);
      else metrics.nonFtv1ErrorPaths = errorPaths;
    }
    return response.data as Data | null | undefined;
  }

  function executeSelectionSet(source: Data | null, selections: QueryPlanSelectionNode[]): Data | null {
    if (source === null) return null;
    const result: Data = Object.create(null);
    for (const selection of selections) {
      if (selection.kind === Kind.FIELD) {
        const responseName = selection.alias ?? selection.name;
        const sub = selection.selections;
        if (!Object.hasOwn(source, responseName) || typeof source[responseName] === 'undefined') return null;
        const value = source[responseName];
        if (Array.isArray(value)) {
          result[responseName] = value.map((v) => (sub ? executeSelectionSet(v, sub) : v));
        } else if (sub) {
          result[responseName] = executeSelectionSet(value, sub);
        } else {
          result[responseName] = value;
        }
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        if (!selection.typeCondition || !source) continue;
        if (isObjectOfType(supergraphSchema, source, selection.typeCondition)) {
          deepMerge(result, executeSelectionSet(source, selection.selections));
        }
      }
    }
    return result;
  }
}

/**
 * Errors a subgraph reported for a deduplicated `_entities` fetch, as if every
 * representation had been sent: one error per representation that shared the
 * failing one, with its own index in the path (what the stock gateway reports).
 */
function expandEntityErrors(errors: GraphQLFormattedError[], uniqueOf: number[]): GraphQLFormattedError[] {
  const out: { error: GraphQLFormattedError; representation: number }[] = [];
  let allEntityErrors = true;
  for (const error of errors) {
    const path = error.path;
    if (path?.[0] !== '_entities' || typeof path[1] !== 'number') {
      out.push({ error, representation: -1 });
      allEntityErrors = false;
      continue;
    }
    uniqueOf.forEach((u, r) => {
      if (u === path[1]) {
        out.push({ error: { ...error, path: ['_entities', r, ...path.slice(2)] }, representation: r });
      }
    });
  }
  // A subgraph reports entity errors in representation order; so would it have for the full list.
  if (allEntityErrors) out.sort((a, b) => a.representation - b.representation);
  return out.map((e) => e.error);
}

function supportedNode(node: NonNullable<QueryPlan['node']>): boolean {
  switch (node.kind) {
    case 'Sequence':
    case 'Parallel':
      return node.nodes.every(supportedNode);
    case 'Flatten':
      return supportedNode(node.node);
    case 'Fetch':
      return true;
    case 'Condition':
      return (
        (!node.ifClause || supportedNode(node.ifClause)) &&
        (!node.elseClause || supportedNode(node.elseClause))
      );
    default:
      return false;
  }
}

function moveIntoCursor(cursor: Cursor, pathInCursor: Path): Cursor | undefined {
  const data = flattenResultsAtPath(cursor.data, pathInCursor);
  return data ? { path: cursor.path.concat(pathInCursor), data, fullResult: cursor.fullResult } : undefined;
}

function flattenResultsAtPath(value: any, path: Path, from = 0): any {
  if (from === path.length) return value;
  if (value === undefined || value === null) return value;
  const current = path[from];
  if (current === '@') {
    return (value as unknown[]).flatMap((element) => flattenResultsAtPath(element, path, from + 1));
  }
  assert(typeof current === 'string', () => `Unexpected ${typeof current} found in path`);
  assert(!Array.isArray(value), () => `Unexpected array in result for path element ${current}`);
  return flattenResultsAtPath(Object.hasOwn(value, current) ? value[current] : undefined, path, from + 1);
}

/**
 * An identity key for a representation: flat ones (the usual case) without JSON.
 * Every part is length-prefixed, so no value (client-chosen ids included) can
 * make two different representations share a key.
 */
export function representationKey(representation: Data): string {
  let key = '';
  for (const name in representation) {
    const value = representation[name];
    if (value !== null && typeof value === 'object') return `j${JSON.stringify(representation)}`;
    const text = typeof value === 'string' ? `s${value}` : `o${String(value)}`;
    key += `${name.length}:${name}${text.length}:${text}`;
  }
  return key;
}

function downstreamServiceError(
  original: { message?: string; extensions?: Record<string, unknown>; path?: readonly (string | number)[] },
  serviceName: string,
  pathOf: (path: readonly (string | number)[] | undefined) => Path | undefined,
): GraphQLError {
  const message = original.message || `Error while fetching subquery from service "${serviceName}"`;
  const { extensions } = original;
  const options = {
    originalError: original as Error,
    path: pathOf(original.path),
    extensions: { ...extensions, serviceName },
  };
  const codeDef = errorCodeDef(original as GraphQLError);
  if (!codeDef && extensions?.code) return new GraphQLError(message, options);
  return (codeDef ?? ERRORS.DOWNSTREAM_SERVICE_ERROR).err(message, options);
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
