import { assert, ERRORS, errorCodeDef, type Operation } from '@apollo/federation-internals';
import { applyRewrites, isObjectOfType } from '@apollo/gateway/dist/dataRewrites.js';
import { generateHydratedPaths } from '@apollo/gateway/dist/executeQueryPlan.js';
import { deepMerge } from '@apollo/gateway/dist/utilities/deepMerge.js';
import {
  evaluateCondition,
  type FetchNode,
  type PlanNode,
  type QueryPlan,
  type QueryPlanSelectionNode,
} from '@apollo/query-planner';
import { GraphQLError, type GraphQLFormattedError, type GraphQLSchema, Kind } from 'graphql';
import type { FetchCache } from '../cache/index.ts';
import type { RouterContext } from '../context.ts';
import type { SubgraphDataSource } from '../datasource.ts';
import { type PlannedFetchNode, renameRequiredKeys } from './planning.ts';

// biome-ignore lint/suspicious/noExplicitAny: merged subgraph data, as the gateway's executor types it
export type Data = Record<string, any>;
type Path = (string | number)[];

/** The gateway's cursor into the merged result while a plan executes. */
export interface Cursor {
  path: Path;
  data: Data | Data[];
  fullResult: Data;
}

/** What running plan nodes needs: one per operation execution (a query, or one subscription event). */
export interface PlanRun {
  /** The router's data sources by subgraph name. */
  sources: ReadonlyMap<string, SubgraphDataSource>;
  /** The supergraph's schema: rewrites and type conditions are in its terms. */
  supergraphSchema: GraphQLSchema;
  /** Its variable definitions decide `Condition` nodes (@skip/@include). */
  operation: Operation;
  variables: Record<string, unknown> | undefined;
  /** Whose identity every subgraph fetch carries. */
  context: RouterContext;
  cachePolicy?: Parameters<SubgraphDataSource['fetchOperation']>[2];
  /** Apollo Server's usage reporting reads `nonFtv1ErrorPaths` (as the stock gateway leaves them). */
  metrics?: { nonFtv1ErrorPaths?: unknown[] };
  /** Errors of the subgraphs and of merging, in the stock gateway's order. */
  errors: GraphQLError[];
  /** The entity cache as this principal may use it (absent: every fetch goes to its subgraph). */
  cache?: FetchCache | undefined;
}

/** A cursor at the root of `data`, which the plan's fetches are merged into. */
export function rootCursor(data: Data): Cursor {
  return { path: [], data, fullResult: data };
}

/**
 * Runs a plan node with @apollo/gateway's semantics (executeQueryPlan.ts, 2.14)
 * and merges what the subgraphs answer into the cursor's data. Fetch, merge,
 * representation building, rewrites and error-path rules are the gateway's own
 * (its deepMerge, applyRewrites and generateHydratedPaths are reused); the
 * difference is that identical entity representations are sent once.
 * Only nodes `runnablePlanNode` accepts may be given.
 */
export async function runPlanNode(run: PlanRun, node: PlanNode, cursor: Cursor | undefined): Promise<void> {
  if (!cursor) return;
  switch (node.kind) {
    case 'Sequence':
      for (const child of node.nodes) await runPlanNode(run, child, cursor);
      return;
    case 'Parallel':
      await Promise.all(node.nodes.map((child) => runPlanNode(run, child, cursor)));
      return;
    case 'Flatten':
      return runPlanNode(run, node.node, moveIntoCursor(cursor, node.path));
    case 'Fetch':
      try {
        await runFetch(run, node, cursor);
      } catch (error) {
        run.errors.push(error as GraphQLError);
      }
      return;
    case 'Condition': {
      const condition = evaluateCondition(
        node,
        run.operation.variableDefinitions,
        run.variables as Record<string, unknown>,
      );
      const branch = condition ? node.ifClause : node.elseClause;
      if (branch) await runPlanNode(run, branch, cursor);
      return;
    }
    default:
      // runnablePlanNode() keeps Defer and Subscription nodes away from here.
      assert(false, `unsupported plan node ${node.kind}`);
  }
}

