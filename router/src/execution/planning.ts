import { type Operation, operationFromDocument, Supergraph } from '@apollo/federation-internals';
import { isObjectOfType } from '@apollo/gateway/dist/dataRewrites.js';
import {
  type FetchDataKeyRenamer,
  type FetchNode,
  type PlanNode,
  type QueryPlan,
  QueryPlanner,
  type QueryPlanSelectionNode,
  type SubscriptionNode,
} from '@apollo/query-planner';
import {
  type ArgumentNode,
  type ConstDirectiveNode,
  type DocumentNode,
  type FieldNode,
  type GraphQLSchema,
  type InlineFragmentNode,
  type InterfaceTypeDefinitionNode,
  Kind,
  type ObjectTypeDefinitionNode,
  type OperationDefinitionNode,
  parse,
  print,
  type SelectionNode,
  type SelectionSetNode,
  stripIgnoredCharacters,
  type TypeNode,
  visit,
} from 'graphql';

/**
 * Planning around three limits of @apollo/query-planner 2.14 (the one stock
 * @apollo/gateway uses), found with the federation-gateway-audit suite
 * (docs/router.md, "Federation audit"). The planner is given a rewritten copy
 * of the supergraph (same types, same subgraphs, same semantics) and its plans
 * are mapped back:
 *
 * 1. **@requires with arguments** (`@requires(fields: "comments(limit: 3) { authorId }")`).
 *    The planner keys selections by response name, so a required
 *    `comments(limit: 3)` and the client's `comments(limit: 1)` — or two
 *    requirements `price(currency: "USD")` and `price(currency: "EUR")` — are
 *    merged into one field with one of the argument lists, and the other answer
 *    is wrong. Here each distinct (type, field, arguments) used in a
 *    requirement becomes its own field without arguments in the planner's
 *    supergraph (`comments_tgReq0`, resolved by the same subgraphs); fetches
 *    ask for it as `comments_tgReq0: comments(limit: 3)`, and the
 *    representation sent to the requiring subgraph carries it under its real
 *    name (`requiredKeyRenames`, applied by plan-runner.ts). An entity fetch
 *    whose representation would then need one key twice (USD and EUR prices)
 *    is split into parallel fetches (`splitConflicting`).
 * 2. **Non-resolvable keys for @requires.** To come back to the requiring
 *    subgraph, the planner uses the first @key of the type there that selects
 *    no external field, even one declared `resolvable: false`, which the
 *    subgraph cannot resolve (`getLocallySatisfiableKey`). Key order has no
 *    other meaning, so the planner's supergraph lists each subgraph's
 *    resolvable keys before its non-resolvable ones.
 * 3. **Dropped root fields.** A root field whose selections the planner can
 *    route to no subgraph may be left out of the plan altogether, which stock
 *    answers with null and no error; `unfetchedRootFields` finds them so the
 *    executor answers a planning error instead.
 *
 * A supergraph that has neither pattern 1 nor 2 is given to the planner as it is.
 */

/** What a synthetic field stands for: the real field and the arguments the requirement gave it. */
interface SyntheticField {
  name: string;
  arguments: readonly ArgumentNode[];
}

/** A fetch of a plan from `FederationPlanner`: renames to apply to each representation it sends. */
export interface PlannedFetchNode extends FetchNode {
  requiredKeyRenames?: FetchDataKeyRenamer[];
}

export interface PlannerSupergraph {
  /** The supergraph given to the planner (the input itself when nothing needed rewriting). */
  sdl: string;
  /** Synthetic field name → the real field and arguments. */
  synthetic: ReadonlyMap<string, SyntheticField>;
  /** `Type.field|subgraph` → the synthetic fields its requirement in that subgraph selects. */
  requirements: ReadonlyMap<string, ReadonlySet<string>>;
}

type TypeDefinition = ObjectTypeDefinitionNode | InterfaceTypeDefinitionNode;
type Mutable<T> = { -readonly [K in keyof T]: T[K] };

function namedType(type: TypeNode): string {
  return type.kind === Kind.NAMED_TYPE ? type.name.value : namedType(type.type);
}

