import { createHash } from 'node:crypto';
import type { FetchNode } from '@apollo/query-planner';
import {
  type ArgumentNode,
  type DocumentNode,
  type FragmentDefinitionNode,
  type GraphQLCompositeType,
  type GraphQLField,
  type GraphQLSchema,
  getNamedType,
  isCompositeType,
  isObjectType,
  Kind,
  type OperationDefinitionNode,
  parse,
  type SelectionSetNode,
} from 'graphql';

/**
 * What the subgraphs declared cacheable: `@cacheControl(maxAge, scope)` from
 * the supergraph (subgraphs import it from https://tradegraph.dev/cache-control
 * and compose it with @composeDirective), and which types are entities.
 */
export interface CacheHints {
  /** `Type.field` → hint. */
  fields: ReadonlyMap<string, Hint>;
  /** Object type → hint; only for types one subgraph resolves (see readCacheHints). */
  types: ReadonlyMap<string, Hint>;
  /** Entity types (a `@join__type(key:)` in some subgraph) → their key field names. */
  keys: ReadonlyMap<string, ReadonlySet<string>>;
  /** Subgraph names (as in `@join__graph(name:)`) that declare at least one hint. */
  subgraphs: ReadonlySet<string>;
  /** Hints that were ignored, with why (logged at start). */
  ignored: string[];
}

export interface Hint {
  maxAge: number;
  scope: 'PUBLIC' | 'PRIVATE';
}

/** How one fetch of a query plan may be cached; null when it may not be. */
export interface FetchCachePolicy {
  /** Stable id of the fetch (subgraph + operation text): part of every key. */
  id: string;
  subgraph: string;
  /** Seconds: the smallest maxAge over the fetch's selection. */
  maxAge: number;
  /** Composite types whose data the fetch returns (below the entity itself, for entity fetches). */
  types: readonly string[];
  /** For `_entities` fetches: true (each representation is its own entry). */
  entities: boolean;
}

const argValue = (args: readonly ArgumentNode[] | undefined, name: string) =>
  args?.find((a) => a.name.value === name)?.value;

/**
 * Reads the hints from the supergraph SDL. A type-level hint counts only on a
 * type exactly one subgraph resolves: the supergraph does not say which
 * subgraph wrote a composed directive on a shared type, and one subgraph's
 * hint must never make another's fields cacheable (shared entities such as
 * ProductVariant carry field-level hints instead).
 */