/** Whether `runPlanNode` can run the node (no `@defer`, no nested `Subscription`). */
export function runnablePlanNode(node: NonNullable<QueryPlan['node']>): boolean {
  switch (node.kind) {
    case 'Sequence':
    case 'Parallel':
      return node.nodes.every(runnablePlanNode);
    case 'Flatten':
      return runnablePlanNode(node.node);
    case 'Fetch':
      return true;
    case 'Condition':
      return (
        (!node.ifClause || runnablePlanNode(node.ifClause)) &&
        (!node.elseClause || runnablePlanNode(node.elseClause))
      );
    default:
      return false;
  }
}

async function runFetch(run: PlanRun, fetch: FetchNode, cursor: Cursor): Promise<void> {
  const service = run.sources.get(fetch.serviceName);
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
    const cached = run.cache && (await run.cache.root(fetch, variables));
    let received: Data | null | undefined;
    if (cached?.hit !== undefined) {
      received = JSON.parse(cached.hit) as Data;
    } else {
      const errorsBefore = run.errors.length;
      received = await send(run, service, fetch, cursor, variables);
      // Only complete answers are kept (stored before rewrites and merging change them).
      if (cached && received && run.errors.length === errorsBefore) {
        run.cache!.store(cached.key, JSON.stringify(received), cached.ttlMs);
      }
    }
    if (received) applyRewrites(run.supergraphSchema, fetch.outputRewrites, received);
    for (const entity of entities) deepMerge(entity, received);
    return;
  }

  // Identical representations are sent once (the benchmark's deep query repeats one product
  // 96 times); each answer is merged into every entity that asked for it. A representation
  // is built only the first time it is met when the key is plain scalar fields (keyFieldsOf).
  const unique: Data[] = [];
  const uniqueOf: number[] = [];
  const representationToEntity: number[] = [];
  const seen = new RepresentationIndex();
  const keyFragments = keyFragmentsOf(fetch);
  entities.forEach((entity, index) => {
    let at: number;
    const fields = keyFragments && keyFieldsOf(run.supergraphSchema, keyFragments, entity);
    if (fields === null) return; // it would have no __typename: not sent
    if (fields) {
      at = seen.indexOfFields(fields, entity, unique.length);
      if (at === unique.length) unique.push(copyFields(entity, fields));
    } else {
      const representation = executeSelectionSet(run.supergraphSchema, entity, fetch.requires!);
      if (!representation?.__typename) return;
      applyRewrites(run.supergraphSchema, fetch.inputRewrites, representation);
      renameRequiredKeys(
        run.supergraphSchema,
        (fetch as PlannedFetchNode).requiredKeyRenames,
        representation,
      );
      at = seen.indexOf(representation, unique.length);
      if (at === unique.length) unique.push(representation);
    }
    representationToEntity.push(index);
    uniqueOf.push(at);
  });
  if (representationToEntity.length < 1) return;
  if ('representations' in variables) throw new Error(`Variables cannot contain key "representations"`);
  const receivedEntities = await fetchEntities(run, service, fetch, cursor, variables, unique, uniqueOf);
  if (!receivedEntities) return;
  const rewritten = new Uint8Array(unique.length);
  // The gateway loops to entities.length (not representations.length); kept for identical results.
  for (let i = 0; i < entities.length; i++) {
    const u = uniqueOf[i];
    const receivedEntity = u === undefined ? undefined : receivedEntities[u];
    const existing = entities[representationToEntity[i]!];
    if (receivedEntity && !receivedEntity.__typename) receivedEntity.__typename = existing!.__typename;
    if (u !== undefined && !rewritten[u]) {
      rewritten[u] = 1;
      applyRewrites(run.supergraphSchema, fetch.outputRewrites, receivedEntity as Data);
    }
    deepMerge(existing, receivedEntity);
  }
}

/**
 * The `_entities` answer for each unique representation: from the entity cache
 * where it holds them, the rest from the subgraph (only those are sent; error
 * paths are mapped back). Entities of an answer without errors are cached.
 */
