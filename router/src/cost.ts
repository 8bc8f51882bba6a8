import {
  type FieldNode,
  type FragmentDefinitionNode,
  GraphQLError,
  type GraphQLField,
  type GraphQLNamedType,
  type GraphQLOutputType,
  type GraphQLSchema,
  getNamedType,
  getNullableType,
  isCompositeType,
  isListType,
  isObjectType,
  Kind,
  type OperationDefinitionNode,
  type SelectionSetNode,
  type ValueNode,
  valueFromASTUntyped,
} from 'graphql';
import type { ListSize, SupergraphDirectives } from './directives.ts';

export interface CostSettings {
  /** Size assumed for a list with no slicing argument, `@listSize` or connection convention. */
  defaultListSize: number;
  /** Page size assumed for a connection (`first`/`last`) when neither is given. */
  defaultPageSize: number;
  /** Every assumed or requested list size is capped here (the subgraphs' page cap). */
  maxListSize: number;
  /** Weight of a root mutation field (a write costs more than a read). */
  mutationWeight: number;
}

/** The operation's estimated cost is above the limit (HTTP 400). */
export class CostLimitError extends GraphQLError {
  constructor(cost: number, limit: number) {
    super(
      `The operation's estimated cost is ${cost}, above the limit of ${limit}; ask for smaller pages or fewer fields`,
      { extensions: { code: 'COST_LIMIT_EXCEEDED', cost, limit, http: { status: 400 } } },
    );
  }
}

type Variables = Record<string, unknown> | undefined;

function argumentValue(node: FieldNode, name: string, variables: Variables): unknown {
  const arg = node.arguments?.find((a) => a.name.value === name);
  if (!arg) return undefined;
  return valueFromASTUntyped(arg.value as ValueNode, variables);
}

/**
 * Static cost analysis in the spirit of the IBM GraphQL cost specification and
 * Apollo's demand control: a composite field costs 1 (a leaf 0, a root mutation
 * field `mutationWeight`) unless `@cost` says otherwise; a list multiplies the
 * cost of what it selects by its size, taken from the slicing arguments
 * (`@listSize(slicingArguments)`, or `first`/`last` on a Relay connection, whose
 * `edges`/`nodes` are the sized fields), else `@listSize(assumedSize)`, else a
 * default; sizes are capped at `maxListSize`. Fragments are expanded; branches
 * on different types are summed (an over-estimate, never an under-estimate).
 */
