import { type Operation, operationFromDocument, type Supergraph } from '@apollo/federation-internals';
import { applyRewrites, isObjectOfType } from '@apollo/gateway/dist/dataRewrites.js';
import { deepMerge } from '@apollo/gateway/dist/utilities/deepMerge.js';
import {
  evaluateCondition,
  type FetchNode,
  type PlanNode,
  QueryPlanner,
  type QueryPlanSelectionNode,
} from '@apollo/query-planner';
import {
  type DocumentNode,
  GraphQLError,
  type GraphQLFormattedError,
  type GraphQLSchema,
  Kind,
} from 'graphql';
import type { RouterContext } from '../context.ts';
import type { SubgraphDataSource } from '../datasource.ts';
import { compileShaper, type Shaper } from '../execution/shaping.ts';

// biome-ignore lint/suspicious/noExplicitAny: merged subgraph data, as the gateway's executor types it
type Data = Record<string, any>;
type Path = (string | number)[];

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
 * with the router's data sources, under the subscriber's context — the same
 * fetch/merge/representation rules as the plan executor (router/src/execution),
 * whose node runner is private to it. Plans are cached per document and name.
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

  /** Fetches the rest of the plan into `data` (the primary's answer); returns the subgraphs' errors. */
  async runRest(
    plan: SubscriptionPlan,
    data: Data,
    ctx: RouterContext,
    variables: Record<string, unknown> | undefined,
  ): Promise<GraphQLError[]> {
    const errors: GraphQLError[] = [];
    if (plan.rest) {
      await this.#node(plan, plan.rest, { path: [], data, fullResult: data }, ctx, variables, errors);
    }
    return errors;
  }

  async #node(
    plan: SubscriptionPlan,
    node: PlanNode,
    cursor: Cursor | undefined,
    ctx: RouterContext,
    variables: Record<string, unknown> | undefined,
    errors: GraphQLError[],
  ): Promise<void> {
    if (!cursor) return;
    switch (node.kind) {
      case 'Sequence':
        for (const child of node.nodes) await this.#node(plan, child, cursor, ctx, variables, errors);
        return;
      case 'Parallel':
        await Promise.all(node.nodes.map((child) => this.#node(plan, child, cursor, ctx, variables, errors)));
        return;
      case 'Flatten':
        return this.#node(plan, node.node, moveIntoCursor(cursor, node.path), ctx, variables, errors);
      case 'Fetch':
        return this.#fetch(node, cursor, ctx, variables, errors);
      case 'Condition': {
        const on = evaluateCondition(node, plan.operation.variableDefinitions, variables ?? {});
        const branch = on ? node.ifClause : node.elseClause;
        if (branch) await this.#node(plan, branch, cursor, ctx, variables, errors);
        return;
      }
      default:
        errors.push(new GraphQLError(`Unsupported plan node ${node.kind} in a subscription`));
    }
  }

  async #fetch(
    fetch: FetchNode,
    cursor: Cursor,
    ctx: RouterContext,
    provided: Record<string, unknown> | undefined,
    errors: GraphQLError[],
  ): Promise<void> {
    const source = this.#sources.get(fetch.serviceName);
    if (!source) throw new Error(`no data source for subgraph ${fetch.serviceName}`);
    const entities: Data[] = (Array.isArray(cursor.data) ? cursor.data : [cursor.data]).filter(
      (e) => e !== null && e !== undefined,
    );
    if (entities.length === 0) return;
    const variables: Record<string, unknown> = {};
    for (const name of fetch.variableUsages ?? []) {
      if (provided && provided[name] !== undefined) variables[name] = provided[name];
    }
    const report = (
      list: GraphQLFormattedError[] | undefined,
      pathOf: (e: GraphQLFormattedError) => Path,
    ) => {
      for (const e of list ?? []) {
        errors.push(
          new GraphQLError(e.message, {
            path: pathOf(e),
            extensions: { ...e.extensions, serviceName: fetch.serviceName },
          }),
        );
      }
    };
    if (!fetch.requires) {
      const response = await source.fetchOperation(
        { query: fetch.operation, variables, operationName: fetch.operationName },
        ctx,
      );
      report(response.errors, (e) => [...cursor.path, ...(e.path ?? [])]);
      if (response.data) applyRewrites(this.#schema, fetch.outputRewrites, response.data);
      for (const entity of entities) deepMerge(entity, response.data);
      return;
    }
    const representations: Data[] = [];
    const targets: Data[] = [];
    for (const entity of entities) {
      const representation = this.#select(entity, fetch.requires);
      if (representation?.__typename) {
        applyRewrites(this.#schema, fetch.inputRewrites, representation);
        representations.push(representation);
        targets.push(entity);
      }
    }
    if (representations.length === 0) return;
    const response = await source.fetchOperation(
      {
        query: fetch.operation,
        variables: { ...variables, representations },
        operationName: fetch.operationName,
      },
      ctx,
    );
    report(response.errors, (e) => [...cursor.path, ...(e.path?.slice(2) ?? [])]);
    const received = response.data?._entities as (Data | null)[] | undefined;
    if (!Array.isArray(received) || received.length !== representations.length) return;
    received.forEach((entity, i) => {
      const target = targets[i]!;
      if (entity && !entity.__typename) entity.__typename = target.__typename;
      if (entity) applyRewrites(this.#schema, fetch.outputRewrites, entity);
      deepMerge(target, entity);
    });
  }

  #select(source: Data | null, selections: QueryPlanSelectionNode[]): Data | null {
    if (source === null) return null;
    const result: Data = Object.create(null);
    for (const selection of selections) {
      if (selection.kind === Kind.FIELD) {
        const name = selection.alias ?? selection.name;
        const sub = selection.selections;
        if (!Object.hasOwn(source, name) || source[name] === undefined) return null;
        const value = source[name];
        if (Array.isArray(value)) result[name] = value.map((v) => (sub ? this.#select(v, sub) : v));
        else result[name] = sub ? this.#select(value, sub) : value;
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        if (selection.typeCondition && isObjectOfType(this.#schema, source, selection.typeCondition)) {
          deepMerge(result, this.#select(source, selection.selections));
        }
      }
    }
    return result;
  }
}

interface Cursor {
  path: Path;
  data: Data | Data[];
  fullResult: Data;
}

function moveIntoCursor(cursor: Cursor, path: Path): Cursor | undefined {
  const data = flatten(cursor.data, path, 0);
  return data ? { path: cursor.path.concat(path), data, fullResult: cursor.fullResult } : undefined;
}

// biome-ignore lint/suspicious/noExplicitAny: walks untyped merged data
function flatten(value: any, path: Path, from: number): any {
  if (from === path.length || value === undefined || value === null) return value;
  const current = path[from];
  if (current === '@') return (value as unknown[]).flatMap((v) => flatten(v, path, from + 1));
  return flatten(
    Object.hasOwn(value, current as string) ? value[current as string] : undefined,
    path,
    from + 1,
  );
}