function joinPrefix(document: DocumentNode): string {
  for (const definition of document.definitions) {
    if (definition.kind !== Kind.SCHEMA_DEFINITION && definition.kind !== Kind.SCHEMA_EXTENSION) continue;
    for (const directive of definition.directives ?? []) {
      if (directive.name.value !== 'link') continue;
      const url = directive.arguments?.find((a) => a.name.value === 'url')?.value;
      const as = directive.arguments?.find((a) => a.name.value === 'as')?.value;
      if (url?.kind === Kind.STRING && /\/join\/v[\d.]+$/.test(url.value)) {
        return `${as?.kind === Kind.STRING ? as.value : 'join'}__`;
      }
    }
  }
  return 'join__';
}

function argument(directive: ConstDirectiveNode, name: string) {
  return directive.arguments?.find((a) => a.name.value === name)?.value;
}

/** Rewrites a supergraph for the planner (see the module comment); returns it unchanged when not needed. */
export function plannerSupergraph(supergraphSdl: string): PlannerSupergraph {
  const document = parse(supergraphSdl);
  const join = joinPrefix(document);
  const types = new Map<string, Mutable<TypeDefinition>>();
  const fieldNames = new Set<string>();
  const definitions = document.definitions.map((definition) => {
    if (
      definition.kind !== Kind.OBJECT_TYPE_DEFINITION &&
      definition.kind !== Kind.INTERFACE_TYPE_DEFINITION
    ) {
      return definition;
    }
    const copy: Mutable<TypeDefinition> = { ...definition, fields: [...(definition.fields ?? [])] };
    types.set(definition.name.value, copy);
    for (const field of copy.fields ?? []) fieldNames.add(field.name.value);
    return copy;
  });
  let changed = false;
  const graphOf = (d: ConstDirectiveNode) => {
    const graph = argument(d, 'graph');
    return graph ? print(graph) : '';
  };
  const isJoinField = (d: ConstDirectiveNode) => d.name.value === `${join}field`;
  const isExternal = (d: ConstDirectiveNode) => {
    const value = argument(d, 'external');
    return isJoinField(d) && value?.kind === Kind.BOOLEAN && value.value;
  };

  // 2. Resolvable keys first, per subgraph.
  for (const type of types.values()) {
    const directives = type.directives ?? [];
    const isKey = (d: ConstDirectiveNode) =>
      d.name.value === `${join}type` && argument(d, 'key') !== undefined;
    const unresolvable = (d: ConstDirectiveNode) => {
      const value = argument(d, 'resolvable');
      return isKey(d) && value?.kind === Kind.BOOLEAN && !value.value;
    };
    const misordered = directives.some(
      (d, i) =>
        unresolvable(d) &&
        directives
          .slice(i + 1)
          .some((later) => isKey(later) && !unresolvable(later) && graphOf(later) === graphOf(d)),
    );
    if (misordered) {
      type.directives = [...directives.filter((d) => !unresolvable(d)), ...directives.filter(unresolvable)];
      changed = true;
    }
  }

  // 1. A field without arguments per (type, field, arguments) a requirement uses.
  const requirements = new Map<string, Set<string>>();
  const subgraphNames = new Map<string, string>();
  for (const definition of document.definitions) {
    if (definition.kind !== Kind.ENUM_TYPE_DEFINITION || definition.name.value !== `${join}Graph`) continue;
    for (const value of definition.values ?? []) {
      const graph = value.directives?.find((d) => d.name.value === `${join}graph`);
      const name = graph && argument(graph, 'name');
      if (name?.kind === Kind.STRING) subgraphNames.set(value.name.value, name.value);
    }
  }
  const synthetic = new Map<string, SyntheticField>();
  const syntheticByUse = new Map<string, string>();
  const registered: { parent: string; field: string; name: string; graphs: Set<string> }[] = [];
  /** `Type.field|GRAPH`: a real field some requirement of GRAPH selects (kept), or no longer does (replaced). */
  const kept = new Set<string>();
  const replaced = new Set<string>();
  let counter = 0;
  const implementations = (name: string) =>
    [...types.values()].filter((t) => t.interfaces?.some((i) => i.name.value === name));

  function syntheticFor(parent: string, field: FieldNode, graph: string, used: Set<string>): string {
    const args = [...(field.arguments ?? [])].sort((a, b) => a.name.value.localeCompare(b.name.value));
    const use = `${parent}.${field.name.value}(${args.map((a) => print(a)).join(',')})`;
    let name = syntheticByUse.get(use);
    if (!name) {
      do name = `${field.name.value}_tgReq${counter++}`;
      while (fieldNames.has(name));
      fieldNames.add(name);
      syntheticByUse.set(use, name);
      synthetic.set(name, { name: field.name.value, arguments: args });
      registered.push({ parent, field: field.name.value, name, graphs: new Set() });
    }
    registered.find((r) => r.name === name)!.graphs.add(graph);
    used.add(name);
    return name;
  }

  function rewriteSelections(
    parent: string,
    set: SelectionSetNode,
    graph: string,
    used: Set<string>,
  ): SelectionSetNode {
    const selections = set.selections.map((selection): SelectionNode => {
      if (selection.kind === Kind.INLINE_FRAGMENT) {
        const on = selection.typeCondition?.name.value ?? parent;
        return { ...selection, selectionSet: rewriteSelections(on, selection.selectionSet, graph, used) };
      }
      if (selection.kind !== Kind.FIELD) return selection;
      const definition = types.get(parent)?.fields?.find((f) => f.name.value === selection.name.value);
      let field: FieldNode = selection;
      const use = `${parent}.${selection.name.value}|${graph}`;
      if (definition && selection.arguments?.length) {
        replaced.add(use);
        const name = syntheticFor(parent, selection, graph, used);
        field = { ...selection, name: { kind: Kind.NAME, value: name }, arguments: [] };
      } else {
        kept.add(use);
      }
      if (definition && field.selectionSet) {
        const type = namedType(definition.type);
        field = { ...field, selectionSet: rewriteSelections(type, field.selectionSet, graph, used) };
      }
      return field;
    });
    return { ...set, selections };
  }

  for (const type of [...types.values()]) {
    type.fields = type.fields?.map((field) => {
      let touched = false;
      const directives = field.directives?.map((directive) => {
        const requires = isJoinField(directive) ? argument(directive, 'requires') : undefined;
        if (requires?.kind !== Kind.STRING || !requires.value.includes('(')) return directive;
        const operation = parse(`{${requires.value}}`).definitions[0];
        if (operation?.kind !== Kind.OPERATION_DEFINITION) return directive;
        const used = new Set<string>();
        const graph = graphOf(directive);
        const rewritten = rewriteSelections(type.name.value, operation.selectionSet, graph, used);
        const value = rewritten.selections.map((s) => print(s)).join(' ');
        if (value === requires.value) return directive;
        requirements.set(`${type.name.value}.${field.name.value}|${subgraphNames.get(graph) ?? graph}`, used);
        touched = true;
        return {
          ...directive,
          arguments: directive.arguments?.map((a) =>
            a.name.value === 'requires' ? { ...a, value: { kind: Kind.STRING, value } } : a,
          ),
        } as ConstDirectiveNode;
      });
      return touched ? { ...field, directives } : field;
    });
  }

  // The synthetic fields: copies of the real ones without arguments, on the type and, for an
  // interface, on every type implementing it; @external only in the subgraphs whose requirements use them.
  for (const { parent, field, name, graphs } of registered) {
    for (const owner of [types.get(parent)!, ...implementations(parent)]) {
      const original = owner.fields?.find((f) => f.name.value === field);
      if (!original) continue;
      const { description: _, ...copy } = original;
      const directives = copy.directives?.filter((d) => !isExternal(d) || graphs.has(graphOf(d)));
      owner.fields = [
        ...(owner.fields ?? []),
        { ...copy, name: { kind: Kind.NAME, value: name }, arguments: [], directives },
      ];
    }
    changed = true;
  }
  // A real field that a subgraph declared @external only for the requirements now using synthetic
  // fields is dropped from that subgraph (an unused @external field is an invalid subgraph), unless
  // an interface of the type there declares it.
  for (const type of types.values()) {
    const interfaceFields = (graph: string) =>
      new Set(
        (type.directives ?? [])
          .filter((d) => d.name.value === `${join}implements` && graphOf(d) === graph)
          .flatMap((d) => {
            const name = argument(d, 'interface');
            return name?.kind === Kind.STRING ? (types.get(name.value)?.fields ?? []) : [];
          })
          .map((f) => f.name.value),
      );
    type.fields = type.fields?.map((field) => {
      const unused = (d: ConstDirectiveNode) => {
        const use = `${type.name.value}.${field.name.value}|${graphOf(d)}`;
        return (
          isExternal(d) &&
          replaced.has(use) &&
          !kept.has(use) &&
          !interfaceFields(graphOf(d)).has(field.name.value)
        );
      };
      const directives = field.directives ?? [];
      if (!directives.some(unused)) return field;
      const remaining = directives.filter((d) => !unused(d));
      // A field without @join__field would belong to every subgraph of the type.
      return remaining.some(isJoinField) ? { ...field, directives: remaining } : field;
    });
  }

  if (!changed) return { sdl: supergraphSdl, synthetic, requirements };
  return { sdl: print({ ...document, definitions }), synthetic, requirements };
}