export function createCostEstimator(
  schema: GraphQLSchema,
  directives: SupergraphDirectives,
  settings: CostSettings,
) {
  const cap = (n: number) => Math.max(0, Math.min(settings.maxListSize, Math.floor(n)));

  function isConnection(field: GraphQLField<unknown, unknown>): boolean {
    const named = getNamedType(field.type);
    return (
      named.name.endsWith('Connection') &&
      isObjectType(named) &&
      field.args.some((a) => a.name === 'first' || a.name === 'last')
    );
  }

  /** The size of a list field, or of a connection's sized children. */
  function sizeOf(
    node: FieldNode,
    field: GraphQLField<unknown, unknown>,
    listSize: ListSize | undefined,
    variables: Variables,
  ): number {
    const slicing = listSize?.slicingArguments ?? (isConnection(field) ? ['first', 'last'] : undefined);
    if (slicing) {
      let largest: number | undefined;
      for (const name of slicing) {
        const value = argumentValue(node, name, variables);
        if (typeof value === 'number') largest = Math.max(largest ?? 0, value);
      }
      if (largest !== undefined) return cap(largest);
    }
    if (listSize?.assumedSize !== undefined) return cap(listSize.assumedSize);
    return cap(isConnection(field) && !listSize ? settings.defaultPageSize : settings.defaultListSize);
  }

  // `Type.field` of each field definition, built once: the actual cost walks every returned value.
  const coordinates = new WeakMap<GraphQLField<unknown, unknown>, string>();
  function coordinateOf(parent: GraphQLNamedType, field: GraphQLField<unknown, unknown>): string {
    let coordinate = coordinates.get(field);
    if (coordinate === undefined) {
      coordinate = `${parent.name}.${field.name}`;
      coordinates.set(field, coordinate);
    }
    return coordinate;
  }

  function leafWeight(type: GraphQLNamedType): number {
    return directives.typeCost.get(type.name) ?? (isCompositeType(type) ? 1 : 0);
  }

  function estimate(
    operation: OperationDefinitionNode,
    fragments: Record<string, FragmentDefinitionNode>,
    variables: Variables,
  ): number {
    const root =
      operation.operation === 'mutation'
        ? schema.getMutationType()
        : operation.operation === 'subscription'
          ? schema.getSubscriptionType()
          : schema.getQueryType();
    if (!root) return 0;

    /** `sized`: a field of the parent is one of its @listSize sizedFields; multiply its cost by `size`. */
    function selectionCost(
      set: SelectionSetNode,
      parent: GraphQLNamedType,
      sized: { fields: string[]; size: number } | undefined,
      depth: number,
    ): number {
      // Fragment cycles are refused by validation; this bound only protects against surprises.
      if (depth > 64) return 0;
      let total = 0;
      for (const sel of set.selections) {
        if (sel.kind === Kind.INLINE_FRAGMENT) {
          const on = sel.typeCondition ? schema.getType(sel.typeCondition.name.value) : parent;
          total += selectionCost(sel.selectionSet, on ?? parent, sized, depth + 1);
          continue;
        }
        if (sel.kind === Kind.FRAGMENT_SPREAD) {
          const fragment = fragments[sel.name.value];
          if (!fragment) continue;
          const on = schema.getType(fragment.typeCondition.name.value) ?? parent;
          total += selectionCost(fragment.selectionSet, on, sized, depth + 1);
          continue;
        }
        total += fieldCost(
          sel,
          parent,
          depth,
          sized?.fields.includes(sel.name.value) ? sized.size : undefined,
        );
      }
      return total;
    }

    /** `size`: the field is a sized field of its parent's @listSize (or a connection's edges/nodes). */
    function fieldCost(node: FieldNode, parent: GraphQLNamedType, depth: number, size?: number): number {
      if (node.name.value.startsWith('__')) return 0;
      if (!('getFields' in parent)) return 0;
      const field = (parent.getFields() as Record<string, GraphQLField<unknown, unknown>>)[node.name.value];
      if (!field) return 0;
      const coordinate = coordinateOf(parent, field);
      const type = field.type as GraphQLOutputType;
      const named = getNamedType(type);
      let weight =
        directives.fieldCost.get(coordinate) ??
        (parent === root && operation.operation === 'mutation' ? settings.mutationWeight : leafWeight(named));
      for (const arg of node.arguments ?? []) {
        weight += directives.argumentCost.get(`${coordinate}(${arg.name.value})`) ?? 0;
      }
      const listSize = directives.listSize.get(coordinate);
      const multiplier =
        size ?? (isListType(getNullableType(type)) ? sizeOf(node, field, listSize, variables) : 1);
      if (!node.selectionSet) return weight * multiplier;
      const sizedFields =
        listSize?.sizedFields ?? (isConnection(field) && !listSize ? ['edges', 'nodes'] : []);
      if (sizedFields.length > 0) {
        const sized = { fields: sizedFields, size: sizeOf(node, field, listSize, variables) };
        return multiplier * (weight + selectionCost(node.selectionSet, named, sized, depth + 1));
      }
      return multiplier * (weight + selectionCost(node.selectionSet, named, undefined, depth + 1));
    }

    return selectionCost(operation.selectionSet, root, undefined, 0);
  }

  /**
   * The actual cost walks every returned value, so a selection set is compiled
   * once per parent type into the steps below (weights, response keys, type
   * conditions resolved); the selection sets of a cached document are the same
   * objects from request to request, so later requests only run the steps.
   */
  type CostStep =
    | {
        kind: 'field';
        key: string;
        weight: number;
        /** The field's sub-selection (absent on leaves) and its named type. */
        set: SelectionSetNode | undefined;
        named: GraphQLNamedType;
      }
    /** An inline fragment; `on` set when its condition is an object type (then `__typename` decides). */
    | { kind: 'fragment'; on: string | undefined; steps: CostStep[] };
  const compiled = new WeakMap<SelectionSetNode, Map<GraphQLNamedType, CostStep[]>>();

  function costSteps(
    set: SelectionSetNode,
    parent: GraphQLNamedType,
    root: GraphQLNamedType,
    mutation: boolean,
    fragments: Record<string, FragmentDefinitionNode>,
  ): CostStep[] {
    let byType = compiled.get(set);
    if (!byType) {
      byType = new Map();
      compiled.set(set, byType);
    }
    let steps = byType.get(parent);
    if (steps) return steps;
    steps = [];
    for (const sel of set.selections) {
      if (sel.kind === Kind.INLINE_FRAGMENT) {
        const on = sel.typeCondition?.name.value;
        const onType = on ? schema.getType(on) : undefined;
        steps.push({
          kind: 'fragment',
          on: on && isObjectType(onType) ? on : undefined,
          steps: costSteps(sel.selectionSet, onType || parent, root, mutation, fragments),
        });
        continue;
      }
      if (sel.kind === Kind.FRAGMENT_SPREAD) {
        const fragment = fragments[sel.name.value];
        if (fragment) {
          const on = schema.getType(fragment.typeCondition.name.value) ?? parent;
          steps.push({
            kind: 'fragment',
            on: undefined,
            steps: costSteps(fragment.selectionSet, on, root, mutation, fragments),
          });
        }
        continue;
      }
      if (sel.name.value.startsWith('__') || !('getFields' in parent)) continue;
      const field = (parent.getFields() as Record<string, GraphQLField<unknown, unknown>>)[sel.name.value];
      if (!field) continue;
      const named = getNamedType(field.type);
      const weight =
        directives.fieldCost.get(coordinateOf(parent, field)) ??
        (parent === root && mutation ? settings.mutationWeight : leafWeight(named));
      steps.push({
        kind: 'field',
        key: sel.alias?.value ?? sel.name.value,
        weight,
        set: sel.selectionSet,
        named,
      });
    }
    byType.set(parent, steps);
    return steps;
  }

  /**
   * The cost of what was actually returned: the same weights, with the real
   * list lengths in place of the estimated sizes (for the metric).
   */
  function actual(
    operation: OperationDefinitionNode,
    fragments: Record<string, FragmentDefinitionNode>,
    data: unknown,
  ): number {
    const root = operation.operation === 'mutation' ? schema.getMutationType() : schema.getQueryType();
    if (!root || !data || typeof data !== 'object') return 0;
    const mutation = operation.operation === 'mutation';

    function stepsCost(steps: CostStep[], value: Record<string, unknown>): number {
      let total = 0;
      for (const step of steps) {
        if (step.kind === 'field') total += valueCost(value[step.key], step);
        else if (!(step.on && value.__typename && value.__typename !== step.on))
          total += stepsCost(step.steps, value);
      }
      return total;
    }

    function valueCost(value: unknown, step: CostStep & { kind: 'field' }): number {
      if (value === null || value === undefined) return step.weight;
      if (Array.isArray(value)) {
        let total = 0;
        for (const item of value) total += valueCost(item, step);
        return total;
      }
      if (!step.set || typeof value !== 'object') return step.weight;
      const typename = (value as { __typename?: string }).__typename;
      const concrete = (typename && schema.getType(typename)) || step.named;
      return (
        step.weight +
        stepsCost(costSteps(step.set, concrete, root!, mutation, fragments), value as Record<string, unknown>)
      );
    }

    return stepsCost(
      costSteps(operation.selectionSet, root, root, mutation, fragments),
      data as Record<string, unknown>,
    );
  }

  return { estimate, actual };
}

export type CostEstimator = ReturnType<typeof createCostEstimator>;