async function fetchEntities(
  run: PlanRun,
  service: SubgraphDataSource,
  fetch: FetchNode,
  cursor: Cursor,
  variables: Record<string, unknown>,
  unique: Data[],
  uniqueOf: number[],
): Promise<(Data | null)[] | undefined> {
  const cached = run.cache && (await run.cache.entities(fetch, unique, variables, representationKey));
  let wanted = unique;
  let sentOf = uniqueOf;
  if (cached) {
    const position = new Map<number, number>();
    wanted = [];
    cached.hits.forEach((hit, u) => {
      if (hit === undefined) position.set(u, wanted.push(unique[u]!) - 1);
    });
    sentOf = uniqueOf.map((u) => position.get(u) ?? -1);
  }
  let answered: (Data | null)[] = [];
  if (wanted.length > 0) {
    const errorsBefore = run.errors.length;
    const received = await send(
      run,
      service,
      fetch,
      cursor,
      { ...variables, representations: wanted },
      sentOf,
    );
    if (!received) return undefined;
    if (!(received._entities && Array.isArray(received._entities))) {
      throw new Error(`Expected "data._entities" in response to be an array`);
    }
    answered = received._entities as (Data | null)[];
    if (answered.length !== wanted.length) {
      throw new Error(`Expected "data._entities" to contain ${unique.length} elements`);
    }
    if (cached && run.errors.length === errorsBefore) {
      let i = 0;
      cached.hits.forEach((hit, u) => {
        if (hit === undefined)
          run.cache!.store(cached.keys[u]!, JSON.stringify(answered[i++] ?? null), cached.ttlMs);
      });
    }
  }
  if (!cached) return answered;
  let i = 0;
  return cached.hits.map((hit) =>
    hit === undefined ? (answered[i++] ?? null) : (JSON.parse(hit) as Data | null),
  );
}

async function send(
  run: PlanRun,
  service: SubgraphDataSource,
  fetch: FetchNode,
  cursor: Cursor,
  variables: Record<string, unknown>,
  /** For deduplicated entity fetches: representation index → index of what was sent. */
  uniqueOf?: number[],
): Promise<Data | null | undefined> {
  const response = await service.fetchOperation(
    { query: fetch.operation, variables, operationName: fetch.operationName },
    run.context,
    run.cachePolicy,
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
    const { metrics } = run;
    if (metrics) {
      const errorPaths = response.errors.map((error) => ({ subgraph: fetch.serviceName, path: error.path }));
      if (metrics.nonFtv1ErrorPaths) metrics.nonFtv1ErrorPaths.push(...errorPaths);
      else metrics.nonFtv1ErrorPaths = errorPaths;
    }
  }
  return response.data as Data | null | undefined;
}

function executeSelectionSet(
  schema: GraphQLSchema,
  source: Data | null,
  selections: QueryPlanSelectionNode[],
): Data | null {
  if (source === null) return null;
  const result: Data = Object.create(null);
  for (const selection of selections) {
    if (selection.kind === Kind.FIELD) {
      const responseName = selection.alias ?? selection.name;
      const sub = selection.selections;
      if (!Object.hasOwn(source, responseName) || typeof source[responseName] === 'undefined') return null;
      const value = source[responseName];
      if (Array.isArray(value)) {
        result[responseName] = value.map((v) => (sub ? executeSelectionSet(schema, v, sub) : v));
      } else if (sub) {
        result[responseName] = executeSelectionSet(schema, value, sub);
      } else {
        result[responseName] = value;
      }
    } else if (selection.kind === Kind.INLINE_FRAGMENT) {
      if (!selection.typeCondition || !source) continue;
      if (isObjectOfType(schema, source, selection.typeCondition)) {
        const copied = copyLeafFields(source, selection.selections, result);
        if (copied === NOT_LEAVES)
          deepMerge(result, executeSelectionSet(schema, source, selection.selections));
      }
    }
  }
  return result;
}