/** Asks subgraphs for synthetic fields by their real name and arguments, aliased to the synthetic name. */
function restoreOperation(operation: string, synthetic: ReadonlyMap<string, SyntheticField>): string {
  const document = visit(parse(operation), {
    Field(node) {
      const real = synthetic.get(node.name.value);
      if (!real) return undefined;
      return {
        ...node,
        alias: node.alias ?? node.name,
        name: { kind: Kind.NAME, value: real.name },
        arguments: real.arguments,
      };
    },
  });
  return stripIgnoredCharacters(print(document));
}

function requiredRenames(
  selections: readonly QueryPlanSelectionNode[],
  synthetic: ReadonlyMap<string, SyntheticField>,
  path: string[] = [],
  out: FetchDataKeyRenamer[] = [],
): FetchDataKeyRenamer[] {
  for (const selection of selections) {
    if (selection.kind === 'InlineFragment') {
      const at = selection.typeCondition ? [...path, `... on ${selection.typeCondition}`] : path;
      requiredRenames(selection.selections, synthetic, at, out);
      continue;
    }
    const responseName = selection.alias ?? selection.name;
    if (selection.selections) requiredRenames(selection.selections, synthetic, [...path, responseName], out);
    const real = synthetic.get(selection.name);
    if (real) out.push({ kind: 'KeyRenamer', path: [...path, responseName], renameKeyTo: real.name });
  }
  return out;
}