export function readCacheHints(supergraphSdl: string): CacheHints {
  const doc = parse(supergraphSdl);
  const graphNames = new Map<string, string>();
  for (const def of doc.definitions) {
    if (def.kind !== Kind.ENUM_TYPE_DEFINITION || def.name.value !== 'join__Graph') continue;
    for (const value of def.values ?? []) {
      const name = argValue(value.directives?.find((d) => d.name.value === 'join__graph')?.arguments, 'name');
      if (name?.kind === Kind.STRING) graphNames.set(value.name.value, name.value);
    }
  }
  const fields = new Map<string, Hint>();
  const types = new Map<string, Hint>();
  const keys = new Map<string, Set<string>>();
  const subgraphs = new Set<string>();
  const ignored: string[] = [];
  const hintOf = (
    directives: readonly { name: { value: string }; arguments?: readonly ArgumentNode[] }[],
  ) => {
    const d = directives.find((x) => x.name.value === 'cacheControl');
    if (!d) return undefined;
    const maxAge = argValue(d.arguments, 'maxAge');
    const scope = argValue(d.arguments, 'scope');
    const scopeText = scope?.kind === Kind.STRING || scope?.kind === Kind.ENUM ? scope.value : 'PUBLIC';
    if (maxAge?.kind !== Kind.INT || (scopeText !== 'PUBLIC' && scopeText !== 'PRIVATE')) return null;
    return { maxAge: Number(maxAge.value), scope: scopeText } as Hint;
  };
  for (const def of doc.definitions) {
    if (def.kind !== Kind.OBJECT_TYPE_DEFINITION && def.kind !== Kind.OBJECT_TYPE_EXTENSION) continue;
    const typeName = def.name.value;
    const resolvableIn: string[] = [];
    for (const d of def.directives ?? []) {
      if (d.name.value !== 'join__type') continue;
      const graph = argValue(d.arguments, 'graph');
      const key = argValue(d.arguments, 'key');
      const resolvable = argValue(d.arguments, 'resolvable');
      const graphName = graph?.kind === Kind.ENUM ? (graphNames.get(graph.value) ?? graph.value) : '';
      if (key?.kind === Kind.STRING) {
        const set = keys.get(typeName) ?? new Set<string>();
        // Simple keys ("id", "upc sku"); nested key selections make the type keyed, nothing more.
        for (const part of key.value.split(/\s+/)) if (/^[_A-Za-z]\w*$/.test(part)) set.add(part);
        keys.set(typeName, set);
      }
      if (!(resolvable?.kind === Kind.BOOLEAN && !resolvable.value)) resolvableIn.push(graphName);
    }
    const typeHint = hintOf(def.directives ?? []);
    if (typeHint === null)
      ignored.push(`${typeName}: @cacheControl needs maxAge: Int and scope PUBLIC|PRIVATE`);
    else if (typeHint) {
      const owners = [...new Set(resolvableIn)];
      if (owners.length === 1) {
        types.set(typeName, typeHint);
        subgraphs.add(owners[0]!);
      } else {
        ignored.push(
          `${typeName}: a type-level @cacheControl on a type ${owners.length} subgraphs resolve is ignored (mark its fields)`,
        );
      }
    }
    for (const field of def.fields ?? []) {
      const hint = hintOf(field.directives ?? []);
      const coordinate = `${typeName}.${field.name.value}`;
      if (hint === null)
        ignored.push(`${coordinate}: @cacheControl needs maxAge: Int and scope PUBLIC|PRIVATE`);
      if (!hint) continue;
      fields.set(coordinate, hint);
      const joinFields = (field.directives ?? []).filter((d) => d.name.value === 'join__field');
      const owners = joinFields.length
        ? joinFields.map((d) => argValue(d.arguments, 'graph')).filter((g) => g?.kind === Kind.ENUM)
        : [];
      for (const g of owners) subgraphs.add(graphNames.get((g as { value: string }).value) ?? '');
      if (owners.length === 0) for (const g of resolvableIn) subgraphs.add(g);
    }
  }
  subgraphs.delete('');
  return { fields, types, keys, subgraphs, ignored };
}

/**
 * Decides, once per fetch node, whether and how long its answer may be cached.
 * A fetch is cacheable when it is a query, every field it selects is covered
 * by a PUBLIC hint (its own, its type's, or — for leaves and for value types
 * without a key — its parent's), and no hint says PRIVATE or maxAge 0.
 * Entity references (only `__typename` and key fields of another entity) and
 * key fields are free. The policy's maxAge is the smallest hint met, capped.
 */