const NOT_LEAVES = 2;

/**
 * `deepMerge(result, executeSelectionSet(source, selections))` for the usual
 * entity key (`... on Product { __typename upc }`): when every selection is a
 * field without sub-selections and every value is a scalar, the values are
 * assigned in selection order (what deepMerge does with scalars), and a missing
 * field leaves `result` unchanged (the merge of null). Otherwise returns
 * NOT_LEAVES without touching `result`, for the general path.
 */
function copyLeafFields(source: Data, selections: QueryPlanSelectionNode[], result: Data): 0 | 1 | 2 {
  for (const selection of selections) {
    if (selection.kind !== Kind.FIELD || selection.selections) return NOT_LEAVES;
    const responseName = selection.alias ?? selection.name;
    if (!Object.hasOwn(source, responseName)) return 0;
    const value = source[responseName];
    if (value === undefined) return 0;
    if (value !== null && typeof value === 'object') return NOT_LEAVES;
  }
  for (const selection of selections) {
    const field = selection as { alias?: string; name: string };
    const responseName = field.alias ?? field.name;
    result[responseName] = source[responseName];
  }
  return 1;
}

/** A fetch's `requires` as `... on T { a b }` fragments of scalar fields, when it is only that. */
interface KeyFragment {
  typeCondition: string;
  /** Response names, in selection order, each once, `__typename` among them. */
  fields: string[];
}

const keyFragmentsCache = new WeakMap<FetchNode, KeyFragment[] | false>();

/**
 * The fetch's key fragments, or false when its representations need the
 * general path: rewrites or renames applied to them, a field outside a
 * fragment, a sub-selection, a repeated field, or no `__typename`.
 */
function keyFragmentsOf(fetch: FetchNode): KeyFragment[] | false {
  let fragments = keyFragmentsCache.get(fetch);
  if (fragments !== undefined) return fragments;
  fragments = [];
  const plain =
    !fetch.inputRewrites?.length &&
    !(fetch as PlannedFetchNode).requiredKeyRenames?.length &&
    fetch.requires!.every((selection) => {
      if (selection.kind !== Kind.INLINE_FRAGMENT) return false;
      if (!selection.typeCondition) return true; // never applied (executeSelectionSet skips it)
      const fields: string[] = [];
      for (const field of selection.selections) {
        if (field.kind !== Kind.FIELD || field.selections) return false;
        const responseName = field.alias ?? field.name;
        if (fields.includes(responseName)) return false;
        fields.push(responseName);
      }
      if (!fields.includes('__typename')) return false;
      (fragments as KeyFragment[]).push({ typeCondition: selection.typeCondition, fields });
      return true;
    });
  if (!plain) fragments = false;
  keyFragmentsCache.set(fetch, fragments);
  return fragments;
}

/**
 * The fields the entity's representation would have, when it is built from
 * one fragment of scalars (what executeSelectionSet then copies field by
 * field); null when it would have no `__typename` (no fragment applies, a field
 * is missing, or `__typename` is empty: not sent); undefined when the general
 * path must build it (several fragments apply, or a value is an object).
 */
function keyFieldsOf(
  schema: GraphQLSchema,
  fragments: KeyFragment[],
  entity: Data,
): string[] | null | undefined {
  let applies: KeyFragment | undefined;
  for (const fragment of fragments) {
    if (!isObjectOfType(schema, entity, fragment.typeCondition)) continue;
    if (applies) return undefined;
    applies = fragment;
  }
  if (!applies) return null;
  for (const name of applies.fields) {
    if (!Object.hasOwn(entity, name)) return null;
    const value = entity[name];
    if (value === undefined) return null;
    if (value !== null && typeof value === 'object') return undefined;
  }
  return entity.__typename ? applies.fields : null;
}