/**
 * Entity fetches whose representation would need one key twice (two requirements of the same
 * field with different arguments, `price(currency: "USD")` and `price(currency: "EUR")`) are
 * split: one fetch per set of fields whose requirements agree, run in parallel.
 */
function splitConflicting(fetch: PlannedFetchNode, rewritten: PlannerSupergraph): PlanNode {
  const renames = fetch.requiredKeyRenames;
  if (!renames || renames.length < 2 || !fetch.requires) return fetch;
  // Synthetic field → the (parent path, real name) it is sent as; conflicting when shared.
  const slotOf = new Map<string, string>();
  const bySlot = new Map<string, Set<string>>();
  for (const rename of renames) {
    const slot = `${rename.path.slice(0, -1).join('\u0000')}\u0001${rename.renameKeyTo}`;
    const name = rename.path[rename.path.length - 1]!;
    slotOf.set(name, slot);
    bySlot.set(slot, (bySlot.get(slot) ?? new Set()).add(name));
  }
  const conflicting = new Set([...bySlot.values()].filter((names) => names.size > 1).flatMap((n) => [...n]));
  if (conflicting.size === 0) return fetch;

  const document = parse(fetch.operation);
  const operation = document.definitions[0];
  if (document.definitions.length !== 1 || operation?.kind !== Kind.OPERATION_DEFINITION) return fetch;
  const entities = operation.selectionSet.selections[0];
  if (entities?.kind !== Kind.FIELD || !entities.selectionSet) return fetch;
  const fragments = entities.selectionSet.selections;
  if (
    !fragments.every(
      (f) => f.kind === Kind.INLINE_FRAGMENT && f.selectionSet.selections.every((s) => s.kind === Kind.FIELD),
    )
  ) {
    return fetch;
  }

  // Fields into groups whose synthetic requirements do not conflict (first fit).
  const groups: { fields: Set<FieldNode>; uses: Map<string, string> }[] = [];
  for (const fragment of fragments as InlineFragmentNode[]) {
    const on = fragment.typeCondition?.name.value;
    for (const field of fragment.selectionSet.selections as FieldNode[]) {
      if (field.name.value === '__typename') continue;
      const needs = [
        ...(rewritten.requirements.get(`${on}.${field.name.value}|${fetch.serviceName}`) ?? []),
      ].filter((name) => conflicting.has(name));
      let group = groups.find((g) => needs.every((n) => (g.uses.get(slotOf.get(n)!) ?? n) === n));
      if (!group) {
        group = { fields: new Set(), uses: new Map() };
        groups.push(group);
      }
      group.fields.add(field);
      for (const n of needs) group.uses.set(slotOf.get(n)!, n);
    }
  }
  if (groups.length < 2) return fetch;

  const nodes = groups.map((group, index): PlannedFetchNode => {
    const used = new Set(group.uses.values());
    const selections = (fragments as InlineFragmentNode[])
      .map((fragment) => ({
        ...fragment,
        selectionSet: {
          ...fragment.selectionSet,
          selections: fragment.selectionSet.selections.filter(
            (s) => s.kind === Kind.FIELD && (s.name.value === '__typename' || group.fields.has(s)),
          ),
        },
      }))
      .filter((fragment) =>
        fragment.selectionSet.selections.some((s) => s.kind === Kind.FIELD && s.name.value !== '__typename'),
      );
    const selectionSet: SelectionSetNode = {
      ...operation.selectionSet,
      selections: [{ ...entities, selectionSet: { kind: Kind.SELECTION_SET, selections } }],
    };
    const variables = new Set<string>();
    visit(selectionSet, {
      Variable(node) {
        variables.add(node.name.value);
      },
    });
    const definition: OperationDefinitionNode = {
      ...operation,
      selectionSet,
      variableDefinitions: operation.variableDefinitions?.filter((v) => variables.has(v.variable.name.value)),
    };
    const text = stripIgnoredCharacters(print({ ...document, definitions: [definition] }));
    const requires = withoutFields(fetch.requires!, (name) => conflicting.has(name) && !used.has(name));
    const split: PlannedFetchNode = {
      ...fetch,
      operation: text,
      requires,
      requiredKeyRenames: requiredRenames(requires, rewritten.synthetic),
    };
    if (fetch.operationDocumentNode) split.operationDocumentNode = parse(text);
    if (fetch.variableUsages) split.variableUsages = fetch.variableUsages.filter((v) => variables.has(v));
    if (index > 0) delete split.id;
    return split;
  });
  return { kind: 'Parallel', nodes };
}