export function createFetchPolicies(
  hints: CacheHints,
  schema: GraphQLSchema,
  maxTtlSeconds: number,
): (fetch: FetchNode) => FetchCachePolicy | null {
  const memo = new WeakMap<FetchNode, FetchCachePolicy | null>();
  return (fetch) => {
    let policy = memo.get(fetch);
    if (policy === undefined) {
      policy = policyOf(fetch);
      memo.set(fetch, policy);
    }
    return policy;
  };

  function policyOf(fetch: FetchNode): FetchCachePolicy | null {
    if (!hints.subgraphs.has(fetch.serviceName)) return null;
    let doc: DocumentNode;
    try {
      doc = parse(fetch.operation);
    } catch {
      return null;
    }
    const operation = doc.definitions.find(
      (d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION,
    );
    if (operation?.operation !== 'query') return null;
    const fragments = new Map(
      doc.definitions
        .filter((d): d is FragmentDefinitionNode => d.kind === Kind.FRAGMENT_DEFINITION)
        .map((d) => [d.name.value, d]),
    );
    const types = new Set<string>();
    let maxAge = maxTtlSeconds;
    const meet = (hint: Hint | undefined): number | undefined => {
      if (hint?.scope !== 'PUBLIC' || hint.maxAge <= 0) return undefined;
      maxAge = Math.min(maxAge, hint.maxAge);
      return hint.maxAge;
    };

    /** Whether a selection names only `__typename` and key fields of `type` (a reference). */
    const isReference = (type: string, set: SelectionSetNode): boolean => {
      const key = hints.keys.get(type);
      if (!key) return false;
      return set.selections.every(
        (s) =>
          s.kind === Kind.FIELD &&
          (s.name.value === '__typename' || (key.has(s.name.value) && !s.selectionSet)),
      );
    };

    const walk = (
      set: SelectionSetNode,
      parent: GraphQLCompositeType,
      inherited: number | undefined,
      entityRoot = false,
    ): boolean => {
      if (!entityRoot) types.add(parent.name);
      for (const selection of set.selections) {
        if (selection.kind === Kind.INLINE_FRAGMENT || selection.kind === Kind.FRAGMENT_SPREAD) {
          const fragment =
            selection.kind === Kind.FRAGMENT_SPREAD ? fragments.get(selection.name.value) : selection;
          if (!fragment) return false;
          const condition = fragment.typeCondition
            ? schema.getType(fragment.typeCondition.name.value)
            : parent;
          if (!condition || !isCompositeType(condition)) return false;
          if (!walk(fragment.selectionSet, condition, inherited, entityRoot && condition === parent))
            return false;
          continue;
        }
        const name = selection.name.value;
        if (name === '__typename') continue;
        if (!isObjectType(parent)) return false; // interface fields: not analysed, not cached
        const field: GraphQLField<unknown, unknown> | undefined = parent.getFields()[name];
        if (!field) return false;
        if (hints.keys.get(parent.name)?.has(name) && !selection.selectionSet) continue;
        const named = getNamedType(field.type);
        const own = hints.fields.get(`${parent.name}.${name}`);
        if (own && !meet(own)) return false;
        if (!isCompositeType(named)) {
          if (own) continue;
          if (inherited === undefined) return false;
          continue;
        }
        const sub = selection.selectionSet;
        if (!sub) return false;
        if (hints.keys.has(named.name) && isReference(named.name, sub)) {
          types.add(named.name);
          continue;
        }
        const typeHint = hints.types.get(named.name);
        let age = own ? own.maxAge : undefined;
        if (typeHint) {
          if (!meet(typeHint)) return false;
          age = age === undefined ? typeHint.maxAge : Math.min(age, typeHint.maxAge);
        }
        if (age === undefined) {
          // A value type without a key lives inside its parent's hint; an entity needs its own.
          if (hints.keys.has(named.name) || inherited === undefined) return false;
          age = inherited;
        }
        if (!walk(sub, named, age)) return false;
      }
      return true;
    };

    const root = operation.selectionSet.selections;
    const queryType = schema.getQueryType();
    if (!queryType) return null;
    let entities = false;
    if (
      fetch.requires &&
      root.length === 1 &&
      root[0]!.kind === Kind.FIELD &&
      root[0]!.name.value === '_entities' &&
      root[0]!.selectionSet
    ) {
      entities = true;
      for (const selection of root[0]!.selectionSet.selections) {
        if (selection.kind !== Kind.INLINE_FRAGMENT || !selection.typeCondition) return null;
        const type = schema.getType(selection.typeCondition.name.value);
        if (!type || !isObjectType(type)) return null;
        const typeHint = hints.types.get(type.name);
        if (typeHint && !meet(typeHint)) return null;
        // The entity's own fields are analysed like a root field's selection; its own epochs
        // come from its representation (invalidations.ts), so its type is not in `types`
        // unless it is met again below it (a product's variants).
        if (!walk(selection.selectionSet, type, typeHint?.maxAge, true)) return null;
      }
    } else {
      if (fetch.requires) return null;
      if (!walk(operation.selectionSet, queryType, undefined)) return null;
      types.delete(queryType.name);
    }
    if (maxAge <= 0) return null;
    const id = createHash('sha1')
      .update(fetch.serviceName)
      .update('\0')
      .update(fetch.operation)
      .digest('base64url');
    return { id, subgraph: fetch.serviceName, maxAge, types: [...types].sort(), entities };
  }
}