function copyFields(source: Data, fields: string[]): Data {
  const representation: Data = Object.create(null);
  for (const name of fields) representation[name] = source[name];
  return representation;
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

function moveIntoCursor(cursor: Cursor, pathInCursor: Path): Cursor | undefined {
  const data = flattenResultsAtPath(cursor.data, pathInCursor);
  return data ? { path: cursor.path.concat(pathInCursor), data, fullResult: cursor.fullResult } : undefined;
}

// biome-ignore lint/suspicious/noExplicitAny: walks untyped merged data
function flattenResultsAtPath(value: any, path: Path, from = 0): any {
  if (from === path.length) return value;
  if (value === undefined || value === null) return value;
  const current = path[from];
  if (current === '@') {
    if (!Array.isArray(value)) {
      return (value as unknown[]).flatMap((element) => flattenResultsAtPath(element, path, from + 1));
    }
    const out: unknown[] = [];
    for (const element of value) spreadResultsAtPath(element, path, from + 1, out);
    return out;
  }
  assert(typeof current === 'string', () => `Unexpected ${typeof current} found in path`);
  assert(!Array.isArray(value), () => `Unexpected array in result for path element ${current}`);
  return flattenResultsAtPath(Object.hasOwn(value, current) ? value[current] : undefined, path, from + 1);
}

/**
 * Appends to `out` what `[x].flatMap((e) => flattenResultsAtPath(e, path, from))`
 * would return, without the intermediate arrays.
 */
// biome-ignore lint/suspicious/noExplicitAny: walks untyped merged data
function spreadResultsAtPath(value: any, path: Path, from: number, out: unknown[]): void {
  for (; from < path.length && value !== undefined && value !== null; from++) {
    const current = path[from];
    if (current === '@') {
      if (!Array.isArray(value)) break;
      for (const element of value) spreadResultsAtPath(element, path, from + 1, out);
      return;
    }
    assert(typeof current === 'string', () => `Unexpected ${typeof current} found in path`);
    assert(!Array.isArray(value), () => `Unexpected array in result for path element ${current}`);
    value = Object.hasOwn(value, current) ? value[current] : undefined;
  }
  const flattened = from < path.length ? flattenResultsAtPath(value, path, from) : value;
  if (Array.isArray(flattened)) for (const v of flattened) out.push(v);
  else out.push(flattened);
}

/**
 * Which representations of one fetch were seen, and at which index: flat ones
 * (scalar values, the usual case) in a tree of maps keyed by field name, then
 * value, so a repeated representation costs lookups only (no key string);
 * others by `representationKey`. Two representations get the same index
 * exactly when `representationKey` would give them the same key.
 */
export class RepresentationIndex {
  readonly #root = new Map<unknown, Map<unknown, unknown>>();
  readonly #other = new Map<string, number>();

  /** The index of an equal representation seen before; else `index`, remembered for this one. */
  indexOf(representation: Data, index: number): number {
    let node: Map<unknown, unknown> = this.#root;
    for (const name in representation) {
      const value = representation[name];
      if (value !== null && typeof value === 'object') return this.#otherIndexOf(representation, index);
      node = child(child(node, name), value);
    }
    const seen = node.get(END) as number | undefined;
    if (seen !== undefined) return seen;
    node.set(END, index);
    return index;
  }

  /** `indexOf` of the representation that copies `fields` (scalars) from `source`, without building it. */
  indexOfFields(fields: readonly string[], source: Data, index: number): number {
    let node: Map<unknown, unknown> = this.#root;
    for (const name of fields) node = child(child(node, name), source[name]);
    const seen = node.get(END) as number | undefined;
    if (seen !== undefined) return seen;
    node.set(END, index);
    return index;
  }

  #otherIndexOf(representation: Data, index: number): number {
    const key = representationKey(representation);
    const seen = this.#other.get(key);
    if (seen !== undefined) return seen;
    this.#other.set(key, index);
    return index;
  }
}

const END = Symbol('end of representation');

function child(node: Map<unknown, unknown>, key: unknown): Map<unknown, unknown> {
  let next = node.get(key) as Map<unknown, unknown> | undefined;
  if (!next) {
    next = new Map();
    node.set(key, next);
  }
  return next;
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