function withoutFields(
  selections: readonly QueryPlanSelectionNode[],
  drop: (name: string) => boolean,
): QueryPlanSelectionNode[] {
  return selections
    .filter((s) => s.kind !== 'Field' || !drop(s.name))
    .map((s) => {
      if (s.kind === 'InlineFragment') return { ...s, selections: withoutFields(s.selections, drop) };
      return s.selections ? { ...s, selections: withoutFields(s.selections, drop) } : s;
    });
}

function restoreNode<N extends PlanNode | SubscriptionNode>(
  node: N,
  rewritten: PlannerSupergraph,
): N | PlanNode {
  const { synthetic } = rewritten;
  switch (node.kind) {
    case 'Fetch': {
      const fetch = node as PlannedFetchNode;
      if ([...synthetic.keys()].some((name) => fetch.operation.includes(name))) {
        fetch.operation = restoreOperation(fetch.operation, synthetic);
        if (fetch.operationDocumentNode) fetch.operationDocumentNode = parse(fetch.operation);
      }
      const renames = fetch.requires ? requiredRenames(fetch.requires, synthetic) : [];
      if (renames.length === 0) return fetch;
      fetch.requiredKeyRenames = renames;
      return splitConflicting(fetch, rewritten);
    }
    case 'Sequence':
    case 'Parallel':
      node.nodes = node.nodes.map((child) => restoreNode(child, rewritten));
      return node;
    case 'Flatten':
      node.node = restoreNode(node.node, rewritten);
      return node;
    case 'Condition':
      if (node.ifClause) node.ifClause = restoreNode(node.ifClause, rewritten);
      if (node.elseClause) node.elseClause = restoreNode(node.elseClause, rewritten);
      return node;
    case 'Defer':
      if (node.primary.node) node.primary.node = restoreNode(node.primary.node, rewritten);
      for (const deferred of node.deferred)
        if (deferred.node) deferred.node = restoreNode(deferred.node, rewritten);
      return node;
    case 'Subscription':
      // The primary is the subscription itself: no entity fetch to split.
      restoreNode(node.primary, rewritten);
      if (node.rest) node.rest = restoreNode(node.rest, rewritten);
      return node;
  }
  return node;
}

/**
 * Renames required keys of a representation from synthetic to real names
 * (the gateway's KeyRenamer path rules, but a falsy value is renamed too).
 */
export function renameRequiredKeys(
  schema: GraphQLSchema,
  renames: readonly FetchDataKeyRenamer[] | undefined,
  representation: Record<string, unknown>,
): void {
  if (!renames) return;
  for (const rename of renames) renameAt(schema, rename.path, 0, representation, rename.renameKeyTo);
}

function renameAt(schema: GraphQLSchema, path: string[], from: number, value: unknown, to: string): void {
  if (Array.isArray(value)) {
    for (const element of value) renameAt(schema, path, from, element, to);
    return;
  }
  if (typeof value !== 'object' || value === null) return;
  const object = value as Record<string, unknown>;
  const element = path[from]!;
  if (element.startsWith('... on ')) {
    if (isObjectOfType(schema, object, element.slice(7), true)) renameAt(schema, path, from + 1, object, to);
    return;
  }
  if (!Object.hasOwn(object, element)) return;
  if (from < path.length - 1) {
    renameAt(schema, path, from + 1, object[element], to);
    return;
  }
  object[to] = object[element];
  delete object[element];
}

/**
 * Root fields of `operation` that no fetch of `plan` asks for. The planner drops
 * a root field whose selections it can route to no subgraph when the field's
 * type has no possible runtime type (an interface implemented nowhere, whose
 * fields live in subgraphs that cannot resolve it): stock answers null without
 * asking anyone. Root fields under a directive (@skip/@include/@defer) are left
 * out: the planner drops or defers those on purpose.
 */
export function unfetchedRootFields(operation: Operation, plan: QueryPlan): string[] {
  const wanted: string[] = [];
  const collect = (set: Operation['selectionSet']) => {
    for (const selection of set.selections()) {
      if (selection.element.appliedDirectives.length > 0) continue;
      if (selection.kind === 'FragmentSelection') collect(selection.selectionSet);
      else if (!selection.element.name.startsWith('__')) wanted.push(selection.element.responseName());
    }
  };
  collect(operation.selectionSet);
  if (wanted.length === 0) return [];
  const fetched = new Set<string>();
  const topLevel = (set: SelectionSetNode) => {
    for (const s of set.selections) {
      if (s.kind === Kind.FIELD) fetched.add((s.alias ?? s.name).value);
      else if (s.kind === Kind.INLINE_FRAGMENT) topLevel(s.selectionSet);
    }
  };
  const walk = (node: PlanNode | SubscriptionNode | undefined): void => {
    if (!node) return;
    switch (node.kind) {
      case 'Fetch':
        if (!node.requires) {
          for (const d of parse(node.operation).definitions) {
            if (d.kind === Kind.OPERATION_DEFINITION) topLevel(d.selectionSet);
          }
        }
        return;
      case 'Sequence':
      case 'Parallel':
        node.nodes.forEach(walk);
        return;
      case 'Flatten':
        walk(node.node);
        return;
      case 'Condition':
        walk(node.ifClause);
        walk(node.elseClause);
        return;
      case 'Defer':
        walk(node.primary.node);
        for (const deferred of node.deferred) walk(deferred.node);
        return;
      case 'Subscription':
        walk(node.primary);
        walk(node.rest);
        return;
    }
  };
  walk(plan.node);
  return wanted.filter((name) => !fetched.has(name));
}

/** The query planner over `plannerSupergraph(supergraphSdl)`, its plans mapped back to the real schema. */
export class FederationPlanner {
  readonly #planner: QueryPlanner;
  readonly #apiSchema: ReturnType<Supergraph['apiSchema']>;
  readonly #rewritten: PlannerSupergraph;

  /** `built`: the supergraph already built from `supergraphSdl`, reused when no rewrite was needed. */
  constructor(supergraphSdl: string, built?: Supergraph) {
    const rewritten = plannerSupergraph(supergraphSdl);
    const supergraph = built && rewritten.sdl === supergraphSdl ? built : Supergraph.build(rewritten.sdl);
    this.#planner = new QueryPlanner(supergraph);
    this.#apiSchema = supergraph.apiSchema();
    this.#rewritten = rewritten;
  }

  /** The operation in the planner's terms (its API schema has the synthetic fields too). */
  operation(document: DocumentNode, operationName: string | undefined): Operation {
    return operationFromDocument(this.#apiSchema, document, operationName ? { operationName } : {});
  }

  plan(operation: Operation, options?: Parameters<QueryPlanner['buildQueryPlan']>[1]): QueryPlan {
    const plan = this.#planner.buildQueryPlan(operation, options);
    if (this.#rewritten.synthetic.size === 0 || !plan.node) return plan;
    return { ...plan, node: restoreNode(plan.node, this.#rewritten) as QueryPlan['node'] };
  }
}
